"""The simulation: the public jobs API (R13) and the wiring of backends, sessions and time.

A :class:`Simulation` runs one scenario. Where the rules live:

- engine/kernel.py: exact instants (integer ticks) and the same-instant order (R18);
- engine/backend.py: ``choose``, which job starts next (R1, R3, R5, R6, R14);
- engine/sessions.py: the session and batch state machine (R4-R11, R14);
- engine/policy.py: usage for fair share and the policy that ranks tenants (R3);
- engine/workloads.py, engine/clients.py: what a scenario submits, and closed-loop clients.

This module carries out what those decide: it starts jobs (R12 stops, R15 compile cache),
completes them (Aer runs then), applies the ops a session transition returns, keeps the trace
(events and spans) and checks R16 at the end of a run: every job registered once, ending in
exactly one terminal status with exactly one terminal event, else :class:`ConservationError`.
The methods of the jobs API take and give seconds; inside, time is ticks. About 600 lines:
half is the jobs API (R13: sessions, submissions, close, cancel, details, running the clock),
the rest carries out what the modules above decide; no rule is decided here.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush
from itertools import count
from typing import Callable, Iterable, Optional

import simpy

from . import clients, events as ev, workloads
from .backend import DEACTIVATE, HELD, RELEASE, START, WAIT, BackendState, choose
from .execution import QPU, first_line, job_seed, summarize
from .job import Job
from .kernel import (COMPLETE, CONTROL, DISPATCH, SUBMIT, TIMER, SimEnv, maybe_seconds,
                     maybe_ticks, seconds, ticks)
from .model import Scenario
from .payloads import Payloads
from .policy import FairShare, UsageMeter
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

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.policy = p = scenario.resolved_policy()
        self._timeout = ticks(p.interactive_timeout)
        self._system_max = ticks(p.system_max_time)
        self._default_limit = maybe_ticks(p.default_max_execution_time)
        self._open_timeout = maybe_ticks(p.open_timeout)
        self.scheduler = FairShare()
        self.env = SimEnv()
        self.backends = {b.name: BackendState(b.name) for b in scenario.backends}
        self.shares = {t.name: float(t.share) for t in scenario.tenants}
        fs = p.fair_share
        self.meters = {t: UsageMeter(fs.usage, ticks(fs.window), ticks(fs.half_life))
                       for t in self.shares}
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
                    workload)
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
                self.meters[s.tenant].open(now)   # R3: a dedicated session is charged its hold
            elif code == LET_GO:
                b = self.backends[s.backend]
                b.holder = None
                self.meters[s.tenant].close(now)
                self._mark(b)
            elif code == AHEAD:
                job = op[1]
                heappush(self.backends[s.backend].batch_heap, (job.submit_tick, job.seq, job))
            elif code == LATER:
                self.env.call_at(op[2], TIMER, self._on_timer, (s, op[1], op[3]))

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
        self.events.append((now, job.backend, ev.TERMINAL_EVENT[status], job.session, job.id,
                            job.tenant, detail))
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
        why = s.rejection()
        if why is not None:
            return self._reject(job, why + " (R13)")
        job.status = "queued"
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
            while True:  # a session letting go is followed by fair share, at this instant
                d = choose(b, now, self.meters, self.shares, self.scheduler)
                if d is None or d[0] == HELD:
                    return
                code, s = d[0], d[1]
                if code == START:
                    return self._start(b, d[1], d[2], d[3])
                if code == WAIT:
                    return self._apply(s, s.wait(now))
                self._apply(s, s.deactivate(now, d[2]) if code == DEACTIVATE
                            else s.release(now) if code == RELEASE else [])
        finally:
            b.dispatch_pending = False

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
        self.events.append((now, b.name, ev.JOB_STARTED, job.session, job.id, job.tenant,
                            detail))
        self.env.call_at(now + run, COMPLETE, self._on_job_end, (job, stopped))
        if s is None:
            self.meters[job.tenant].open(now)
            return
        self._apply(s, s.start(job, now, self._max_time(s, job) if s.started_at is None else 0))
        if not s.dedicated:
            self.meters[s.tenant].open(now)  # R14: a batch is charged QPU time only

    def _max_time(self, s: Session, first: Job) -> int:
        """R9: the explicit max_time, else (seed rule) the first job's limit, never above the
        system's."""
        if s.max_time_given is not None:
            return min(s.max_time_given, self._system_max)
        if self.policy.max_time_rule == "first_job":
            limit = first.limit_ticks
            if limit is None:
                limit = self._default_limit
            if limit is not None:
                return min(limit, self._system_max)
        return self._system_max

    # ------------------------------------------------------------------ completions, control

    def _on_job_end(self, event) -> None:
        job, stopped = event._value
        if job.status != "running":  # cancelled while running: it already left the QPU
            return
        ran = self.env._now - job.start_tick
        if stopped:
            self._off_qpu(job, ev.FAILED, "max execution time",
                          f"max execution time ({seconds(ran):g} s) reached (R12)")
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
        """A running job leaves its QPU: charge it, free the backend, tell its session."""
        now = self.env._now
        b = self.backends[job.backend]
        b.running = None
        job.end_tick = now
        s = self.sessions[job.session] if job.session is not None else None
        if s is None or not s.dedicated:
            self.meters[job.tenant].close(now)
        self._finish(job, status, reason, detail)
        if s is not None:
            self._apply(s, s.left(job, now))
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
        if kind == IDLE:
            self._apply(s, s.idle_timed_out(value, now))
        elif kind == EXPIRE:
            self._apply(s, s.expire(now))
        elif kind == OPEN_TIMEOUT:
            self._apply(s, s.open_timed_out(now, value))
