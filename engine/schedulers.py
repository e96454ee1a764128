"""Schedulers: R3's choice among queued jobs, IBM's fair share or another, built in or your own.

When a lane of a backend is free and neither a session (R5) nor a started batch (R14) claims it,
the scheduler picks which queued job starts. Reservations and usage limits (R21, R22) have
already taken their tenants out of its choice; sessions, batches, lanes and the QPU work as
always around it. The scenario names one (``policy.scheduler``):

- ``fair_share`` (default): IBM's, R3: the lowest usage / share, ties by submit time;
- ``hierarchical_fair_share``: the organisation (``tenants[].organisation``) with the lowest
  usage / share, its allocation being the sum of its instances' shares and its usage theirs; then
  within it, the instance with the lowest usage / share (a tenant without one is its own);
- ``fifo``: the earliest submitted job on the backend, whoever's;
- ``priority``: strict priority by tenant (``tenants[].priority``, higher first), first come
  first served within a priority;
- ``sjf``: shortest job first: the least requested QPU time (``duration``), ties by submit time;
- ``slurm``: Slurm's classic fair-share factor ``F = 2 ** (-U / S)`` (``U`` a tenant's share of
  all usage, decayed with ``half_life``; ``S`` its share of all shares), as the multifactor
  priority ``weight_fairshare * F + weight_age * min(wait / max_age, 1)``, the highest first.

A scheduler of your own is any class with a ``pick(ctx)`` method, named by import path
(``policy: {scheduler: mypkg.mod:MyPolicy}``, or ``{name: ..., options: {...}}`` given to its
constructor as keywords). It is Python code, so it is loaded only where code is allowed: the
command line's ``--allow-code``, ``allow_code=True`` from Python (or SESSION_LAB_ALLOW_CODE=1);
never from a dashboard upload. Its module is looked for in the scenario's folder first. ``pick``
gets a :class:`Context` and returns a queued job of it (or ``(job, why)``, the words for the
trace); a job that is not one of them, or an exception, stops the run with a
:class:`SchedulerError` naming the scheduler, the backend and the instant. Jobs are the engine's
(engine/job.py); a scheduler reads ``id``, ``tenant``, ``session``, ``submit_time``,
``duration`` (requested QPU seconds), ``seq`` (submission order), ``workload``, and changes
nothing. Same scenario and seed, same choices: a scheduler must be deterministic. A scheduler
with a ``usage_half_life`` attribute (seconds; slurm's ``half_life``) has every tenant's usage
counted with that decay instead of ``policy.fair_share``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Iterator, Optional, Protocol

from .kernel import TICKS_PER_SECOND, seconds
from .model import SCHEDULERS, ScenarioError, SchedulerSpec
from .policy import pick_next

ALLOW_CODE_ENV = "SESSION_LAB_ALLOW_CODE"


class SchedulerError(ScenarioError):
    """A scheduler that cannot be loaded, or that misbehaved during the run."""


class Context:
    """What a scheduler sees at one decision (read only). ``now`` in seconds; ``backend`` its
    name; ``heads``: ``(tenant, job)``, the earliest queued job of each tenant that may start
    now; ``shares`` and ``tenants`` (name -> the scenario's tenant: ``share``, ``priority``,
    ``organisation``) of every tenant."""

    __slots__ = ("now", "backend", "heads", "shares", "tenants", "_meters", "_fs", "_tick")

    def __init__(self, backend: str, tick: int, heads: list, fs: dict, meters: dict,
                 shares: dict, tenants: dict):
        self.now = tick / TICKS_PER_SECOND
        self.backend = backend
        self.heads = heads
        self.shares = shares
        self.tenants = tenants
        self._meters = meters
        self._fs = fs
        self._tick = tick

    def usage(self, tenant: str) -> float:
        """The tenant's usage for fair share now (R3, counted as ``policy.fair_share`` says, or
        with the slurm scheduler's half-life), in seconds."""
        return self._meters[tenant].value(self._tick) / TICKS_PER_SECOND

    def queued(self, tenant: Optional[str] = None) -> Iterator:
        """The queued jobs that may start now (of ``tenant``, or of every tenant in ``heads``),
        each tenant's in submission order. A session runs its earliest queued job first (R5), so of a
        session's queued jobs only its earliest is here."""
        for t, _ in self.heads:
            if tenant is None or t == tenant:
                sessions = set()
                for j in self._fs[t]:
                    if j.status != "queued":
                        continue
                    if j.session is not None:
                        if j.session in sessions:
                            continue
                        sessions.add(j.session)
                    yield j

    def startable(self, job) -> bool:
        """Whether ``job`` is one of :meth:`queued`."""
        if job.session is None:
            return True
        key = (job.submit_tick, job.seq)
        return not any(j.session == job.session and j.status == "queued"
                       and (j.submit_tick, j.seq) < key for j in self._fs[job.tenant])


class Scheduler(Protocol):
    """``pick(ctx)`` -> a job of ``ctx.queued()``, or ``(job, why)``."""

    def pick(self, ctx: Context): ...


def _earliest(jobs):
    return min(jobs, key=lambda j: (j.submit_tick, j.seq))


class FairShare:
    """IBM's fair share (R3): the lowest usage / share, ties by submit time then submission."""

    label = "fair share"

    def pick(self, ctx: Context):
        usage = {t: ctx.usage(t) for t, _ in ctx.heads}
        job, ratio = pick_next(ctx.heads, usage, ctx.shares)
        return job, (f"{job.tenant} usage {usage[job.tenant]:.6g} s / share "
                     f"{ctx.shares[job.tenant]:g} = {ratio:.6g}, lowest of {len(ctx.heads)}")


class HierarchicalFairShare:
    """Fair share by organisation, then by instance within it."""

    label = "hierarchical fair share"

    def pick(self, ctx: Context):
        org = {t: ctx.tenants[t].organisation or t for t in ctx.shares}
        usage = {t: ctx.usage(t) for t in ctx.shares}
        org_share: dict = {}
        org_usage: dict = {}
        for t in ctx.shares:
            org_share[org[t]] = org_share.get(org[t], 0.0) + ctx.shares[t]
            org_usage[org[t]] = org_usage.get(org[t], 0.0) + usage[t]
        waiting = dict.fromkeys(org[t] for t, _ in ctx.heads)
        # Each organisation waiting is stood for by its earliest head job.
        firsts = [(o, _earliest(j for t, j in ctx.heads if org[t] == o)) for o in waiting]
        chosen, ratio = pick_next(firsts, org_usage, org_share)
        o = org[chosen.tenant]
        mine = [(t, j) for t, j in ctx.heads if org[t] == o]
        job, inner = pick_next(mine, usage, ctx.shares)
        return job, (f"organisation {o} usage/share {ratio:.6g}, lowest of {len(firsts)}; "
                     f"within it {job.tenant} at {inner:.6g}")

class Fifo:
    """First come, first served across tenants."""

    label = "first come first served"

    def pick(self, ctx: Context):
        job = _earliest(j for _, j in ctx.heads)
        return job, f"the earliest submitted of {len(ctx.heads)} tenants' queues"


class StrictPriority:
    """The highest tenant priority first; first come, first served within one."""

    label = "strict priority"

    def pick(self, ctx: Context):
        top = max(ctx.tenants[t].priority for t, _ in ctx.heads)
        job = _earliest(j for t, j in ctx.heads if ctx.tenants[t].priority == top)
        return job, f"{job.tenant} has priority {top}, the highest waiting"


class ShortestJobFirst:
    """The least requested QPU time among every queued job (O(jobs queued) a decision)."""

    label = "shortest job first"

    def pick(self, ctx: Context):
        n = 0
        best = None
        for j in ctx.queued():
            n += 1
            if best is None or (j.duration_ticks, j.submit_tick, j.seq) < (
                    best.duration_ticks, best.submit_tick, best.seq):
                best = j
        return best, f"{seconds(best.duration_ticks):g} s requested, the least of {n} queued"


class SlurmFairShare:
    """Slurm's classic fair-share factor in its multifactor priority."""

    label = "slurm"

    def __init__(self, half_life: float = 7 * 86400.0, weight_fairshare: float = 1.0,
                 weight_age: float = 0.0, max_age: float = 7 * 86400.0):
        self.usage_half_life = half_life   # the engine counts usage with it (see the module)
        self.weight_fairshare = weight_fairshare
        self.weight_age = weight_age
        self.max_age = max_age

    def pick(self, ctx: Context):
        usage = {t: ctx.usage(t) for t in ctx.shares}
        total_usage = sum(usage.values())
        total_share = sum(ctx.shares.values())
        factor, priority = {}, {}
        for t, job in ctx.heads:
            u = usage[t] / total_usage if total_usage > 0 else 0.0
            factor[t] = 2.0 ** (-u / (ctx.shares[t] / total_share))
            age = min((ctx.now - job.submit_time) / self.max_age, 1.0)
            priority[t] = self.weight_fairshare * factor[t] + self.weight_age * age
        # The highest priority is the lowest of its negation: R3's tie rule and order apply.
        job, _ = pick_next(ctx.heads, {t: -p for t, p in priority.items()},
                           dict.fromkeys(priority, 1.0))
        t = job.tenant
        return job, (f"{t} fair-share factor {factor[t]:.6g}, priority {priority[t]:.6g}, "
                     f"the highest")

BUILT_IN = {"fair_share": FairShare, "hierarchical_fair_share": HierarchicalFairShare,
            "fifo": Fifo, "priority": StrictPriority, "sjf": ShortestJobFirst,
            "slurm": SlurmFairShare}
assert tuple(BUILT_IN) == SCHEDULERS


def code_allowed() -> bool:
    """Whether this process may load a scheduler of the user's own (SESSION_LAB_ALLOW_CODE=1)."""
    return os.environ.get(ALLOW_CODE_ENV, "") == "1"


def build(spec, base_dir: Optional[str] = None, allow_code: Optional[bool] = None):
    """The scheduler ``policy.scheduler`` names (a name, or a :class:`SchedulerSpec`)."""
    name = spec.name if isinstance(spec, SchedulerSpec) else spec
    if name in BUILT_IN:
        kwargs = {}
        if isinstance(spec, SchedulerSpec):
            kwargs = {k: getattr(spec, k) for k in ("half_life", "weight_fairshare",
                                                     "weight_age", "max_age")
                      if getattr(spec, k) is not None}
        return BUILT_IN[name](**kwargs)
    if not (code_allowed() if allow_code is None else allow_code):
        raise SchedulerError("policy.scheduler", name, "a scheduler of your own runs Python "
                             "code: allowed only with --allow-code on the command line (or "
                             "allow_code=True from Python), never from the dashboard")
    return _load(name, spec.options if isinstance(spec, SchedulerSpec) else {}, base_dir)


def _load(path: str, options: dict, base_dir: Optional[str]):
    module_name, _, attr = path.partition(":")
    added = base_dir is not None and base_dir not in sys.path
    if added:
        sys.path.insert(0, base_dir)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - whatever the module does, one message
        raise SchedulerError("policy.scheduler", path,
                             f"cannot import {module_name}: {type(exc).__name__}: {exc}"
                             ) from None
    finally:
        if added:
            sys.path.remove(base_dir)
    cls = getattr(module, attr, None)
    if not isinstance(cls, type) or not callable(getattr(cls, "pick", None)):
        raise SchedulerError("policy.scheduler", path, f"{module_name} has no class {attr} "
                             f"with a pick(ctx) method")
    try:
        scheduler = cls(**options)
    except Exception as exc:  # noqa: BLE001
        raise SchedulerError("policy.scheduler", path,
                             f"{attr}(**options) failed: {type(exc).__name__}: {exc}") from None
    try:
        scheduler._session_lab_path = path     # how its errors name it
    except AttributeError:  # __slots__: its class name will do
        pass
    return scheduler


def label(scheduler) -> str:
    """How the trace names a scheduler."""
    return getattr(scheduler, "label", None) or type(scheduler).__name__


def decide(scheduler, ctx: Context, allowed) -> tuple:
    """``scheduler.pick(ctx)``, checked: ``(job, why)`` with ``job`` queued on this backend for
    a tenant that may start now, else :class:`SchedulerError`."""
    where = f"at {ctx.now:g} s on {ctx.backend}"
    name = getattr(scheduler, "_session_lab_path", None) or label(scheduler)
    try:
        out = scheduler.pick(ctx)
    except Exception as exc:  # noqa: BLE001 - the user's code: one message, no traceback
        raise SchedulerError("policy.scheduler", name,
                             f"raised {type(exc).__name__}: {exc} ({where})") from None
    job, why = out if isinstance(out, tuple) and len(out) == 2 else (out, "")
    if not (getattr(job, "status", None) == "queued"
            and getattr(job, "backend", None) == ctx.backend
            and getattr(job, "tenant", None) in allowed and ctx.startable(job)):
        shown = getattr(job, "id", None) or repr(job)[:80]
        raise SchedulerError("policy.scheduler", name,
                             f"picked {shown}, which is not a job queued and free to start "
                             f"{where}")
    return job, str(why)[:500]
