"""The simulation: the public jobs API (R13) and the wiring of backends, sessions and time.

A :class:`Simulation` runs one scenario. Where the rules live:

- engine/kernel.py: exact instants (integer ticks) and the same-instant order (R18);
- engine/backend.py: ``choose``, which job starts next (R1, R3, R5, R6, R14);
- engine/sessions.py: the session and batch state machine (R4-R11, R14);
- engine/policy.py: usage for fair share and IBM's fair share (R3);
- engine/schedulers.py: the scheduler that makes R3's choice (fair share, or another);
- engine/workloads.py, engine/clients.py: what a scenario submits, and closed-loop clients.

This module carries out what those decide: it starts jobs (R12 stops, R15 compile cache),
completes them (Aer runs then), applies the ops a session transition returns, keeps the trace
(events and spans) and checks R16 at the end of a run: every job registered once, ending in
exactly one terminal status with exactly one terminal event, else :class:`ConservationError`.
The methods of the jobs API take and give seconds; inside, time is ticks. About 950 lines:
a third is the jobs API (R13: sessions, submissions, close, cancel, details, running the clock),
the rest carries out what the modules above decide, on a clock: a job's two stages in its lane
and on the QPU (R19), system work (R20), reservations (R21) and usage limits (R22), each with
its own timers. The decisions themselves are taken in backend.py and sessions.py.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush
from itertools import count
from typing import Callable, Iterable, Optional

import simpy

from . import clients, events as ev, workloads
from .backend import DEACTIVATE, HELD, RELEASE, START, WAIT, BackendState, SystemWork, choose
from .execution import QPU, first_line, job_seed, summarize
from .job import Job
from .kernel import (COMPLETE, CONTROL, DISPATCH, MAX_TICKS, SUBMIT, TIMER, SimEnv,
                     maybe_seconds, maybe_ticks, seconds, ticks)
from .model import MAX_JOBS, Scenario, ScenarioError
from .payloads import Payloads
from .policy import UsageMeter
from .schedulers import build as build_scheduler
from .validation import IdSpaces
from .sessions import (AHEAD, EVENT, EXPIRE, FINISH, HOLD, IDLE, OPEN_TIMEOUT,
                       RELEASE as LET_GO, SPAN, TIMER as LATER, Session)


class ConservationError(RuntimeError):
    """R16 does not hold: a job was lost, counted twice or left without a terminal status. This
    is a bug in the engine, never a property of the scenario."""


class Simulation:
    """A data center running one scenario. Build it, optionally submit more work, then ``run()``.

    The jobs API (``submit``, ``open_session``, ``close``, ``cancel``, ``cancel_job``, ``run``,
    ``now``, ``session_details``) takes and gives seconds. The methods the workloads and
    clients use (``new_job``, ``submit_now``, ``close_session``) take ticks."""

    def __init__(self, scenario: Scenario, allow_code: Optional[bool] = None):
        self.scenario = scenario
        self.policy = p = scenario.resolved_policy()
        self._timeout = ticks(p.interactive_timeout)
        self._system_max = ticks(p.system_max_time)
        self._default_limit = maybe_ticks(p.default_max_execution_time)
        self._open_timeout = maybe_ticks(p.open_timeout)
        # R3's choice (engine/schedulers.py); one of the user's own only where code is allowed.
        self.scheduler = build_scheduler(p.scheduler, scenario.base_dir, allow_code)
        self.env = SimEnv()
        self._job_cap = maybe_ticks(p.job_max_usage)                   # R12, R22
        self._batch_timeout = maybe_ticks(p.batch_interactive_timeout)  # R14
        self._open_batch_max = maybe_ticks(p.open_batch_max_time)      # R22
        self._compile_classical = p.compile_stage == "classical"       # R19
        classical = self._compile_classical or any(j.classical_time for j in scenario.jobs) or any(
            w.classical_time is not None for w in scenario.workloads)
        self.backends = {}
        lanes = scenario.lanes()
        for spec in scenario.backends:
            n = lanes[spec.name]
            self.backends[spec.name] = BackendState(
                spec.name, n, staged=bool(n > 1 or classical or spec.calibration
                                          or spec.maintenance))
        self.shares = {t.name: float(t.share) for t in scenario.tenants}
        self.plans = {t.name: t.plan for t in scenario.tenants}
        fs = p.fair_share
        decay = getattr(self.scheduler, "usage_half_life", None)   # slurm: engine/schedulers.py
        self.meters = {t: UsageMeter("half_life", ticks(fs.window), ticks(decay)) if decay
                       else UsageMeter(fs.usage, ticks(fs.window), ticks(fs.half_life))
                       for t in self.shares}
        self.tenant_specs = {t.name: t for t in scenario.tenants}
        # R22: tenant -> (limit in ticks, a meter over the limit's window, ever if None).
        self.limits: dict[str, tuple] = {}
        for t in scenario.tenants:
            lim = t.usage_limit
            if lim is not None:
                seconds_, window = lim.seconds, lim.window
            elif t.plan == "open" and p.open_usage_limit is not None:
                seconds_, window = p.open_usage_limit
            else:
                continue
            self.limits[t.name] = (ticks(seconds_), UsageMeter(
                "window", 2 * MAX_TICKS if window is None else ticks(window)), window is None)
        self._wake: dict[str, object] = {}       # R22: tenant -> its pending limit wake-up
        # A client API drives the run (engine.runtime): user work may come at any moment, so
        # due system work starts without waiting to see some (R20).
        self.open_ended = False
        self._held_since: dict[str, int] = {}    # R22: tenant -> held by its limit since
        self.limit_held: dict[str, int] = {}     # R22: tenant -> ticks held in all
        self._reserved: set = set()              # R21: (tenant, backend) reserved now
        self._open_spans: dict = {}              # R21: (tenant, backend) -> charging spans
        self.system: list[tuple] = []            # events.SYSTEM_FIELDS, times in ticks
        self._sys_seq = count()
        self._sys_count = count()
        self._sys_ids: dict = {}                 # (backend, kind) -> system jobs so far
        # System work and reservations go on for ever: with them a run ends when no user work
        # is left (R20), so decisions and their timers count as background.
        self._bg = bool(scenario.reservations or any(b.calibration or b.maintenance
                                                    for b in scenario.backends))
        self._queued = 0                         # jobs queued now (all backends)
        self._busy = 0                           # lanes held now (all backends)
        self._timers: dict = {}                  # (session id, kind) -> its pending timer
        self.jobs: dict[str, Job] = {}
        self.sessions: dict[str, Session] = {}
        self.clients: list = []
        self.events: list[tuple] = []            # events.EVENT_FIELDS, time in ticks
        self.spans: list[tuple] = []             # events.SPAN_FIELDS, times in ticks
        self.iterations: list[tuple] = []        # closed-loop clients: one row per result
        self._last_span: dict[str, int] = {}
        self._seq = count()
        self._auto_ids = count(1)
        self._pending: deque[Job] = deque()      # open-loop arrivals, by submit time
        self._finished = 0                       # jobs in a terminal status
        self.qpus = {b.name: QPU(b, p.timing) for b in scenario.backends}
        self.payloads = Payloads(scenario, self.qpus)
        self.payloads.build_all()   # a circuit that cannot be built refuses the scenario now
        # Ids made up here (job-N, session-N) keep out of every id taken and every id a
        # workload generates (what validation checks explicit ids against).
        self._spaces = IdSpaces(scenario)
        self._install(workloads.plan(scenario))
        self._install_backend_work(scenario)

    # ------------------------------------------------------------------ the jobs API (R13)

    @property
    def now(self) -> float:
        """The simulated clock, in seconds."""
        return seconds(self.env._now)

    def open_session(self, tenant: str, backend: str, *, mode: str = "dedicated",
                     session_id: Optional[str] = None, max_time: Optional[float] = None,
                     interactive_timeout: Optional[float] = None, open_at: Optional[float] = None,
                     workload: Optional[str] = None) -> Session:
        """Create a session. It opens at ``open_at`` (seconds) if given, else with its first job."""
        return self._open_session(tenant, backend, mode, session_id, maybe_ticks(max_time),
                                  maybe_ticks(interactive_timeout), maybe_ticks(open_at),
                                  workload)

    def submit(self, tenant: str, backend: str, duration: Optional[float] = None, *,
               work=None, at: Optional[float] = None,
               job_id: Optional[str] = None, session_id: Optional[str] = None,
               start_session: bool = False, mode: str = "dedicated",
               max_time: Optional[float] = None, interactive_timeout: Optional[float] = None,
               max_execution_time: Optional[float] = None, workload: Optional[str] = None,
               iteration: Optional[int] = None, seed: Optional[int] = None) -> Job:
        """Submit a job at ``at`` seconds (default now). ``start_session=True`` opens a new
        session whose first job this is (its id is ``job.session``); ``session_id`` adds it to
        that session. A submission to an unknown, closed or expired session is rejected and
        recorded (R13).

        ``work`` (an :class:`execution.Work`) is what it runs on Aer; without a ``duration`` its
        QPU time comes from the timing model."""
        self._check_names(tenant, backend)
        if start_session and session_id is not None:
            raise ValueError("give start_session or session_id, not both")
        if duration is None and work is None:
            raise ValueError("give a duration, or work to derive it from")
        if duration is not None and not duration >= 0:
            raise ValueError(f"duration must be >= 0, not {duration}")
        if max_execution_time is not None and not (isinstance(max_execution_time, (int, float))
                                                   and 0 < max_execution_time < 1e9):
            raise ValueError(f"max_execution_time must be seconds > 0, not "
                             f"{max_execution_time!r}")
        when = self.env._now if at is None else ticks(float(at))
        if when < self.env._now:
            raise ValueError(f"cannot submit at {seconds(when):g}: the clock is already at "
                             f"{self.now:g}")
        if start_session:
            session_id = self.open_session(tenant, backend, mode=mode, max_time=max_time,
                                           interactive_timeout=interactive_timeout,
                                           workload=workload).id
        return self._submit(job_id, tenant, backend, when, maybe_ticks(duration), session_id,
                            maybe_ticks(max_execution_time), workload, iteration, work, seed)

    def close(self, session_id: str, at: Optional[float] = None) -> None:
        """R10: the session takes no new jobs from ``at`` seconds (default now)."""
        self.close_session(session_id, self._when(at))

    def cancel(self, session_id: str, at: Optional[float] = None) -> None:
        """R11: cancel the session's queued jobs and end it at ``at`` seconds (default now)."""
        self.env.call_at(self._when(at), CONTROL, self._on_control,
                         (self._session(session_id), Session.cancel))

    def cancel_job(self, job: Job, at: Optional[float] = None) -> None:
        """Cancel one job (the client's ``job.cancel()``): a queued job is withdrawn, a running
        one stops now and frees the QPU."""
        self.env.call_at(self._when(at), CONTROL, self._on_cancel_job, job)

    def wait(self, job: Job) -> simpy.Event:
        """An event that fires when ``job`` reaches a terminal status."""
        if job.done is None:
            job.done = simpy.Event(self.env)
            if job.terminal:
                job.done.succeed(job)
        return job.done

    def session_details(self, session_id: str) -> dict:
        """The session's state, with the keys the Qiskit Runtime client reports (seconds)."""
        s = self._session(session_id)
        expires = s.expires_at()
        return {
            "id": s.id, "backend_name": s.backend, "tenant": s.tenant, "mode": s.mode,
            "state": s.state, "accepting_jobs": s.accepting and not s.ended,
            "interactive_timeout": seconds(s.interactive_timeout) if s.dedicated else None,
            "max_time": maybe_seconds(s.max_time if s.max_time is not None
                                      else s.max_time_given),
            "active_timeout": (None if expires is None
                               else seconds(max(0, expires - self.env._now))),
            "started_at": maybe_seconds(s.started_at),
            "activated_at": maybe_seconds(s.activated_at) if s.state == "active" else None,
            "last_job_started": maybe_seconds(s.last_job_started),
            "last_job_completed": maybe_seconds(s.last_job_completed),
            "closed_at": maybe_seconds(s.closed_at if s.closed_at is not None else s.ended_at),
            "end_reason": s.end_reason or None,
            "usage_time": seconds(s.usage_at(self.env._now)),
            "jobs_queued": len(s.queue),
        }

    def run(self, until: Optional[float] = None,
            progress: Optional[Callable[[int, int], None]] = None, every: int = 4096,
            tick: Optional[Callable[[], None]] = None) -> None:
        """Advance the simulation until ``until`` seconds or, by default, until nothing is left
        to do; a run to the end checks R16.

        ``progress(jobs_finished, jobs_expected)`` and ``tick()`` are called every ``every``
        events (``tick``: engine/trace.py's EventSpill).
        """
        env = self.env
        if until is not None:
            target = ticks(until)
            if target < env._now:
                raise ValueError(f"cannot run until {until:g} s: the clock is already at "
                                 f"{self.now:g} s")
            if target > env._now:   # until "now" (to the microsecond) there is nothing to do
                env.run(until=target)
            return
        done = self._run_done if self._bg else None
        if progress is None and tick is None:
            env.run_all(done=done)
        else:
            def ticks_and_progress() -> None:
                if tick is not None:
                    tick()
                if progress is not None:
                    progress(self._finished, self.expected_jobs())

            env.run_all(ticks_and_progress, every, done)
            if progress is not None:
                progress(self._finished, self.expected_jobs())
        self._end_of_run()
        self.check_conservation()

    def _end_of_run(self) -> None:
        """R22: a job whose tenant is over a limit on all usage ever can never start: it fails
        at the instant of the run's last event. Spans still open close now."""
        now = self.env._now
        for b in self.backends.values():   # a reservation still in force: its whole window
            r = b.reservation
            if r is not None:
                self.system.append((b.name, ev.RESERVATION, r.id, r.tenant, ticks(r.start),
                                    ticks(r.end)))
        for tenant, since in self._held_since.items():
            self.limit_held[tenant] = self.limit_held.get(tenant, 0) + now - since
        self._held_since.clear()
        if not self._queued:
            return
        for job in [j for j in self.jobs.values() if j.status == "queued"]:
            if self._stuck(job.tenant, now):
                self._finish(job, ev.FAILED, "usage limit reached",
                             f"R22: {job.tenant} is over its usage limit on all usage ever; "
                             f"the job can never start")
                if job.session is not None:
                    s = self.sessions[job.session]
                    self._apply(s, s.withdraw(job, now))

    def _stuck(self, tenant: str, now: int) -> bool:
        """R22: over a limit on all usage ever: its queued jobs can never start."""
        return self._limited(tenant, now) and self.limits[tenant][2]

    def _no_user_work(self) -> bool:
        """R20: no job queued (that can ever start) or running; the kernel asks only when
        nothing but background calls (system work, reservations, decisions) is scheduled."""
        if self._busy:
            return False
        if not self._queued:
            return True
        now = self.env._now
        return all(self._stuck(t, now) for b in self.backends.values()
                   for t in b.waiting_tenants())

    def _run_done(self) -> bool:
        """R20: no user work left; system work already on a QPU finishes (none starts now)."""
        return self._no_user_work() and not any(isinstance(b.qpu, SystemWork)
                                                for b in self.backends.values())

    def _user_work_left(self) -> bool:
        env = self.env
        return len(env._queue) > env.bg or not self._no_user_work()

    def check_conservation(self) -> None:
        """R16 at the end of a run: every job registered once and finished exactly once, with one
        terminal event (``_finish`` writes both). Raises :class:`ConservationError`."""
        unfinished = [j.id for j in self.jobs.values() if not j.terminal]
        if unfinished or self._finished != len(self.jobs):
            raise ConservationError(
                f"R16: {len(self.jobs)} jobs submitted, {self._finished} reached a terminal "
                f"status; not finished: {', '.join(unfinished[:5]) or 'none'}")

    def execute(self, job: Job) -> None:
        """Run a completed job's PUBs on Aer now and attach the result."""
        job.result = self.qpus[job.backend].execute(job.work, job.seed)
        job.summary = summarize(job.work, job.result)

    def seed_for(self, job_id: str) -> int:
        return job_seed(self.scenario.seed, job_id)

    def expected_jobs(self) -> int:
        """Jobs submitted or still to come from clients: the total a progress bar aims at."""
        to_come = sum(c.iterations - len(c.job_ids) for c in self.clients
                      if c.status in ("waiting", "running"))
        return len(self.jobs) + to_come

    def settle(self) -> None:
        """Process everything due at the current instant, without advancing the clock."""
        env = self.env
        while env._queue and env.peek() == env._now:
            env.step()

    def advance(self, until: Optional[int], stop: Callable[[], bool]) -> bool:
        """Process events in order, one at a time, until ``stop()`` is true after one or the
        next is at tick ``until`` or later (those are left, as ``run(until=...)`` leaves them,
        and the clock then reads ``until``). Without ``until`` it stops where only background
        calls remain. Says whether the clock or anything else moved. For clients that share
        the clock (engine.runtime)."""
        env = self.env
        queue = env._queue
        moved = False
        while queue and (until is None or queue[0][0] < until):
            if until is None and len(queue) == env.bg and self._run_done():
                break
            env.step()
            moved = True
            if stop():
                return True
        if until is not None and until > env._now:
            env._now = until
            moved = True
        return moved

    def run_until_done(self, job: Job) -> Job:
        """Advance the clock until ``job`` is finished (everyone else's work goes on meanwhile)."""
        if not job.terminal:
            self.env.run(until=self.wait(job))
        return job

    # ------------------------------------------------------------------ for workloads, clients

    def new_job(self, job_id: str, tenant: str, backend: str, submit: int,
                duration: Optional[int], session, limit: Optional[int], workload=None,
                iteration=None, work=None, seed=None) -> Job:
        """The one way a job is made (ticks; not yet registered): see :meth:`_give_work`."""
        job = Job(job_id, tenant, backend, submit, duration, session, limit, workload,
                  iteration, seed=self.seed_for(job_id) if seed is None else seed)
        if work is not None:
            self._give_work(job, work)
        return job

    def submit_now(self, job_id, tenant, backend, duration: Optional[int], session_id,
                   limit: Optional[int], workload, iteration, work, seed) -> Job:
        """A client's submission, now (ticks)."""
        return self._submit(job_id, tenant, backend, self.env._now, duration, session_id,
                            limit, workload, iteration, work, seed)

    def close_session(self, session_id: str, at: int) -> None:
        """R10 at tick ``at``."""
        self.env.call_at(at, CONTROL, self._on_control, (self._session(session_id),
                                                         Session.close))

    def register(self, job: Job) -> Job:
        """The one way a job becomes known: under an id no other job has (R16)."""
        if job.id in self.jobs:
            raise ValueError(f"job id {job.id!r} is already used")
        self.jobs[job.id] = job
        return job

    # ------------------------------------------------------------------ setting up

    def _install(self, plan: "workloads.Plan") -> None:
        for step in plan.steps:
            kind = step[0]
            if kind == "session":
                sp = step[1]
                self._open_session(sp.tenant, sp.backend, sp.mode, sp.id, sp.max_time,
                                   sp.interactive_timeout, sp.open_at, sp.workload)
            elif kind == "close":
                self.close_session(step[1], step[2])
            elif kind == "cancel":
                self.env.call_at(step[2], CONTROL, self._on_control,
                                 (self.sessions[step[1]], Session.cancel))
            else:
                clients.start(self, step[1])
        for job in plan.jobs:
            item = plan.items.get(job.id)
            if item is not None:
                self._give_work(job, self.payloads.work(item, job.backend, item.shots,
                                                        job.seed))
        self._add_arrivals(plan.jobs)

    def _install_backend_work(self, scenario: Scenario) -> None:
        """R20's system work and R21's reservations, as background calls."""
        for spec in scenario.backends:
            b = self.backends[spec.name]
            cal = spec.calibration
            if cal is not None:
                first = cal.every if cal.first is None else cal.first
                self.env.call_at(ticks(first), TIMER, self._on_system_due,
                                 (b, ev.CALIBRATION, ticks(cal.duration), ticks(cal.every)),
                                 bg=True)
            for m in spec.maintenance:
                self.env.call_at(ticks(m.start), TIMER, self._on_system_due,
                                 (b, ev.MAINTENANCE, ticks(m.duration), None), bg=True)
        marks = []
        for r in scenario.reservations:
            marks.append((ticks(r.end), 0, r))      # an end before a start at one instant
            marks.append((ticks(r.start), 1, r))
        for at, is_start, r in sorted(marks, key=lambda m: (m[0], m[1])):
            self.env.call_at(at, TIMER, self._on_reservation_start if is_start
                             else self._on_reservation_end, r, bg=True)

    def _give_work(self, job: Job, work) -> None:
        """What ``job`` runs on Aer; without a duration its QPU time is the timing model's price
        of ``work``, plus a compile time R15 may skip."""
        job.work = work
        job.keys = work.keys
        if job.duration_ticks is None:
            job.duration_ticks = 0
            if work.error is None:
                job.duration_ticks = ticks(self.qpus[job.backend].qpu_seconds(work))
                job.compile_ticks = ticks(self.policy.timing.compile_time)

    def _open_session(self, tenant, backend, mode, session_id, max_time: Optional[int],
                      interactive_timeout: Optional[int], open_at: Optional[int],
                      workload) -> Session:
        self._check_names(tenant, backend)
        if mode not in ("dedicated", "batch"):
            raise ValueError(f"mode must be 'dedicated' or 'batch', not {mode!r}")
        sid = session_id if session_id is not None else self._new_id("session", self.sessions)
        if sid in self.sessions:
            raise ValueError(f"session id {sid!r} is already used")
        if max_time is not None and max_time > self._system_max:
            raise ValueError(f"max_time {seconds(max_time):g} s exceeds the system limit "
                             f"{self.policy.system_max_time:g} s (R9)")
        timeout = self._timeout if interactive_timeout is None else interactive_timeout
        s = Session(sid, tenant, backend, mode, max_time, timeout if mode == "dedicated" else 0,
                    workload, None if mode == "dedicated" else self._batch_timeout)
        self.sessions[sid] = s
        if open_at is not None:
            self.env.call_at(max(open_at, self.env._now), CONTROL, self._on_open_at, s)
        return s

    def _when(self, at: Optional[float]) -> int:
        return self.env._now if at is None else max(ticks(at), self.env._now)

    def _check_names(self, tenant: str, backend: str) -> None:
        if tenant not in self.shares:
            raise ValueError(f"unknown tenant {tenant!r}")
        if backend not in self.backends:
            raise ValueError(f"unknown backend {backend!r}")

    def _session(self, session_id: str) -> Session:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise KeyError(f"unknown session {session_id!r}") from None

    def _new_id(self, prefix: str, taken: dict) -> str:
        """``prefix-N``: an id no job or session has and no workload will generate (``prefix_N``
        if a workload named ``prefix`` generates every ``prefix-N``)."""
        sep = "_" if self._spaces.clients.get(prefix) else "-"
        while True:
            candidate = f"{prefix}{sep}{next(self._auto_ids)}"
            if candidate not in taken and self._spaces.owner(candidate) is None:
                return candidate

    # ------------------------------------------------------------------ the trace

    def _apply(self, s: Session, ops: list) -> None:
        """Carry out what a session transition returned (engine/sessions.py), in order."""
        now = self.env._now
        for op in ops:
            code = op[0]
            if code == EVENT:
                self.events.append((now, s.backend, op[1], s.id, op[2], s.tenant, op[3]))
            elif code == SPAN:
                self._span(s.id, op[1], op[2], op[3])
            elif code == FINISH:
                self._finish(op[1], op[2], op[3], op[4])
            elif code == HOLD:
                self.backends[s.backend].holder = s
                self._charge(s.tenant, s.backend, 1)   # R3: a dedicated session: its hold
            elif code == LET_GO:
                b = self.backends[s.backend]
                b.holder = None
                self._charge(s.tenant, s.backend, -1)
                self._mark(b)
            elif code == AHEAD:
                job = op[1]
                heappush(self.backends[s.backend].batch_heap, (job.submit_tick, job.seq, job, s))
            elif code == LATER:
                call = self.env.call_at(op[2], TIMER, self._on_timer, (s, op[1], op[3]))
                if self._bg:   # a run that may end early must know which timers are stale
                    key = (s.id, op[1])
                    self.env.defuse(self._timers.get(key))   # a newer one of the kind replaces it
                    self._timers[key] = call
        if s.ended and self._bg:
            for kind in (IDLE, EXPIRE, OPEN_TIMEOUT):   # an ended session's timers are stale
                self.env.defuse(self._timers.pop((s.id, kind), None))

    def _span(self, sid: str, kind: str, start: int, end: int) -> None:
        """A session's span; one that continues the session's last span of the same kind
        (a job ending as the next starts) extends it."""
        last = self._last_span.get(sid)
        if last is not None:
            row = self.spans[last]
            if row[1] == kind and row[3] == start:
                self.spans[last] = (sid, kind, row[2], end)
                return
        self._last_span[sid] = len(self.spans)
        self.spans.append((sid, kind, start, end))

    def _charge(self, tenant: str, backend: str, delta: int) -> None:
        """A charging span of ``tenant`` on ``backend`` opens (+1) or closes (-1) now (R3):
        a job-mode or batch job's QPU stage, a dedicated session's hold. Inside the tenant's
        own reservation of that backend nothing more is charged (R21)."""
        if self._bg:
            key = (tenant, backend)
            self._open_spans[key] = self._open_spans.get(key, 0) + delta
            if key in self._reserved:
                return
        elif not self.limits:   # the common case, without the bookkeeping below
            self.meters[tenant].change(self.env._now, delta)
            return
        self._meter(tenant, delta)

    def _meter(self, tenant: str, delta: int) -> None:
        """``delta`` charging spans open (or close, negative) now on the tenant's meters."""
        now = self.env._now
        self.meters[tenant].change(now, delta)
        lim = self.limits.get(tenant)
        if lim is not None:
            lim[1].change(now, delta)
            if delta < 0 and tenant in self._wake:
                self._limit_wake(tenant)   # usage may now fall back sooner

    def _mark(self, b: BackendState) -> None:
        """Ask for a decision on ``b`` at the end of this instant (R18), when a lane is free or
        the QPU is free with something to run; otherwise a completion will ask."""
        if not b.dispatch_pending and (b.busy < b.lanes or (b.qpu is None and (
                b.ready or b.system_due))):
            b.dispatch_pending = True
            self.env.call_at(self.env._now, DISPATCH, self._on_dispatch, b, bg=self._bg)

    def _finish(self, job: Job, status: str, reason: str, detail: str) -> None:
        """The job's one terminal status and its one terminal event (R16)."""
        if job.finish_tick is not None:
            raise ConservationError(f"R16: job {job.id} would end twice ({job.status}, then "
                                    f"{status})")
        now = self.env._now
        self.events.append((now, job.backend, ev.TERMINAL_EVENT[status], job.session, job.id,
                            job.tenant, detail))
        if job.status == "queued":
            self._queued -= 1
        job.status = status
        job.reason = reason
        job.finish_tick = now
        self._finished += 1
        if job.done is not None:
            job.done.succeed(job)

    # ------------------------------------------------------------------ submissions

    def _submit(self, job_id, tenant, backend, when: int, duration: Optional[int], session_id,
                limit: Optional[int], workload=None, iteration=None, work=None,
                seed=None) -> Job:
        """Make, register and schedule a job submitted at tick ``when``."""
        jid = job_id if job_id is not None else self._new_id("job", self.jobs)
        job = self.register(self.new_job(jid, tenant, backend, when, duration, session_id,
                                         limit, workload, iteration, work, seed))
        self.env.call_at(when, SUBMIT, self._on_submit_event, job)
        return job

    def _add_arrivals(self, jobs: Iterable[Job]) -> None:
        """Queue open-loop arrivals (sorted by submit time, stable) behind one feeder event."""
        register, pending = self.register, self._pending
        for job in jobs:
            register(job)
            pending.append(job)
        if pending:
            self.env.call_at(pending[0].submit_tick, SUBMIT, self._feed)

    def _feed(self, _event) -> None:
        pending = self._pending
        now = self.env._now
        while pending and pending[0].submit_tick <= now:
            self._arrive(pending.popleft())
        if pending:
            self.env.call_at(pending[0].submit_tick, SUBMIT, self._feed)

    def _on_submit_event(self, event) -> None:
        self._arrive(event._value)

    def _arrive(self, job: Job) -> None:
        job.seq = next(self._seq)
        if job.terminal:  # cancelled before its submission took effect
            return
        b = self.backends[job.backend]
        sid = job.session
        if job.work is not None and job.work.error is not None:
            # The service validates PUBs on submission: such a job fails before it queues.
            self._finish(job, ev.FAILED, job.work.error, job.work.error)
            return
        if sid is None:
            job.status = "queued"
            self._queued += 1
            b.enqueue(job)
            # The three per-job records append directly: this is the hot path.
            self.events.append((self.env._now, b.name, ev.JOB_SUBMITTED, None, job.id,
                                job.tenant, "job mode: waits in the fair-share queue (R2)"))
            self._mark(b)
            return
        s = self.sessions.get(sid)
        if s is None:
            return self._reject(job, f"unknown session {sid} (R13)")
        if s.backend != job.backend or s.tenant != job.tenant:
            return self._reject(job, f"session {sid} belongs to {s.tenant} on {s.backend} (R13)")
        if s.dedicated and self.plans[s.tenant] == "open":
            return self._reject(job, "sessions are not available on the Open plan (R22)")
        why = s.rejection()
        if why is not None:
            return self._reject(job, why + " (R13)")
        if self._bg:   # a job came: the open timeout is stale
            self.env.defuse(self._timers.pop((s.id, OPEN_TIMEOUT), None))
        job.status = "queued"
        self._queued += 1
        ops, detail = s.accept(job, self.env._now)
        b.enqueue(job)
        self._apply(s, ops)
        self.events.append((self.env._now, b.name, ev.JOB_SUBMITTED, sid, job.id, job.tenant,
                            detail))
        self._mark(b)

    def _reject(self, job: Job, reason: str) -> None:
        self._finish(job, ev.REJECTED, reason, reason)

    # ------------------------------------------------------------------ decisions

    def _on_dispatch(self, event) -> None:
        b = event._value
        try:
            now = self.env._now
            if b.qpu is None and (b.ready or b.system_due):
                self._qpu(b)   # R20: a due system job takes a free QPU before lanes are filled
            blocked = self._blocked(b, now) if (self.limits or b.reservation) else None
            while True:   # R19: fill free lanes until none is free or no job may start
                d = choose(b, now, self.meters, self.shares, self.scheduler, blocked,
                           self.tenant_specs)
                if d is None or d[0] == HELD:
                    break
                code, s = d[0], d[1]
                if code == START:
                    self._start(b, d[1], d[2], d[3])
                    if b.busy >= b.lanes:
                        break
                    continue
                if code == WAIT:
                    self._apply(s, s.wait(now))
                    break
                self._apply(s, s.deactivate(now, d[2]) if code == DEACTIVATE
                            else s.release(now) if code == RELEASE else [])
                self._qpu(b)   # the session let go: system work first
            if b.qpu is None and (b.ready or b.system_due):
                self._qpu(b)
            if self.limits:
                self._watch_limits(b, now, blocked)
        finally:
            b.dispatch_pending = False

    def _blocked(self, b: BackendState, now: int) -> Optional[set]:
        """Tenants whose jobs may not start on ``b`` now: another tenant's reservation (R21),
        a usage limit exceeded (R22)."""
        out = set()
        r = b.reservation
        if r is not None:
            out.update(t for t in self.shares if t != r.tenant)
        out.update(t for t in self.limits if self._limited(t, now))
        return out or None

    def _limited(self, tenant: str, now: int) -> bool:
        lim = self.limits.get(tenant)
        return lim is not None and lim[1].value(now) > lim[0]

    def _start(self, b: BackendState, job: Job, rule: str, detail: str) -> None:
        """``job`` takes a free lane (R19): it is running from now; its classical stage runs in
        the lane, then it waits for the QPU. Its QPU stage's length is decided now: its
        duration, plus the compile time unless R15 reuses it or it is classical, cut at its
        limit (R12)."""
        now = self.env._now
        s = self.sessions[job.session] if job.session is not None else None
        run = job.duration_ticks
        classical = job.classical_ticks
        if job.compile_ticks:
            if s is not None and job.keys and s.compiled.issuperset(job.keys):
                job.compiled = "hit"
                detail += f"; R15: its circuits were compiled earlier in {s.id}"
            else:
                job.compiled = "miss"
                if self._compile_classical:
                    classical += job.compile_ticks
                else:
                    run += job.compile_ticks
                if s is not None:
                    s.compiled.update(job.keys)
        limit = job.limit_ticks
        if limit is None:
            limit = self._default_limit
        if self._job_cap is not None and (limit is None or self._job_cap < limit):
            limit = self._job_cap
        job.stopped = limit is not None and run > limit  # R12
        job.run_ticks = limit if job.stopped else run
        job.status = "running"
        job.start_tick = now
        job.rule = rule
        b.busy += 1
        self._busy += 1
        self._queued -= 1
        if b.staged:
            detail += f"; R19: {b.busy} of {b.lanes} lanes busy"
        held = self._held_since.get(job.tenant) if self.limits else None
        if held is not None and held < now:
            detail += (f"; R22: held by {job.tenant}'s usage limit since {seconds(held):g} s, "
                       f"until its usage in the window fell back to the limit")
        self.events.append((now, b.name, ev.JOB_STARTED, job.session, job.id, job.tenant,
                            detail))
        if s is not None:
            self._apply(s, s.start(job, now, self._max_time(s, job) if s.started_at is None
                                   else 0))
        if classical:
            job.classical_ticks = classical
            self.env.call_at(now + classical, COMPLETE, self._on_ready, job)
        elif not b.staged and b.qpu is None and not b.ready and not b.system_due:
            job.ready_tick = now   # one lane, nothing else for the QPU: its stage begins now
            self._qpu_stage(b, job, now)
        else:
            self._ready(b, job, now)

    def _ready(self, b: BackendState, job: Job, now: int) -> None:
        """Its classical stage is done: it waits for the QPU, in the order jobs became ready."""
        job.ready_tick = now
        b.ready.append(job)
        if b.staged:
            what = (f"classical stage done ({seconds(job.classical_ticks):g} s)"
                    if job.classical_ticks else "no classical stage")
            busy = b.qpu
            why = ("the QPU is free" if busy is None and len(b.ready) == 1 else
                   f"waits for the QPU behind {self._qpu_label(busy)}" if busy is not None else
                   f"waits for the QPU behind {len(b.ready) - 1} ready job(s)")
            self.events.append((now, b.name, ev.JOB_READY, job.session, job.id, job.tenant,
                                f"R19: {what}; {why}"))

    def _on_ready(self, event) -> None:
        job = event._value
        if job.status != "running":   # cancelled in its classical stage
            return
        b = self.backends[job.backend]
        self._ready(b, job, self.env._now)
        self._mark(b)

    @staticmethod
    def _qpu_label(occupant) -> str:
        if isinstance(occupant, SystemWork):
            return f"{occupant.id} (R20)"
        return f"job {occupant.id}"

    def _qpu(self, b: BackendState) -> None:
        """Give a free QPU its next work (R1): a due system job when no dedicated session is
        active, no reservation is in force and user work is left (R20, R21); else the job that
        became ready first (R19)."""
        if b.qpu is not None:
            return
        now = self.env._now
        if (b.system_due and b.holder is None and b.reservation is None
                and (self.open_ended or self._user_work_left())):
            self._start_system(b, now)
            return
        if b.ready:
            self._qpu_stage(b, b.ready.popleft(), now)

    def _qpu_stage(self, b: BackendState, job: Job, now: int) -> None:
        """``job``'s QPU stage begins (R19): it is charged from now (R3, R14)."""
        job.qpu_start_tick = now
        b.qpu = job
        s = self.sessions[job.session] if job.session is not None else None
        if b.staged:
            waited = now - job.ready_tick
            self.events.append((
                now, b.name, ev.JOB_QPU_STARTED, job.session, job.id, job.tenant,
                f"R19: QPU stage of {seconds(job.run_ticks):g} s"
                + (f" after {seconds(waited):g} s ready, waiting for the QPU (QPU contention)"
                   if waited else "") + (" (to be stopped at its limit, R12)"
                                         if job.stopped else "")))
        if s is None or not s.dedicated:
            self._charge(job.tenant, b.name, 1)   # R3, R14: QPU time
        if s is not None:
            s.qpu(job)
        self.env.call_at(now + job.run_ticks, COMPLETE, self._on_job_end, job)

    def _max_time(self, s: Session, first: Job) -> int:
        """R9: the explicit max_time, else (seed rule) the first job's limit, never above the
        system's; an Open-plan batch's is at most ``open_batch_max_time`` (R22)."""
        out = self._system_max
        if s.max_time_given is not None:
            out = min(s.max_time_given, self._system_max)
        elif self.policy.max_time_rule == "first_job":
            limit = first.limit_ticks
            if limit is None:
                limit = self._default_limit
            if limit is not None:
                out = min(limit, self._system_max)
        if (not s.dedicated and self._open_batch_max is not None
                and self.plans[s.tenant] == "open"):
            out = min(out, self._open_batch_max)
        return out

    # ------------------------------------------------------------------ system work (R20)

    def _on_system_due(self, event) -> None:
        b, kind, duration, every = event._value
        if next(self._sys_count) >= MAX_JOBS:   # bounded work, whatever the horizon
            i = next(k for k, spec in enumerate(self.scenario.backends) if spec.name == b.name)
            raise ScenarioError(f"backends[{i}].calibration.every", seconds(every or 0),
                                f"the run would need more than {MAX_JOBS:,} system jobs")
        rank = 0 if kind == ev.CALIBRATION else 1   # at one instant, calibration first
        n = self._sys_ids[b.name, kind] = self._sys_ids.get((b.name, kind), 0) + 1
        heappush(b.system_due, (self.env._now, rank, next(self._sys_seq), f"{kind}-{n}", kind,
                                duration, every))
        self._mark(b)

    def _start_system(self, b: BackendState, now: int) -> None:
        due, _, _, sid, kind, duration, every = heappop(b.system_due)
        b.qpu = SystemWork(sid, kind, now, duration, every)
        waited = now - due
        self.events.append((now, b.name, ev.SYSTEM_STARTED, None, None, None,
                            f"R20: {sid} takes the QPU for {seconds(duration):g} s"
                            + (f"; due {seconds(waited):g} s ago" if waited else "")))
        self.env.call_at(now + duration, COMPLETE, self._on_system_end, b, bg=True)

    def _on_system_end(self, event) -> None:
        b = event._value
        work = b.qpu
        now = self.env._now
        b.qpu = None
        self.events.append((now, b.name, ev.SYSTEM_COMPLETED, None, None, None,
                            f"R20: {work.id} done"))
        self.system.append((b.name, work.kind, work.id, None, work.start, now))
        if work.every is not None:   # the next calibration is due ``every`` after one ended
            self.env.call_at(now + work.every, TIMER, self._on_system_due,
                             (b, work.kind, work.duration, work.every), bg=True)
        self._mark(b)

    # ------------------------------------------------------------------ reservations (R21)

    def _on_reservation_start(self, event) -> None:
        r = event._value
        b = self.backends[r.backend]
        now = self.env._now
        b.reservation = r
        self.events.append((now, b.name, ev.RESERVATION_STARTED, None, None, r.tenant,
                            f"R21: reservation {r.id}: only {r.tenant}'s jobs start on "
                            f"{b.name} until {r.end:g} s; {r.tenant} is charged the window"))
        key = (r.tenant, b.name)
        self._reserved.add(key)
        n = self._open_spans.get(key, 0)
        self._meter(r.tenant, 1 - n)   # the window instead of what it incurs there
        for s in list(self.sessions.values()):
            if s.backend == b.name and s.tenant != r.tenant:
                self._apply(s, s.displace(now, f"R21: reservation {r.id} of {r.tenant} "
                                               f"begins; the {s.kind} waits without priority"))
        self._mark(b)

    def _on_reservation_end(self, event) -> None:
        r = event._value
        b = self.backends[r.backend]
        now = self.env._now
        if b.reservation is not r:
            return
        b.reservation = None
        self.events.append((now, b.name, ev.RESERVATION_ENDED, None, None, r.tenant,
                            f"R21: reservation {r.id} ends; fair share resumes"))
        key = (r.tenant, b.name)
        self._reserved.discard(key)
        self._meter(r.tenant, self._open_spans.get(key, 0) - 1)
        self.system.append((b.name, ev.RESERVATION, r.id, r.tenant, ticks(r.start), now))
        self._mark(b)

    # ------------------------------------------------------------------ usage limits (R22)

    def _watch_limits(self, b: BackendState, now: int, blocked: Optional[set]) -> None:
        """A tenant its limit holds back with jobs queued here: time it, and ask for a
        decision at the instant its usage in the window is back down to the limit."""
        for tenant in self.limits:
            held = (blocked is not None and tenant in blocked and b.queued_head(tenant)
                    is not None and self._limited(tenant, now))
            if held:
                self._held_since.setdefault(tenant, now)
                self._limit_wake(tenant)
            elif tenant in self._held_since and not (self._limited(tenant, now) and any(
                    x.queued_head(tenant) is not None for x in self.backends.values())):
                self.limit_held[tenant] = (self.limit_held.get(tenant, 0) + now
                                           - self._held_since.pop(tenant))

    def _limit_wake(self, tenant: str) -> None:
        limit, meter, _ = self.limits[tenant]
        now = self.env._now
        at = meter.time_to_fall(limit, now)
        old = self._wake.get(tenant)
        if old is not None and old[0] == at:
            return
        if old is not None:
            self.env.defuse(old[1])
            del self._wake[tenant]
        if at is not None:
            self._wake[tenant] = (at, self.env.call_at(max(at, now), TIMER,
                                                       self._on_limit_wake, tenant))

    def _on_limit_wake(self, event) -> None:
        tenant = event._value
        self._wake.pop(tenant, None)
        for b in self.backends.values():
            if b.queued_head(tenant) is not None:
                self._mark(b)

    # ------------------------------------------------------------------ completions, control

    def _on_job_end(self, event) -> None:
        job = event._value
        if job.status != "running":  # cancelled while running: it already left the QPU
            return
        ran = self.env._now - job.qpu_start_tick
        if job.stopped:
            cap = " (the policy's job_max_usage)" if (
                self._job_cap == job.run_ticks and (job.limit_ticks is None
                                                    or job.limit_ticks > self._job_cap)) else ""
            self._off_qpu(job, ev.FAILED, "max execution time",
                          f"max execution time ({seconds(ran):g} s){cap} reached (R12)")
            return
        if job.work is not None and (self.policy.execution == "all" or (
                self.policy.execution == "interactive" and job.done is not None)):
            try:
                self.execute(job)
            except Exception as exc:  # noqa: BLE001 - whatever Aer raises, this job failed
                why = f"execution failed on Aer: {first_line(exc)}"
                self._off_qpu(job, ev.FAILED, why, why)
                return
        self._off_qpu(job, ev.COMPLETED, "", f"ran {seconds(ran):g} s")

    def _off_qpu(self, job: Job, status: str, reason: str, detail: str) -> None:
        """A running job ends (its QPU stage done, or cancelled in either stage): charge it,
        free its lane and the QPU, tell its session."""
        now = self.env._now
        b = self.backends[job.backend]
        if b.qpu is job:
            b.qpu = None
        elif job.qpu_start_tick is None and job.ready_tick is not None:
            b.ready.remove(job)   # cancelled while waiting for the QPU: rare, linear is fine
        b.busy -= 1
        self._busy -= 1
        job.end_tick = now
        s = self.sessions[job.session] if job.session is not None else None
        if job.qpu_start_tick is not None and (s is None or not s.dedicated):
            self._charge(job.tenant, b.name, -1)
        self._finish(job, status, reason, detail)
        if s is not None:
            self._apply(s, s.left(job, now, bool(self.limits) and self._limited(s.tenant, now)))
        self._mark(b)

    def _on_cancel_job(self, event) -> None:
        job = event._value
        if job.terminal:
            return
        if job.status == "running":
            self._off_qpu(job, ev.CANCELLED, "cancelled by the user",
                          "cancel(): stopped while running")
            return
        self._finish(job, ev.CANCELLED, "cancelled by the user",
                     "cancel(): withdrawn from the queue")
        if job.session is not None:
            s = self.sessions.get(job.session)
            if s is not None:
                self._apply(s, s.withdraw(job, self.env._now))

    def _on_control(self, event) -> None:
        s, transition = event._value     # Session.close or Session.cancel
        self._apply(s, transition(s, self.env._now))

    def _on_open_at(self, event) -> None:
        s = event._value
        self._apply(s, s.open_due(self.env._now, self._open_timeout))

    def _on_timer(self, event) -> None:
        s, kind, value = event._value
        now = self.env._now
        if self._bg:
            self._timers.pop((s.id, kind), None)
        if kind == IDLE:
            self._apply(s, s.idle_timed_out(value, now, bool(self.limits)
                                            and self._limited(s.tenant, now)))
        elif kind == EXPIRE:
            self._apply(s, s.expire(now))
        elif kind == OPEN_TIMEOUT:
            self._apply(s, s.open_timed_out(now, value))
