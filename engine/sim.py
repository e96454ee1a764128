"""The simulation: backends, queues, sessions and clients as a SimPy discrete-event model.

SimPy keeps time and runs client processes; the queues are the engine's own (per backend: one FIFO
deque per tenant for fair share, and a heap for started batches), so a scheduling decision costs
O(tenants) and never scans or re-sorts the backlog.

Time is integer ticks inside (engine/kernel.py: exact instants, and the same-instant order of
R18); the public methods take and give seconds. Every job the simulation knows is registered once
under a unique id and reaches exactly one terminal status, logged with exactly one terminal event;
a full run checks that (R16) and fails loudly if it does not hold.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush
from itertools import count
from typing import Callable, Iterable, Optional

import simpy

from .execution import QPU, first_line, job_seed, summarize
from .job import TERMINAL, Job
from .kernel import (COMPLETE, CONTROL, DISPATCH, SUBMIT, TIMER, SimEnv, maybe_seconds,
                     maybe_ticks, seconds, ticks)
from .model import IdSpaces, Scenario
from .payloads import Payloads
from .policy import UsageMeter, pick_next
from .sessions import Session

TERMINAL_EVENTS = {status: f"job_{status}" for status in TERMINAL}


class ConservationError(RuntimeError):
    """R16 does not hold: a job was lost, counted twice or left without a terminal status. This
    is a bug in the engine, never a property of the scenario."""


class BackendState:
    """One QPU: what runs, which dedicated session holds it, and its queues."""

    __slots__ = ("name", "running", "holder", "fs", "batch_heap", "dispatch_pending")

    def __init__(self, name: str):
        self.name = name
        self.running: Optional[Job] = None
        self.holder: Optional[Session] = None   # the active dedicated session (R5, R8)
        self.fs: dict[str, deque] = {}          # tenant -> FIFO of queued jobs (R3)
        self.batch_heap: list = []              # (submit, seq, job) of started batches (R14)
        self.dispatch_pending = False


class Client:
    """A closed-loop client's record: when it began, how far it got, when it finished (ticks)."""

    __slots__ = ("id", "workload", "tenant", "backend", "mode", "session_id", "iterations",
                 "started_at", "finished_at", "completed_iterations", "status", "job_ids",
                 "target", "reached_at", "best_value", "final_value")

    def __init__(self, id, workload, tenant, backend, mode, iterations):
        self.id = id
        self.workload = workload
        self.tenant = tenant
        self.backend = backend
        self.mode = mode
        self.session_id: Optional[str] = None
        self.iterations = iterations
        self.started_at: Optional[int] = None
        self.finished_at: Optional[int] = None
        self.completed_iterations = 0
        self.status = "waiting"
        self.job_ids: list[str] = []
        self.target: Optional[float] = None     # an algorithm's known answer, if given
        self.reached_at: Optional[int] = None   # first result within tolerance of it
        self.best_value: Optional[float] = None
        self.final_value: Optional[float] = None

    def record(self, value: float, now: int, tolerance: float) -> None:
        self.final_value = value
        if self.best_value is None or value < self.best_value:
            self.best_value = value
        if (self.target is not None and self.reached_at is None
                and abs(value - self.target) <= tolerance):
            self.reached_at = now

    def time_to_solution(self) -> Optional[int]:
        """Ticks. With a target: until the first result near it. Otherwise: until the last
        result of a client that finished its loop."""
        if self.started_at is None:
            return None
        if self.target is not None:
            return None if self.reached_at is None else self.reached_at - self.started_at
        if self.status != "done" or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class Simulation:
    """A data center running one scenario. Build it, optionally submit more work, then ``run()``.

    The jobs API (``submit``, ``open_session``, ``close``, ``cancel``, ``cancel_job``, ``run``,
    ``now``, ``session_details``) takes and gives seconds. Inside, and in the methods the
    workload generators use (``new_job``, ``add_client``, ``session_usage_ticks``), time is
    integer ticks (engine/kernel.py)."""

    def __init__(self, scenario: Scenario):
        from . import workloads  # a workload needs the simulation's API; import late

        self.scenario = scenario
        self.policy = scenario.resolved_policy()
        p = self.policy
        self._timeout = ticks(p.interactive_timeout)
        self._system_max = ticks(p.system_max_time)
        self._default_limit = maybe_ticks(p.default_max_execution_time)
        self._open_timeout = maybe_ticks(p.open_timeout)
        self.env = SimEnv()
        self.backends = {b.name: BackendState(b.name) for b in scenario.backends}
        self.shares = {t.name: float(t.share) for t in scenario.tenants}
        fs = p.fair_share
        self.meters = {t: UsageMeter(fs.usage, ticks(fs.window), ticks(fs.half_life))
                       for t in self.shares}
        self.jobs: dict[str, Job] = {}
        self.sessions: dict[str, Session] = {}
        self.clients: list[Client] = []
        self.events: list[tuple] = []
        self._seq = count()
        self._auto_ids = count(1)
        self._pending: deque[Job] = deque()      # open-loop arrivals, by submit time
        self._finished = 0                       # jobs in a terminal status
        self.qpus = {b.name: QPU(b, p.timing) for b in scenario.backends}
        self.payloads = Payloads(scenario, self.qpus)
        self.payloads.build_all()   # a circuit that cannot be built refuses the scenario now
        self.iterations: list[tuple] = []        # closed-loop clients: one row per result
        # Ids made up here (job-N, session-N) keep out of every id taken and every id a
        # workload generates (what validation checks explicit ids against).
        self._spaces = IdSpaces(scenario)
        workloads.install(self, scenario)

    # ------------------------------------------------------------------ public jobs API (R13)

    @property
    def now(self) -> float:
        """The simulated clock, in seconds."""
        return seconds(self.env._now)

    def open_session(self, tenant: str, backend: str, *, mode: str = "dedicated",
                     session_id: Optional[str] = None, max_time: Optional[float] = None,
                     interactive_timeout: Optional[float] = None, open_at: Optional[float] = None,
                     workload: Optional[str] = None) -> Session:
        """Create a session. It opens at ``open_at`` (seconds) if given, else with its first job."""
        self._check_names(tenant, backend)
        if mode not in ("dedicated", "batch"):
            raise ValueError(f"mode must be 'dedicated' or 'batch', not {mode!r}")
        sid = session_id if session_id is not None else self._new_id("session", self.sessions)
        if sid in self.sessions:
            raise ValueError(f"session id {sid!r} is already used")
        max_ticks = maybe_ticks(max_time)
        if max_ticks is not None and max_ticks > self._system_max:
            raise ValueError(f"max_time {max_time:g} s exceeds the system limit "
                             f"{self.policy.system_max_time:g} s (R9)")
        timeout = self._timeout if interactive_timeout is None else ticks(interactive_timeout)
        s = Session(sid, tenant, backend, mode, max_ticks,
                    timeout if mode == "dedicated" else 0, workload)
        self.sessions[sid] = s
        if open_at is not None:
            self.env.call_at(max(ticks(open_at), self.env._now), CONTROL, self._on_open_at, s)
        return s

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

    def new_job(self, job_id: str, tenant: str, backend: str, submit: int,
                duration: Optional[int], session, limit: Optional[int], workload=None,
                iteration=None, work=None, seed=None) -> Job:
        """The one way a job with work is made (ticks in; not yet registered): its QPU time is
        ``duration``, or the timing model's price of ``work`` plus a compile time R15 may skip;
        its seed, when not given, derives from the scenario seed and its id."""
        compile_ticks = 0
        if duration is None:
            if work.error is not None:
                duration = 0
            else:
                duration = ticks(self.qpus[backend].qpu_seconds(work))
                compile_ticks = ticks(self.policy.timing.compile_time)
        return Job(job_id, tenant, backend, submit, duration, session, limit, workload,
                   iteration, keys=work.keys if work is not None else (),
                   compile_ticks=compile_ticks, work=work,
                   seed=self.seed_for(job_id) if seed is None else seed)

    def close(self, session_id: str, at: Optional[float] = None) -> None:
        """R10: the session takes no new jobs from ``at`` seconds (default now)."""
        self._close_at(self._session(session_id), self._when(at))

    def cancel(self, session_id: str, at: Optional[float] = None) -> None:
        """R11: cancel the session's queued jobs and end it at ``at`` seconds (default now)."""
        self.env.call_at(self._when(at), CONTROL, self._on_cancel, self._session(session_id))

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
            "id": s.id,
            "backend_name": s.backend,
            "tenant": s.tenant,
            "mode": s.mode,
            "state": s.state,
            "accepting_jobs": s.accepting and not s.ended,
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
            "usage_time": seconds(self.session_usage_ticks(s)),
            "jobs_queued": len(s.queue),
        }

    def run(self, until: Optional[float] = None,
            progress: Optional[Callable[[int, int], None]] = None, every: int = 4096) -> None:
        """Advance the simulation until ``until`` seconds or, by default, until nothing is left
        to do; a run to the end checks R16.

        ``progress(jobs_finished, jobs_expected)`` is called every ``every`` events.
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
        if progress is None:
            env.run_all()
        else:
            env.run_all(lambda: progress(self._finished, self.expected_jobs()), every)
        if progress is not None:
            progress(self._finished, self.expected_jobs())
        self.check_conservation()

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

    def run_until_done(self, job: Job) -> Job:
        """Advance the clock until ``job`` is finished (everyone else's work goes on meanwhile)."""
        if not job.terminal:
            self.env.run(until=self.wait(job))
        return job

    # ------------------------------------------------------------------ building blocks

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

    def register(self, job: Job) -> Job:
        """The one way a job becomes known: under an id no other job has (R16)."""
        if job.id in self.jobs:
            raise ValueError(f"job id {job.id!r} is already used")
        self.jobs[job.id] = job
        return job

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

    def _log(self, event: str, backend: str, session_id, job_id, tenant, detail: str) -> None:
        self.events.append((self.env._now, backend, event, session_id, job_id, tenant, detail))

    def _mark(self, b: BackendState) -> None:
        """Ask for a decision on ``b`` at the end of this instant (R18). A busy backend needs
        none: its job's completion will ask."""
        if b.running is None and not b.dispatch_pending:
            b.dispatch_pending = True
            self.env.call_at(self.env._now, DISPATCH, self._on_dispatch, b)

    def _finish(self, job: Job, status: str, reason: str, detail: str) -> None:
        """The job's one terminal status and its one terminal event (R16)."""
        if job.finish_tick is not None:
            raise ConservationError(f"R16: job {job.id} would end twice ({job.status}, then "
                                    f"{status})")
        now = self.env._now
        self.events.append((now, job.backend, TERMINAL_EVENTS[status], job.session, job.id,
                            job.tenant, detail))
        job.status = status
        job.reason = reason
        job.finish_tick = now
        self._finished += 1
        if job.done is not None:
            job.done.succeed(job)

    # ------------------------------------------------------------------ submissions

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
            self._finish(job, "failed", job.work.error, job.work.error)
            return
        if sid is None:
            job.status = "queued"
            b.fs.setdefault(job.tenant, deque()).append(job)
            # The three per-job records append directly: this is the hot path.
            self.events.append((self.env._now, b.name, "job_submitted", None, job.id, job.tenant,
                                "job mode: waits in the fair-share queue (R2)"))
            self._mark(b)
            return
        s = self.sessions.get(sid)
        if s is None:
            return self._reject(job, f"unknown session {sid} (R13)")
        if s.backend != job.backend or s.tenant != job.tenant:
            return self._reject(job, f"session {sid} belongs to {s.tenant} on {s.backend} (R13)")
        why = s.rejection()
        if why is not None:
            return self._reject(job, why + " (R13)")
        if s.opened_at is None:
            self._open(s)
        s.jobs_submitted += 1
        job.status = "queued"
        s.queue.append(job)
        b.fs.setdefault(job.tenant, deque()).append(job)
        kind = "session" if s.dedicated else "batch"
        if s.state == "active":
            if s.dedicated:
                detail = f"session {sid} is active: runs next, ahead of fair share (R5)"
            else:
                heappush(b.batch_heap, (job.submit_tick, job.seq, job))
                detail = f"batch {sid} has started: runs ahead of the fair-share queue (R14)"
        elif s.state == "inactive":
            detail = f"session {sid} is inactive: waits in the fair-share queue, no priority (R7)"
        else:
            detail = f"{kind} {sid} has not started: waits in the fair-share queue (R4)"
        self._log("job_submitted", b.name, sid, job.id, job.tenant, detail)
        self._mark(b)

    def _reject(self, job: Job, reason: str) -> None:
        self._finish(job, "rejected", reason, reason)

    # ------------------------------------------------------------------ decisions

    def _on_dispatch(self, event) -> None:
        b = event._value
        try:
            self._dispatch(b)
        finally:
            b.dispatch_pending = False

    def _dispatch(self, b: BackendState) -> None:
        if b.running is not None:
            return
        now = self.env._now
        s = b.holder
        if s is not None:
            if s.queue:  # R5
                job = s.queue[0]
                return self._start(b, job, "R5",
                                   f"R5: session {s.id} holds {b.name}; its earliest queued job")
            if s.ended:
                self._release(s)
            elif s.idle_since is None:
                if s.interactive_timeout > 0:  # R6: hold the backend, reserved
                    s.idle_since = now
                    s.idle_token += 1
                    self._log("session_waiting", b.name, s.id, None, s.tenant,
                              f"R6: {s.id} has no queued job; {b.name} stays reserved for up to "
                              f"{seconds(s.interactive_timeout):g} s")
                    self.env.call_at(now + s.interactive_timeout, TIMER, self._on_idle_timeout,
                                     (s, s.idle_token))
                    return
                self._deactivate(s, "R6: interactive timeout is 0: no wait; fair share resumes")
            else:
                return  # inside the reserved window
        heap = b.batch_heap
        while heap and heap[0][2].status != "queued":
            heappop(heap)
        if heap:  # R14
            job = heappop(heap)[2]
            return self._start(b, job, "R14",
                               f"R14: batch {job.session} has started; its queued jobs run "
                               f"ahead of fair share")
        heads = []
        for tenant, q in b.fs.items():
            while q and q[0].status != "queued":
                q.popleft()
            if q:
                heads.append((tenant, q[0]))
        if not heads:
            return
        meters = self.meters
        if len(heads) == 1:  # no contest: FIFO within the tenant
            job = heads[0][1]
            used = meters[job.tenant].value(now)
            ratio = used / self.shares[job.tenant]
            why = "the only tenant waiting"
        else:
            usage = {t: meters[t].value(now) for t, _ in heads}
            job, ratio = pick_next(heads, usage, self.shares)
            used = usage[job.tenant]
            why = f"lowest usage/share of {len(heads)} tenants waiting"
        b.fs[job.tenant].popleft()
        self._start(b, job, "R3",
                    f"R3 fair share: {job.tenant} usage {seconds(used):.6g} s / share "
                    f"{self.shares[job.tenant]:g} = {seconds(ratio):.6g}, {why}")

    def _start(self, b: BackendState, job: Job, rule: str, detail: str) -> None:
        now = self.env._now
        s = self.sessions[job.session] if job.session is not None else None
        run = job.duration_ticks
        if job.compile_ticks:
            if s is not None and job.keys and s.compiled.issuperset(job.keys):
                job.compiled = "hit"
                detail += f"; R15: its circuits were compiled earlier in {s.id}"
            else:
                job.compiled = "miss"
                run += job.compile_ticks
                if s is not None:
                    s.compiled.update(job.keys)
        limit = job.limit_ticks
        if limit is None:
            limit = self._default_limit
        stopped = limit is not None and run > limit  # R12
        if stopped:
            run = limit
        job.status = "running"
        job.start_tick = now
        job.rule = rule
        b.running = job
        self.events.append((now, b.name, "job_started", job.session, job.id, job.tenant, detail))
        self.env.call_at(now + run, COMPLETE, self._on_job_end, (job, stopped))
        if s is None:
            self.meters[job.tenant].open(now)
            return
        if not s.queue or s.queue[0] is not job:
            # Every route to a start takes the session's earliest queued job (FIFO).
            raise RuntimeError(f"{job.id} is not the earliest queued job of {s.id}")
        s.queue.popleft()
        s.running = job
        s.last_job_started = now
        if s.started_at is None:
            self._begin(s, job)
        if not s.dedicated:
            self.meters[s.tenant].open(now)  # R14: a batch is charged QPU time only
            return
        if s.idle_since is not None:
            s.reserved_idle += now - s.idle_since
            s.idle_since = None
            s.idle_token += 1
        if not s.holding:
            if s.state == "inactive":
                self._log("session_reactivated", b.name, s.id, job.id, s.tenant,
                          f"R7: its job {job.id} was picked by fair share; the session "
                          f"holds {b.name} again")
            s.state = "active"
            s.holding = True
            s.activated_at = now
            b.holder = s
            self.meters[s.tenant].open(now)  # R3: a dedicated session is charged its hold

    def _begin(self, s: Session, first: Job) -> None:
        """R4/R14: the session's first job starts; the max-time clock starts now (R9)."""
        now = self.env._now
        s.started_at = now
        s.max_time = self._max_time(s, first)
        if not s.dedicated:
            s.state = "active"
            b = self.backends[s.backend]
            for job in s.queue:
                heappush(b.batch_heap, (job.submit_tick, job.seq, job))
        kind = "session" if s.dedicated else "batch"
        self._log("session_started", s.backend, s.id, first.id, s.tenant,
                  f"R4: first job {first.id} started; {kind} active, max time "
                  f"{seconds(s.max_time):g} s runs from now (R9)")
        s.expire_event = self.env.call_at(now + s.max_time, TIMER, self._on_expire, s)

    def _max_time(self, s: Session, first: Job) -> int:
        if s.max_time_given is not None:
            return min(s.max_time_given, self._system_max)
        if self.policy.max_time_rule == "first_job":
            limit = first.limit_ticks
            if limit is None:
                limit = self._default_limit
            if limit is not None:
                return min(limit, self._system_max)
        return self._system_max

    # ------------------------------------------------------------------ completions

    def _on_job_end(self, event) -> None:
        job, stopped = event._value
        if job.status != "running":  # cancelled while running: it already left the QPU
            return
        ran = self.env._now - job.start_tick
        if stopped:
            reason = f"max execution time ({seconds(ran):g} s) reached (R12)"
            self._off_qpu(job, "failed", "max execution time", reason)
            return
        if job.work is not None and (self.policy.execution == "all" or (
                self.policy.execution == "interactive" and job.done is not None)):
            try:
                self.execute(job)
            except Exception as exc:  # noqa: BLE001 - whatever Aer raises, this job failed
                why = f"execution failed on Aer: {first_line(exc)}"
                self._off_qpu(job, "failed", why, why)
                return
        self._off_qpu(job, "completed", "", f"ran {seconds(ran):g} s")

    def _off_qpu(self, job: Job, status: str, reason: str, detail: str) -> None:
        """A running job leaves its QPU: charge it, free the backend, tidy its session."""
        now = self.env._now
        b = self.backends[job.backend]
        b.running = None
        job.end_tick = now
        s = self.sessions[job.session] if job.session is not None else None
        if s is None or not s.dedicated:
            self.meters[job.tenant].close(now)
            if s is not None:
                s.usage += now - job.start_tick
        self._finish(job, status, reason, detail)
        if s is not None:
            s.running = None
            s.last_job_completed = now
            if s.ended:
                if s.holding:
                    self._release(s)
            elif not s.accepting and not s.queue:
                self._end(s, "closed", "R10: closed and its last job is done: ends without an "
                                       "interactive wait")
        self._mark(b)

    def cancel_job(self, job: Job, at: Optional[float] = None) -> None:
        """Cancel one job (the client's ``job.cancel()``): a queued job is withdrawn, a running
        one stops now and frees the QPU."""
        self.env.call_at(self._when(at), CONTROL, self._on_cancel_job, job)

    def _on_cancel_job(self, event) -> None:
        job = event._value
        if job.terminal:
            return
        if job.status == "running":
            self._off_qpu(job, "cancelled", "cancelled by the user",
                          "cancel(): stopped while running")
            return
        s = self.sessions.get(job.session) if job.session is not None else None
        if s is not None and job in s.queue:
            s.queue.remove(job)  # rare and user-driven: a linear removal is fine
        self._finish(job, "cancelled", "cancelled by the user",
                     "cancel(): withdrawn from the queue")
        if s is not None and not s.ended and not s.accepting and not s.queue and s.running is None:
            self._end(s, "closed", "R10: closed and its last job is gone: ends at once")

    # ------------------------------------------------------------------ session transitions

    def _open(self, s: Session) -> None:
        s.opened_at = self.env._now
        self._log("session_opened", s.backend, s.id, None, s.tenant,
                  f"{'session' if s.dedicated else 'batch'} created")

    def _on_open_at(self, event) -> None:
        s = event._value
        if s.opened_at is not None or s.ended:
            return
        self._open(s)
        if self._open_timeout is not None:
            self.env.call_at(self.env._now + self._open_timeout, TIMER,
                             self._on_open_timeout, s)

    def _on_open_timeout(self, event) -> None:
        s = event._value
        if s.jobs_submitted == 0 and not s.ended:
            self._end(s, "closed", f"no job within {seconds(self._open_timeout):g} s of opening "
                                   f"(policy open_timeout)")

    def _on_idle_timeout(self, event) -> None:
        s, token = event._value
        # A job that arrived at this very instant keeps the session (the deadline is inclusive).
        if (token == s.idle_token and s.idle_since is not None and s.holding and not s.ended
                and not s.queue):
            self._deactivate(s, f"R6: no job within the interactive timeout "
                                f"({seconds(s.interactive_timeout):g} s); fair share resumes")

    def _deactivate(self, s: Session, detail: str) -> None:
        now = self.env._now
        if s.idle_since is not None:
            s.reserved_idle += now - s.idle_since
            s.idle_since = None
        s.state = "inactive"
        self._log("session_deactivated", s.backend, s.id, None, s.tenant, detail)
        self._release(s)

    def _release(self, s: Session) -> None:
        """A dedicated session stops holding its backend; its hold is charged (R3)."""
        now = self.env._now
        b = self.backends[s.backend]
        s.holding = False
        b.holder = None
        held = now - s.activated_at
        s.active_time += held
        s.usage += held
        self.meters[s.tenant].close(now)
        self._mark(b)

    def _on_expire(self, event) -> None:
        s = event._value
        if not s.ended:
            self._end(s, "expired", f"R9: maximum time {seconds(s.max_time):g} s reached")

    def _close_at(self, s: Session, at: int) -> None:
        self.env.call_at(at, CONTROL, self._on_close, s)

    def _on_close(self, event) -> None:
        s = event._value
        if s.ended or not s.accepting:
            return
        s.accepting = False
        s.closed_at = self.env._now
        if not s.queue and s.running is None:
            self._end(s, "closed", "R10: close() with nothing queued or running: ends at once")
        else:
            self._log("session_closing", s.backend, s.id, None, s.tenant,
                      f"R10: close(): no new jobs; {len(s.queue)} queued job(s) still run")

    def _on_cancel(self, event) -> None:
        s = event._value
        if not s.ended:
            self._end(s, "cancelled", "R11: cancel(): queued jobs cancelled, a running job "
                                      "finishes")

    def _end(self, s: Session, reason: str, detail: str) -> None:
        """The session ends for good: closed, expired (R9) or cancelled (R11)."""
        now = self.env._now
        s.state = "closed"
        s.accepting = False
        s.end_reason = reason
        s.end_detail = detail
        s.ended_at = now
        # Only expiry and cancel() can leave jobs queued: close() ends an empty session (R10).
        if reason == "expired":
            status, why, rule = "failed", "session expired", "R9"
        else:
            status, why, rule = "cancelled", "session cancelled", "R11"
        while s.queue:
            job = s.queue.popleft()
            self._finish(job, status, why, f"{why} ({rule})")
        if s.idle_since is not None:
            s.reserved_idle += now - s.idle_since
            s.idle_since = None
        self._log("session_ended", s.backend, s.id, None, s.tenant, detail)
        if s.holding and s.running is None:
            self._release(s)

    def session_usage_ticks(self, s: Session) -> int:
        """Ticks charged to a session so far, counting a hold or job still in progress."""
        now = self.env._now
        usage = s.usage
        if s.holding:
            usage += now - s.activated_at
        elif not s.dedicated and s.running is not None:
            usage += now - s.running.start_tick
        return usage

    # ------------------------------------------------------------------ closed-loop clients

    def add_client(self, client: Client, start: int, durations, think_times,
                   session: Optional[dict], close: bool, limit=None, item=None,
                   algorithm=None, seed: int = 0, x0=None):
        """A client that submits, waits for the result, thinks, and submits again. ``start``,
        ``durations`` (None: from the timing model) and ``think_times`` are in ticks.

        With ``item`` (a workload naming a circuit) each job carries that circuit's PUB; with an
        ``algorithm`` the next job's parameters come from an optimizer, started at ``x0``, fed
        the real result of the previous one.
        """
        self.clients.append(client)
        client.target = algorithm.target if algorithm is not None else None
        self.env.process(self._client_loop(client, start, durations, think_times, session,
                                           close, limit, item, algorithm, seed, x0))

    def _client_loop(self, c: Client, start, durations, think_times, session, close, limit,
                     item, algorithm, seed, x0):
        from . import algorithms

        env = self.env
        if start > env._now:
            yield env.call_at(start, SUBMIT, _noop)
        c.started_at = env._now
        c.status = "running"
        opt = cost = None
        if algorithm is not None:
            opt = algorithms.AskTellMinimizer(x0, algorithm.optimizer, algorithm.maxiter)
            if algorithm.name == "vqe":
                cost = algorithms.energy
            else:
                edges = [tuple(e) for e in self.scenario.circuits[item.circuit].graph]
                cost = lambda result: algorithms.maxcut_cost(result, edges)  # noqa: E731
        try:
            for i in range(c.iterations):
                x = opt.ask() if opt is not None else None
                if opt is not None and x is None:
                    break  # the optimizer has converged
                jid = f"{c.id}.{i + 1}"
                # From the client's stream, not its id: equal workload seeds, equal results.
                jseed = job_seed(seed, str(i + 1))
                if session is not None and i == 0:
                    # `with Session(backend)`: the session opens with the client's first job.
                    c.session_id = self.open_session(c.tenant, c.backend, session_id=c.id,
                                                     workload=c.workload, **session).id
                work = None
                if item is not None:
                    work = self.payloads.work(item, c.backend, item.shots, jseed, parameters=x)
                job = self._submit(jid, c.tenant, c.backend, env._now, durations[i],
                                   c.session_id, limit, c.workload, i + 1, work, jseed)
                c.job_ids.append(jid)
                yield self.wait(job)
                if job.status != "completed":
                    c.status = f"stopped: {job.id} {job.status}"
                    break
                c.completed_iterations += 1
                c.finished_at = env._now
                if opt is not None:
                    value = cost(job.result)
                    opt.tell(value)
                    c.record(value, env._now, algorithm.tolerance)
                    self.iterations.append((c.id, i + 1, job.id, job.submit_tick, env._now,
                                            value, ",".join(f"{v:.6g}" for v in x)))
                if i + 1 < c.iterations and think_times[i] > 0:
                    yield env.call_at(env._now + think_times[i], SUBMIT, _noop)
            if c.status == "running":
                c.status = "done"
        finally:
            if opt is not None:
                opt.close()
        # The context manager's exit: close() as soon as the loop ends (R10).
        if close and c.session_id is not None:
            self._close_at(self.sessions[c.session_id], env._now)


def _noop(_event) -> None:
    pass

