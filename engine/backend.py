"""One backend's lanes, QPU and queues, and the scheduling decision: which job starts next (R1,
R3, R5, R6, R14, R19, R21, R22).

A :class:`BackendState` holds its lanes (R19: a started job holds one until its QPU stage ends),
what is on the QPU (a user job's QPU stage or system work, R20), the ready jobs waiting for the
QPU in the order they became ready, the due system jobs, the active reservation (R21), which
dedicated session holds it, one FIFO per tenant of queued jobs (fair share looks only at their
heads, so a decision costs O(tenants) whatever the backlog) and a heap of started batches'
queued jobs. :func:`choose` is the whole decision to fill one free lane as a function of that
state: no SimPy, no clock but the ``now`` it is given, no event written. ``blocked`` is the set
of tenants whose jobs may not start now (a usage limit, R22; another tenant's reservation,
R21), or None. It answers one of:

- ``(START, job, rule, detail)``: ``job`` takes a free lane (taken out of the queues);
- ``(WAIT, session)``: the holding session has nothing queued; hold the QPU for it (R6);
- ``(DEACTIVATE, session, detail)``: the holding session lets go now (interactive timeout 0);
- ``(RELEASE, session)``: the holding session has ended; it lets go;
- ``(HELD, session)``: inside the holding session's reserved wait: nothing starts (R5);
- ``None``: no lane is free, the holding session's jobs are still running, or nothing waits.

After a START, DEACTIVATE or RELEASE the caller carries it out and asks again (R19: a decision
is repeated at one instant until no lane is free or no job may start).
"""

from __future__ import annotations

from collections import deque
from heapq import heapify, heappop
from typing import NamedTuple, Optional
from .kernel import seconds
from .policy import pick_next
from .schedulers import Context, FairShare, decide, label

START, WAIT, DEACTIVATE, RELEASE, HELD = range(5)


class SystemWork(NamedTuple):
    """A calibration or maintenance on the QPU (R20): it takes no lane."""

    id: str                  # calibration-1, maintenance-2, ... per backend
    kind: str                # events.CALIBRATION or events.MAINTENANCE
    start: int               # when it took the QPU (ticks)
    duration: int
    every: Optional[int]     # a calibration's period: the next is due this long after it ends


class BackendState:
    """One QPU: what runs, which dedicated session holds it, and its queues."""

    __slots__ = ("name", "lanes", "busy", "qpu", "ready", "system_due", "reservation",
                 "holder", "fs", "batch_heap", "dispatch_pending", "staged")

    def __init__(self, name: str, lanes: int = 1, staged: bool = False):
        self.name = name
        self.lanes = lanes                      # R19
        self.busy = 0                           # lanes held by started jobs
        self.qpu = None                         # the job (or system job) on the QPU (R1)
        self.ready: deque = deque()             # jobs done with their classical stage (R19)
        self.system_due: list = []              # due system jobs, in the order they fell due
        self.reservation = None                 # the reservation in force (R21)
        self.holder = None                      # the active dedicated session (R5, R8)
        self.fs: dict[str, deque] = {}          # tenant -> FIFO of queued jobs (R3)
        self.batch_heap: list = []              # (submit, seq, job, session) of started batches
        self.dispatch_pending = False           # a decision is asked for at this instant
        self.staged = staged                    # log each job's two stages (R19)

    def queued_head(self, tenant: str):
        """The tenant's earliest job still queued here, or None (stale entries dropped)."""
        q = self.fs.get(tenant)
        while q and q[0].status != "queued":
            q.popleft()
        return q[0] if q else None

    def waiting_tenants(self) -> list:
        """The tenants with a job queued here."""
        return [t for t in list(self.fs) if self.queued_head(t) is not None]

    def enqueue(self, job) -> None:
        """A job joins its tenant's FIFO (every queued job does, session jobs included: an
        inactive session's jobs wait there, R7)."""
        q = self.fs.get(job.tenant)
        if q is None:
            q = self.fs[job.tenant] = deque()
        q.append(job)


def choose(b: BackendState, now: int, meters: dict, shares: dict, policy=None, blocked=None,
           tenants: Optional[dict] = None):
    """The decision for one free lane of ``b`` at tick ``now`` (see the module's description).

    ``meters[tenant].value(now)`` is a tenant's usage for fair share (engine/policy.py);
    ``policy`` is the scheduler (engine/schedulers.py; None or FairShare: IBM's R3, here in
    ticks), ``tenants`` the scenario's tenants by name for another scheduler's context.
    Entries of jobs no longer queued (started, cancelled, failed with their session) are
    dropped from the queues on the way.
    """
    if b.busy >= b.lanes:
        return None
    s = b.holder
    if s is not None:
        if s.queue and not (blocked and s.tenant in blocked):  # R5 (R22: a held job waits)
            return (START, s.queue[0], "R5",
                    f"R5: session {s.id} holds {b.name}; its earliest queued job")
        if s.running:  # R19: its running jobs go on; nothing else starts meanwhile
            return None
        if s.ended:
            return (RELEASE, s)
        if s.idle_since is None:
            if s.interactive_timeout > 0:
                return (WAIT, s)
            return (DEACTIVATE, s, "R6: interactive timeout is 0: no wait; fair share resumes")
        return (HELD, s)
    heap = b.batch_heap
    while heap and (heap[0][2].status != "queued" or heap[0][3].state != "active"):
        heappop(heap)
    if heap:  # R14
        entry = heap[0]
        if blocked and entry[2].tenant in blocked:
            entry = min((e for e in heap if e[2].status == "queued" and e[3].state == "active"
                         and e[2].tenant not in blocked), default=None)
            if entry is not None:
                heap.remove(entry)   # rare (a limit or a reservation): linear is fine
                heapify(heap)
        else:
            heappop(heap)
        if entry is not None:
            job = entry[2]
            return (START, job, "R14", f"R14: batch {job.session} has started; its queued jobs "
                                       f"run ahead of fair share")
    heads = []
    for tenant, q in b.fs.items():
        while q and q[0].status != "queued":
            q.popleft()
        if q and not (blocked and tenant in blocked):
            heads.append((tenant, q[0]))
    if not heads:
        return None
    if policy is not None and not isinstance(policy, FairShare):   # engine/schedulers.py
        ctx = Context(b.name, now, heads, b.fs, meters, shares, tenants)
        job, why = decide(policy, ctx, {t for t, _ in heads})
        q = b.fs[job.tenant]
        if q[0] is job:
            q.popleft()        # a job further back is dropped when it reaches the head
        return (START, job, "R3", f"R3 {label(policy)}: {why}")
    if len(heads) == 1:  # no contest: FIFO within the tenant
        job = heads[0][1]
        used = meters[job.tenant].value(now)
        ratio = used / shares[job.tenant]
        why = "the only tenant waiting"
    else:
        usage = {t: meters[t].value(now) for t, _ in heads}
        job, ratio = pick_next(heads, usage, shares)
        used = usage[job.tenant]
        why = f"lowest usage/share of {len(heads)} tenants waiting"
    b.fs[job.tenant].popleft()
    return (START, job, "R3",
            f"R3 fair share: {job.tenant} usage {seconds(used):.6g} s / share "
            f"{shares[job.tenant]:g} = {seconds(ratio):.6g}, {why}")
