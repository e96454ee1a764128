"""Sessions and batches: the state machine of R4-R11 and R14.

States: ``open`` (created, no job run yet), ``active`` (its jobs have priority; a dedicated
session holds its backend), ``inactive`` (a dedicated session whose interactive timeout ran out:
its jobs wait in fair share, R7) and ``closed`` (ended for good: closed, expired or cancelled). A
session that ``close()`` was called on but still has work is ``active``/``inactive`` with
``accepting = False`` until that work is done (R10).

Each transition changes the session's own record and returns what happened as a list of *ops*,
in order, for the simulation to carry out; it never calls the simulation:

- ``(EVENT, kind, job_id, detail)``: a trace event of this session;
- ``(FINISH, job, status, reason, detail)``: a queued job leaves with the session (R9, R11);
- ``(HOLD,)`` / ``(RELEASE,)``: a dedicated session takes / lets go of its backend (its tenant
  is charged the hold, R3; a release asks for a scheduling decision);
- ``(AHEAD, job)``: a batch job goes ahead of fair share (R14);
- ``(TIMER, kind, at, value)``: call the transition ``kind`` (IDLE, EXPIRE, OPEN_TIMEOUT) at tick
  ``at`` with ``value``;
- ``(SPAN, kind, start, end)``: a stretch of time spent in one state (engine/events.py).

Every time and span is in integer ticks (engine/kernel.py). About 380 lines: one transition per
thing that can happen to a session (a job queued, started, done or withdrawn; a wait begun or
run out; a reservation displacing it; close, cancel, expiry), each with the words of its event.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from . import events as ev
from .kernel import seconds

EVENT, FINISH, HOLD, RELEASE, AHEAD, TIMER, SPAN = range(7)
IDLE, EXPIRE, OPEN_TIMEOUT = "idle", "expire", "open_timeout"   # timer kinds


class Session:
    __slots__ = (
        "id", "tenant", "backend", "mode", "max_time_given", "interactive_timeout", "state",
        "accepting", "end_reason", "end_detail", "opened_at", "started_at", "ended_at",
        "closed_at", "activated_at", "max_time", "queue", "running", "idle_since", "idle_token",
        "holding", "usage", "jobs_submitted", "last_job_started", "last_job_completed",
        "workload", "compiled", "phase", "phase_since", "batch_timeout", "on_qpu",
    )

    def __init__(self, id: str, tenant: str, backend: str, mode: str = "dedicated",
                 max_time: Optional[int] = None, interactive_timeout: int = 0,
                 workload: Optional[str] = None, batch_timeout: Optional[int] = None):
        self.id = id
        self.tenant = tenant
        self.backend = backend
        self.mode = mode                      # "dedicated" or "batch"
        self.max_time_given = max_time        # explicit max_time, or None for R9's rule
        self.interactive_timeout = interactive_timeout
        self.state = "open"
        self.accepting = True                 # False after close(), cancel() or expiry
        self.end_reason = ""                  # closed | expired | cancelled
        self.end_detail = ""
        self.opened_at: Optional[int] = None
        self.started_at: Optional[int] = None   # R4: the first job's start
        self.ended_at: Optional[int] = None
        self.closed_at: Optional[int] = None    # when close() was called
        self.activated_at: Optional[int] = None  # the latest (re)activation
        self.max_time: Optional[int] = None     # decided at start (R9)
        self.queue: deque = deque()           # its queued jobs, in submission order
        self.running = 0                      # its jobs holding lanes (R19), either stage
        self.on_qpu = None                    # its job in its QPU stage, if any
        self.batch_timeout = batch_timeout    # R14: a batch's wait before it deactivates
        self.idle_since: Optional[int] = None   # start of the current reserved wait (R6)
        self.idle_token = 0                   # invalidates stale interactive-timeout timers
        self.holding = False                  # a dedicated session holding its backend
        self.usage = 0                        # charged ticks (R3), holds and jobs done
        self.jobs_submitted = 0
        self.last_job_started: Optional[int] = None
        self.last_job_completed: Optional[int] = None
        self.workload = workload
        self.compiled: set = set()            # circuits compiled in this session (R15)
        self.phase: Optional[str] = None      # the span it is in now (events.SESSION_SPANS)
        self.phase_since = 0

    # ------------------------------------------------------------------ questions

    @property
    def dedicated(self) -> bool:
        return self.mode == "dedicated"

    @property
    def ended(self) -> bool:
        return self.state == "closed"

    @property
    def kind(self) -> str:
        return "session" if self.dedicated else "batch"

    def rejection(self) -> Optional[str]:
        """Why a new job would be rejected now (R9, R10, R11, R13), or None if it is accepted."""
        if self.state == "closed":
            return f"session {self.id} has ended ({self.end_reason})"
        if not self.accepting:
            return f"session {self.id} is closed to new jobs"
        return None

    def expires_at(self) -> Optional[int]:
        if self.started_at is None or self.max_time is None:
            return None
        return self.started_at + self.max_time

    def usage_at(self, now: int) -> int:
        """Ticks charged so far, counting a hold or a batch job still in progress (R3)."""
        if self.holding:
            return self.usage + now - self.activated_at
        if not self.dedicated and self.on_qpu is not None:
            return self.usage + now - self.on_qpu.qpu_start_tick
        return self.usage

    def _to(self, phase: Optional[str], now: int, ops: list) -> None:
        """Enter ``phase`` now, closing the span of the one it was in."""
        if self.phase is not None and now > self.phase_since:
            ops.append((SPAN, self.phase, self.phase_since, now))
        self.phase, self.phase_since = phase, now

    # ------------------------------------------------------------------ creation

    def open(self, now: int) -> list:
        """Created: ``Session()`` before its first job, or with its first submission."""
        self.opened_at = now
        ops = [(EVENT, ev.SESSION_OPENED, None, f"{self.kind} created")]
        self._to(ev.OPEN, now, ops)
        return ops

    def open_due(self, now: int, open_timeout: Optional[int]) -> list:
        """``open_at`` arrived; ``ibm-2024`` closes a session given no job in ``open_timeout``."""
        if self.opened_at is not None or self.ended:
            return []
        ops = self.open(now)
        if open_timeout is not None:
            ops.append((TIMER, OPEN_TIMEOUT, now + open_timeout, open_timeout))
        return ops

    def open_timed_out(self, now: int, open_timeout: int) -> list:
        if self.jobs_submitted == 0 and not self.ended:
            return self.end(now, ev.CLOSED, f"no job within {seconds(open_timeout):g} s of "
                                            f"opening (policy open_timeout)")
        return []

    # ------------------------------------------------------------------ jobs (R4-R7, R14)

    def accept(self, job, now: int) -> tuple[list, str]:
        """A job submitted to this session (``rejection()`` said yes): it queues. Returns the
        ops and the words of its ``job_submitted`` event."""
        ops = self.open(now) if self.opened_at is None else []
        self.jobs_submitted += 1
        self.queue.append(job)
        if self.state == "active":
            if self.dedicated:
                return ops, f"session {self.id} is active: runs next, ahead of fair share (R5)"
            self.idle_token += 1   # R14: it has a job queued again
            ops.append((AHEAD, job))
            return ops, f"batch {self.id} has started: runs ahead of the fair-share queue (R14)"
        if self.state == "inactive":
            return ops, (f"session {self.id} is inactive: waits in the fair-share queue, no "
                         f"priority (R7)")
        return ops, f"{self.kind} {self.id} has not started: waits in the fair-share queue (R4)"

    def start(self, job, now: int, max_time: int) -> list:
        """One of its jobs takes the QPU (always its earliest queued one). The first starts the
        session and its max-time clock (R4, R9: ``max_time`` ticks); a dedicated session takes
        or keeps its backend (R5), coming back if it was inactive (R7)."""
        if not self.queue or self.queue[0] is not job:
            raise RuntimeError(f"{job.id} is not the earliest queued job of {self.id}")
        self.queue.popleft()
        self.running += 1
        self.last_job_started = now
        ops: list = []
        if self.started_at is None:
            self.started_at = now
            self.max_time = max_time
            if not self.dedicated:
                self.state = "active"
                ops.extend((AHEAD, queued) for queued in self.queue)
            ops.append((EVENT, ev.SESSION_STARTED, job.id,
                        f"R4: first job {job.id} started; {self.kind} active, max time "
                        f"{seconds(max_time):g} s runs from now (R9)"))
            ops.append((TIMER, EXPIRE, now + max_time, None))
        elif not self.dedicated and self.state == "inactive":
            self.state = "active"
            ops.append((EVENT, ev.SESSION_REACTIVATED, job.id,
                        f"R14: its job {job.id} was picked by fair share; the batch's queued "
                        f"jobs run ahead of fair share again"))
            ops.extend((AHEAD, queued) for queued in self.queue)
        self._to(ev.RUNNING, now, ops)
        if not self.dedicated:
            self.idle_token += 1
            return ops
        if self.idle_since is not None:
            self.idle_since = None
            self.idle_token += 1
        if not self.holding:
            if self.state == "inactive":
                ops.append((EVENT, ev.SESSION_REACTIVATED, job.id,
                            f"R7: its job {job.id} was picked by fair share; the session "
                            f"holds {self.backend} again"))
            self.state = "active"
            self.holding = True
            self.activated_at = now
            ops.append((HOLD,))
        return ops

    def qpu(self, job) -> None:
        """One of its jobs began its QPU stage (R19)."""
        self.on_qpu = job

    def left(self, job, now: int, blocked: bool = False) -> list:
        """One of its running jobs is done (completed, failed or cancelled, in either stage).
        When none is left running: an ended session lets go of its backend; a closed one with
        nothing queued ends (R10); a dedicated one holding its backend is reserved idle until
        its next job or a decision (R6); a batch with nothing queued (or only jobs its tenant's
        usage limit holds, ``blocked``, R22) starts its wait (R14)."""
        self.running -= 1
        self.last_job_completed = now
        if self.on_qpu is job:
            self.on_qpu = None
        if not self.dedicated:
            self.usage += job.usage_ticks   # R14, R19: a batch is charged QPU time only
        ops: list = []
        if self.running:
            return ops
        if self.ended:
            self._to(None, now, ops)
            if self.holding:
                ops.extend(self.release(now))
        elif not self.accepting and not self.queue:
            self._to(ev.RESERVED_IDLE if self.dedicated else ev.BATCH_ACTIVE, now, ops)
            ops.extend(self.end(now, ev.CLOSED, "R10: closed and its last job is done: ends "
                                                "without an interactive wait"))
        elif self.state == "inactive":
            self._to(ev.INACTIVE, now, ops)
        else:
            self._to(ev.RESERVED_IDLE if self.dedicated else ev.BATCH_ACTIVE, now, ops)
            if not self.dedicated:
                ops.extend(self.batch_wait(now, blocked))
        return ops

    def batch_wait(self, now: int, blocked: bool = False) -> list:
        """R14: a started batch with nothing it can run starts its ``batch_timeout`` wait."""
        if (self.dedicated or self.batch_timeout is None or self.state != "active"
                or self.running or (self.queue and not blocked)):
            return []
        self.idle_token += 1
        return [(TIMER, IDLE, now + self.batch_timeout, self.idle_token)]

    def withdraw(self, job, now: int) -> list:
        """A queued job of it was cancelled (``job.cancel()``); a closed session left empty
        ends at once (R10)."""
        if job in self.queue:
            self.queue.remove(job)  # rare and user-driven: a linear removal is fine
        if not self.ended and not self.accepting and not self.queue and not self.running:
            return self.end(now, ev.CLOSED, "R10: closed and its last job is gone: ends at once")
        return []

    # ------------------------------------------------------------------ the hold (R5, R6, R8)

    def wait(self, now: int) -> list:
        """R6: nothing of it queued; its backend stays reserved for ``interactive_timeout``."""
        self.idle_since = now
        self.idle_token += 1
        return [(EVENT, ev.SESSION_WAITING, None,
                 f"R6: {self.id} has no queued job; {self.backend} stays reserved for up to "
                 f"{seconds(self.interactive_timeout):g} s"),
                (TIMER, IDLE, now + self.interactive_timeout, self.idle_token)]

    def idle_timed_out(self, token: int, now: int, blocked: bool = False) -> list:
        """The R6 (or, for a batch, R14) wait ran out. A job that arrived at this very instant
        keeps the session (the deadline is inclusive), unless its tenant's usage limit holds
        it (``blocked``, R22)."""
        if token != self.idle_token or self.ended or (self.queue and not blocked):
            return []
        if not self.dedicated:
            if self.state != "active" or self.running:
                return []
            self.state = "inactive"
            ops = [(EVENT, ev.SESSION_DEACTIVATED, None,
                    f"R14: nothing queued or running for {seconds(self.batch_timeout):g} s; its "
                    f"later jobs wait in fair share")]
            self._to(ev.INACTIVE, now, ops)
            return ops
        if self.idle_since is not None and self.holding:
            return self.deactivate(now, f"R6: no job within the interactive timeout "
                                        f"({seconds(self.interactive_timeout):g} s); fair share "
                                        f"resumes")
        return []

    def displace(self, now: int, detail: str) -> list:
        """R21: another tenant's reservation begins: an active session or batch becomes
        inactive at once; its running jobs finish, its queued jobs wait without priority."""
        if self.ended or self.state != "active":
            return []
        if self.dedicated:
            if not self.holding:
                return []
            return self.deactivate(now, detail)
        self.state = "inactive"
        self.idle_token += 1
        ops = [(EVENT, ev.SESSION_DEACTIVATED, None, detail)]
        if not self.running:
            self._to(ev.INACTIVE, now, ops)
        return ops

    def deactivate(self, now: int, detail: str) -> list:
        self.idle_since = None
        self.idle_token += 1
        self.state = "inactive"
        ops = [(EVENT, ev.SESSION_DEACTIVATED, None, detail)]
        # Inactive from now, even with jobs still running (R21 displaces a session mid-job):
        # it no longer holds its backend.
        self._to(ev.INACTIVE, now, ops)
        ops.extend(self.release(now))
        return ops

    def release(self, now: int) -> list:
        """A dedicated session stops holding its backend; its hold is charged (R3)."""
        self.holding = False
        self.usage += now - self.activated_at
        return [(RELEASE,)]

    # ------------------------------------------------------------------ the end (R9-R11)

    def expire(self, now: int) -> list:
        if self.ended:
            return []
        return self.end(now, ev.EXPIRED, f"R9: maximum time {seconds(self.max_time):g} s reached")

    def close(self, now: int) -> list:
        """R10: no new jobs; queued ones still run; with nothing left it ends at once."""
        if self.ended or not self.accepting:
            return []
        self.accepting = False
        self.closed_at = now
        if not self.queue and not self.running:
            return self.end(now, ev.CLOSED, "R10: close() with nothing queued or running: ends "
                                            "at once")
        return [(EVENT, ev.SESSION_CLOSING, None,
                 f"R10: close(): no new jobs; {len(self.queue)} queued job(s) still run")]

    def cancel(self, now: int) -> list:
        if self.ended:
            return []
        return self.end(now, ev.CANCELLED, "R11: cancel(): queued jobs cancelled, a running job "
                                           "finishes")

    def end(self, now: int, reason: str, detail: str) -> list:
        """Ends for good. Only expiry and cancel() can leave jobs queued: close() ends an empty
        session (R10); they fail (R9) or are cancelled (R11). A running job finishes, the
        session holding its backend until then."""
        self.state = "closed"
        self.accepting = False
        self.end_reason = reason
        self.end_detail = detail
        self.ended_at = now
        if reason == ev.EXPIRED:
            status, why, rule = ev.FAILED, "session expired", "R9"
        else:
            status, why, rule = ev.CANCELLED, "session cancelled", "R11"
        ops: list = []
        while self.queue:
            ops.append((FINISH, self.queue.popleft(), status, why, f"{why} ({rule})"))
        self.idle_since = None
        ops.append((EVENT, ev.SESSION_ENDED, None, detail))
        if not self.running:
            self._to(None, now, ops)
            if self.holding:
                ops.extend(self.release(now))
        elif self.phase != ev.RUNNING:
            self._to(None, now, ops)
        return ops

    def __repr__(self) -> str:
        return f"Session({self.id!r}, {self.mode}, {self.state})"
