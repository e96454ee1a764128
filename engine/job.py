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
        "workload", "iteration", "done", "keys", "compile_time", "compiled", "finished_at",
        "work", "seed", "result", "summary",
    )

    def __init__(self, id: str, tenant: str, backend: str, submit_time: float, duration: float,
                 session: Optional[str] = None, max_execution_time: Optional[float] = None,
                 workload: Optional[str] = None, iteration: Optional[int] = None,
                 keys: tuple = (), compile_time: float = 0.0, work=None, seed: int = 0):
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
        self.work = work               # execution.Work: the PUBs it runs on Aer, or None
        self.seed = seed               # its simulator seed (execution.job_seed)
        self.result = None             # qiskit PrimitiveResult once executed
        self.summary = None            # the result as plain data (counts, evs)
        self.reason = ""               # why it failed, was cancelled or rejected
        self.rule = ""                 # which rule started it (R3, R5, R14)
        self.workload = workload
        self.iteration = iteration
        self.done = None               # a SimPy event, made only when a client waits on it
        self.keys = keys               # its circuits' digests: the compile cache key (R15)
        self.compile_time = compile_time   # added at start unless the cache has the circuits
        self.compiled = ""             # "miss" (compiled), "hit" (R15 reuse) or "" (no model)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.status}, submit={self.submit_time})"
