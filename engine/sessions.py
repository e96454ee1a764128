"""Sessions and batches: the state a session carries through R4-R11 and R14.

States: ``open`` (created, no job run yet), ``active`` (its jobs have priority; a dedicated session
holds its backend), ``inactive`` (a dedicated session whose interactive timeout ran out: its jobs
wait in fair share, R7) and ``closed`` (ended for good: closed, expired or cancelled). A session
that ``close()`` was called on but still has work is ``active``/``inactive`` with
``accepting = False`` until that work is done (R10).

The simulator drives the transitions; this module keeps the record and answers questions about it.
Every time and span here is in integer ticks (engine/kernel.py); ``Simulation.session_details``
and the trace tables give them in seconds.
"""

from __future__ import annotations

from collections import deque
from typing import Optional


class Session:
    __slots__ = (
        "id", "tenant", "backend", "mode", "max_time_given", "interactive_timeout", "state",
        "accepting", "end_reason", "end_detail", "opened_at", "started_at", "ended_at",
        "closed_at", "activated_at", "max_time", "queue", "running", "idle_since", "idle_token",
        "holding", "usage", "active_time", "reserved_idle", "jobs_submitted", "last_job_started",
        "last_job_completed", "workload", "expire_event", "compiled",
    )

    def __init__(self, id: str, tenant: str, backend: str, mode: str = "dedicated",
                 max_time: Optional[int] = None, interactive_timeout: int = 0,
                 workload: Optional[str] = None):
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
        self.running = None                   # its job on the QPU, if any
        self.idle_since: Optional[int] = None   # start of the current reserved wait (R6)
        self.idle_token = 0                   # invalidates stale interactive-timeout timers
        self.holding = False                  # a dedicated session holding its backend
        self.usage = 0                        # charged seconds (R3)
        self.active_time = 0                  # seconds holding the backend (dedicated)
        self.reserved_idle = 0                # seconds held with no job running (R6)
        self.jobs_submitted = 0
        self.last_job_started: Optional[int] = None
        self.last_job_completed: Optional[int] = None
        self.workload = workload
        self.expire_event = None
        self.compiled: set = set()            # circuits compiled in this session (R15)

    @property
    def dedicated(self) -> bool:
        return self.mode == "dedicated"

    @property
    def ended(self) -> bool:
        return self.state == "closed"

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

    def __repr__(self) -> str:
        return f"Session({self.id!r}, {self.mode}, {self.state})"
