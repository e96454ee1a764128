"""One backend's queues and the scheduling decision: which job starts next (R1, R3, R5, R6, R14).

A :class:`BackendState` holds what runs on the QPU, which dedicated session holds it, one FIFO
per tenant of queued jobs (fair share looks only at their heads, so a decision costs O(tenants)
whatever the backlog) and a heap of started batches' queued jobs. :func:`choose` is the whole
decision as a function of that state: no SimPy, no clock but the ``now`` it is given, no event
written. It answers one of:

- ``(START, job, rule, detail)``: ``job`` takes the QPU (taken out of the queues);
- ``(WAIT, session)``: the holding session has nothing queued; hold the QPU for it (R6);
- ``(DEACTIVATE, session, detail)``: the holding session lets go now (interactive timeout 0);
- ``(RELEASE, session)``: the holding session has ended; it lets go;
- ``(HELD, session)``: inside the holding session's reserved wait: nothing starts (R5);
- ``None``: the QPU is busy, or nothing waits.

After a DEACTIVATE or RELEASE the caller carries it out and asks again (fair share resumes at
that same instant).
"""

from __future__ import annotations

from collections import deque
from heapq import heappop
from .kernel import seconds
from .policy import SchedulingPolicy

START, WAIT, DEACTIVATE, RELEASE, HELD = range(5)


class BackendState:
    """One QPU: what runs, which dedicated session holds it, and its queues."""

    __slots__ = ("name", "running", "holder", "fs", "batch_heap", "dispatch_pending")

    def __init__(self, name: str):
        self.name = name
        self.running = None                     # the job on the QPU (R1)
        self.holder = None                      # the active dedicated session (R5, R8)
        self.fs: dict[str, deque] = {}          # tenant -> FIFO of queued jobs (R3)
        self.batch_heap: list = []              # (submit, seq, job) of started batches (R14)
        self.dispatch_pending = False           # a decision is asked for at this instant

    def enqueue(self, job) -> None:
        """A job joins its tenant's FIFO (every queued job does, session jobs included: an
        inactive session's jobs wait there, R7)."""
        q = self.fs.get(job.tenant)
        if q is None:
            q = self.fs[job.tenant] = deque()
        q.append(job)


def choose(b: BackendState, now: int, meters: dict, shares: dict, policy: SchedulingPolicy):
    """The decision for ``b`` at tick ``now`` (see the module's description).

    ``meters[tenant].value(now)`` is a tenant's usage for fair share (engine/policy.py);
    ``policy`` picks among the heads of the tenants' queues. Entries of jobs no longer queued (started, cancelled,
    failed with their session) are dropped from the queues on the way.
    """
    if b.running is not None:
        return None
    s = b.holder
    if s is not None:
        if s.queue:  # R5
            return (START, s.queue[0], "R5",
                    f"R5: session {s.id} holds {b.name}; its earliest queued job")
        if s.ended:
            return (RELEASE, s)
        if s.idle_since is None:
            if s.interactive_timeout > 0:
                return (WAIT, s)
            return (DEACTIVATE, s, "R6: interactive timeout is 0: no wait; fair share resumes")
        return (HELD, s)
    heap = b.batch_heap
    while heap and heap[0][2].status != "queued":
        heappop(heap)
    if heap:  # R14
        job = heappop(heap)[2]
        return (START, job, "R14",
                f"R14: batch {job.session} has started; its queued jobs run ahead of fair share")
    heads = []
    for tenant, q in b.fs.items():
        while q and q[0].status != "queued":
            q.popleft()
        if q:
            heads.append((tenant, q[0]))
    if not heads:
        return None
    if len(heads) == 1:  # no contest: FIFO within the tenant
        job = heads[0][1]
        used = meters[job.tenant].value(now)
        ratio = used / shares[job.tenant]
        why = "the only tenant waiting"
    else:
        usage = {t: meters[t].value(now) for t, _ in heads}
        job, ratio = policy.pick(heads, usage, shares)
        used = usage[job.tenant]
        why = f"lowest usage/share of {len(heads)} tenants waiting"
    b.fs[job.tenant].popleft()
    return (START, job, "R3",
            f"R3 fair share: {job.tenant} usage {seconds(used):.6g} s / share "
            f"{shares[job.tenant]:g} = {seconds(ratio):.6g}, {why}")
