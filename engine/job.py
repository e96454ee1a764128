"""A job: QPU work submitted by a tenant to one backend, in job mode or inside a session.

A job moves ``pending -> queued -> running -> completed | failed`` or ends ``cancelled`` or
``rejected`` (R16: exactly one terminal status). The simulator owns every change of status.
"""

from __future__ import annotations

from typing import Optional

TERMINAL = ("completed", "failed", "cancelled", "rejected")


class Job:
    __slots__ = (
        "id", "seq", "tenant", "backend", "session", "submit_time", "duration",
        "max_execution_time", "status", "start_time", "end_time", "reason", "rule",
        "workload", "iteration", "done", "circuit", "compile_time", "compiled", "finished_at",
    )

    def __init__(self, id: str, tenant: str, backend: str, submit_time: float, duration: float,
                 session: Optional[str] = None, max_execution_time: Optional[float] = None,
                 workload: Optional[str] = None, iteration: Optional[int] = None,
                 circuit: Optional[str] = None, compile_time: float = 0.0):
        self.id = id
        self.seq = -1                  # submission order, set when the submission is processed
        self.tenant = tenant
        self.backend = backend
        self.session = session         # session id or None (job mode)
        self.submit_time = submit_time
        self.duration = duration       # requested QPU seconds
        self.max_execution_time = max_execution_time
        self.status = "pending"
        self.start_time: Optional[float] = None
        self.end_time: Optional[float] = None   # end of its run (None if it never ran)
        self.finished_at: Optional[float] = None  # when it reached its terminal status
        self.reason = ""               # why it failed, was cancelled or rejected
        self.rule = ""                 # which rule started it (R3, R5, R14)
        self.workload = workload
        self.iteration = iteration
        self.done = None               # a SimPy event, made only when a client waits on it
        self.circuit = circuit         # compile-cache key (R15), or None
        self.compile_time = compile_time   # added at start unless the cache has the circuit
        self.compiled = ""             # "miss" (compiled), "hit" (R15 reuse) or "" (no model)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.status}, submit={self.submit_time})"
