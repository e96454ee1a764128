"""A job: QPU work submitted by a tenant to one backend, in job mode or inside a session.

A job moves ``pending -> queued -> running -> completed | failed`` or ends ``cancelled`` or
``rejected`` (R16: exactly one terminal status). The simulator owns every change of status.
Running has two stages (R19): from its start it holds a lane and runs its classical stage; then
it is ready and waits for the QPU; its QPU stage ends the run.

Its instants and spans are kept in integer ticks (``*_tick``, ``*_ticks``; see engine/kernel.py),
so they are exact; the same values read in seconds through ``submit_time``, ``start_time``,
``end_time``, ``finished_at``, ``duration``, ``compile_time`` and ``max_execution_time``.
"""

from __future__ import annotations

from typing import Optional

from .kernel import maybe_seconds as _s

TERMINAL = ("completed", "failed", "cancelled", "rejected")


class Job:
    __slots__ = (
        "id", "seq", "tenant", "backend", "session", "submit_tick", "duration_ticks",
        "limit_ticks", "status", "start_tick", "end_tick", "reason", "rule",
        "workload", "iteration", "done", "keys", "compile_ticks", "compiled", "finish_tick",
        "work", "seed", "result", "summary", "classical_ticks", "ready_tick",
        "qpu_start_tick", "run_ticks", "stopped",
    )

    def __init__(self, id: str, tenant: str, backend: str, submit_tick: int, duration_ticks: int,
                 session: Optional[str] = None, limit_ticks: Optional[int] = None,
                 workload: Optional[str] = None, iteration: Optional[int] = None,
                 keys: tuple = (), compile_ticks: int = 0, work=None, seed: int = 0):
        self.id = id
        self.seq = -1                  # submission order, set when the submission is processed
        self.tenant = tenant
        self.backend = backend
        self.session = session         # session id or None (job mode)
        self.submit_tick = submit_tick
        self.duration_ticks = duration_ticks   # requested QPU time
        self.limit_ticks = limit_ticks         # its max_execution_time (R12), or None
        self.status = "pending"
        self.start_tick: Optional[int] = None
        self.end_tick: Optional[int] = None    # end of its run (None if it never ran)
        self.finish_tick: Optional[int] = None  # when it reached its terminal status
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
        self.compile_ticks = compile_ticks   # added at start unless the cache has the circuits
        self.compiled = ""             # "miss" (compiled), "hit" (R15 reuse) or "" (no model)
        self.classical_ticks = 0       # R19: its classical stage, in its lane
        self.ready_tick: Optional[int] = None      # its classical stage ended (R19)
        self.qpu_start_tick: Optional[int] = None  # its QPU stage began (R19)
        self.run_ticks = 0             # its QPU stage's length, decided at its start (R12)
        self.stopped = False           # its QPU stage is cut at its limit (R12)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    # The same instants in seconds, for people and for the client API.
    submit_time = property(lambda self: _s(self.submit_tick))
    start_time = property(lambda self: _s(self.start_tick))
    end_time = property(lambda self: _s(self.end_tick))
    finished_at = property(lambda self: _s(self.finish_tick))
    duration = property(lambda self: _s(self.duration_ticks))
    compile_time = property(lambda self: _s(self.compile_ticks))
    max_execution_time = property(lambda self: _s(self.limit_ticks))
    classical_time = property(lambda self: _s(self.classical_ticks))
    ready_time = property(lambda self: _s(self.ready_tick))
    qpu_start_time = property(lambda self: _s(self.qpu_start_tick))

    @property
    def usage_ticks(self) -> int:
        """Its own QPU seconds (R19): the QPU stage, so far or in all; 0 if it never got there."""
        if self.qpu_start_tick is None or self.end_tick is None:
            return 0
        return self.end_tick - self.qpu_start_tick

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.status}, submit={self.submit_time})"
