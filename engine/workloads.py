"""Turn a scenario into a plan for the simulation: declared sessions, explicit jobs, generators.

:func:`plan` gives plain data (:class:`Plan`): the sessions to open and when to close or
cancel them, the open-loop jobs by submit time (``Job`` records; those running a circuit are
given their work and price by the simulation, which holds the backends), and the closed-loop
clients. It knows nothing of the simulation.

Generators are seeded: each workload draws from its own stream, ``SeedSequence([seed, index])``
(or ``[workload.seed]`` when the workload names one, so two workloads can share identical load),
and each closed-loop client from a child stream of it. All numbers are drawn up front, so the
trace does not depend on the order in which the simulation asks for them (R17).

- ``background``: open-loop job-mode arrivals (Poisson or periodic), by count or up to a horizon.
- ``interactive``: closed-loop clients (submit, wait for the result, think, submit) as a dedicated
  session, a batch, or in job mode; ``close()`` when the loop ends, as a context manager does.
- ``job_user``: the same loop in job mode.
- ``batch``: a submitter that sends ``jobs`` jobs ``interval`` apart in one batch, then closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .clients import Client, ClientPlan
from .execution import job_seed
from .job import Job
from .kernel import TICKS_PER_SECOND, maybe_ticks, ticks
from .model import (
    MAX_JOBS,
    MAX_TIME,
    BackgroundWorkload,
    BatchWorkload,
    ExponentialDist,
    FixedDist,
    InteractiveWorkload,
    ReplayWorkload,
    LognormalDist,
    PoissonArrivals,
    Scenario,
    ScenarioError,
    UniformDist,
)
from .timing import job_duration


@dataclass
class SessionPlan:
    """A session to create (times in ticks; ``open_at`` None: with its first job)."""

    id: str
    tenant: str
    backend: str
    mode: str
    max_time: Optional[int]
    interactive_timeout: Optional[int]
    open_at: Optional[int] = None
    workload: Optional[str] = None


@dataclass
class Plan:
    """Everything a scenario asks of the simulation, in the order it is to be set up: ``steps``
    are ``("session", SessionPlan)``, ``("close", id, tick)``, ``("cancel", id, tick)`` and
    ``("client", ClientPlan)``; ``jobs`` are the open-loop arrivals sorted by submit time (file
    order within an instant); ``items`` names, per job id, the scenario item whose circuit the
    job runs."""

    steps: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    items: dict = field(default_factory=dict)


def draw(dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` samples of a duration distribution (seconds, never negative)."""
    if isinstance(dist, FixedDist):
        return np.full(n, float(dist.value))
    if isinstance(dist, ExponentialDist):
        return rng.exponential(dist.mean, n)
    if isinstance(dist, UniformDist):
        return rng.uniform(dist.low, dist.high, n)
    if isinstance(dist, LognormalDist):
        mu = np.log(dist.mean) - dist.sigma ** 2 / 2.0
        return rng.lognormal(mu, dist.sigma, n)
    raise TypeError(f"unknown distribution {dist!r}")


def to_ticks(values: np.ndarray, where: str) -> list[int]:
    """Seconds drawn or computed for a workload, as ticks; refused past :data:`MAX_TIME`."""
    values = np.asarray(values, dtype=float)
    if values.size and not values.max() <= MAX_TIME:
        raise ScenarioError(where, float(values.max()),
                            f"a drawn or computed time passes the {MAX_TIME:g} s limit")
    return np.rint(values * TICKS_PER_SECOND).astype(np.int64).tolist()


def arrival_times(arrivals, rng: np.random.Generator, start: float, count=None,
                  until=None) -> np.ndarray:
    """Arrival instants (seconds) from ``start``: ``count`` of them, or all before ``until``."""
    poisson = isinstance(arrivals, PoissonArrivals)
    if count is not None:
        if count == 0:
            return np.empty(0)
        if poisson:
            return start + np.cumsum(rng.exponential(1.0 / arrivals.rate, count))
        return start + arrivals.interval * np.arange(count)
    if poisson:
        times = []
        t = start
        chunk = max(16, int((until - start) * arrivals.rate * 1.1) + 16)
        while True:
            gaps = rng.exponential(1.0 / arrivals.rate, chunk)
            ts = t + np.cumsum(gaps)
            inside = ts[ts < until]
            times.append(inside)
            if len(inside) < len(ts):
                break
            t = ts[-1]
        return np.concatenate(times)
    n = int(np.ceil((until - start) / arrivals.interval)) if until > start else 0
    return start + arrivals.interval * np.arange(n)


def _stream(scenario: Scenario, index: int, workload) -> np.random.SeedSequence:
    if workload.seed is not None:
        return np.random.SeedSequence([workload.seed])
    return np.random.SeedSequence([scenario.seed, index])


def plan(scenario: Scenario) -> Plan:
    """Everything ``scenario`` describes, as a :class:`Plan`."""
    out = Plan()
    for spec in scenario.sessions:
        out.steps.append(("session", SessionPlan(
            spec.id, spec.tenant, spec.backend, spec.mode, maybe_ticks(spec.max_time),
            maybe_ticks(spec.interactive_timeout), maybe_ticks(spec.open_at))))
        if spec.close_at is not None:
            out.steps.append(("close", spec.id, ticks(spec.close_at)))
        if spec.cancel_at is not None:
            out.steps.append(("cancel", spec.id, ticks(spec.cancel_at)))

    jobs: list[Job] = [_explicit(out, scenario, j) for j in scenario.jobs]
    budget = [MAX_JOBS - int(scenario.expected_jobs())]   # what traces may still add
    for index, (w, name) in enumerate(zip(scenario.workloads, scenario.workload_names())):
        seq = _stream(scenario, index, w)
        where = f"workloads[{index}]"
        if isinstance(w, BackgroundWorkload):
            jobs.extend(_background(out, w, name, np.random.default_rng(seq), where))
        elif isinstance(w, BatchWorkload):
            jobs.extend(_batch(out, w, name, np.random.default_rng(seq), where))
        elif isinstance(w, InteractiveWorkload):
            _clients(out, w, name, seq, where)
        elif isinstance(w, ReplayWorkload):
            jobs.extend(_replay(out, scenario, w, name, index, budget))
    jobs.sort(key=lambda job: job.submit_tick)  # stable: file order within an instant
    out.jobs = jobs
    return out


def _job(out: Plan, item, job_id: str, tenant: str, backend: str, submit: int,
         duration: Optional[int], session, limit: Optional[int], workload, iteration,
         seed: int) -> Job:
    """A job (ticks); when the item names a circuit, the simulation gives it its work and,
    without a ``duration``, its price."""
    if item is not None and item.circuit is not None:
        out.items[job_id] = item
    return Job(job_id, tenant, backend, submit, duration, session, limit, workload, iteration,
               seed=seed)


def _explicit(out: Plan, scenario: Scenario, j) -> Job:
    duration, compile_time = j.duration, None
    if duration is None and (j.circuit is None or j.circuit_duration is not None):
        # The shape-only timing model: no circuit, or a circuit duration given by hand.
        duration, compile_time = job_duration(j, scenario.policy.timing)
    job = _job(out, j, j.id, j.tenant, j.backend, ticks(j.submit), maybe_ticks(duration),
               j.session, maybe_ticks(j.max_execution_time), None, None,
               job_seed(scenario.seed, j.id))
    job.classical_ticks = ticks(j.classical_time)
    if compile_time is not None:
        job.compile_ticks = ticks(compile_time)
    return job


def _replay(out: Plan, scenario: Scenario, w: ReplayWorkload, name: str, index: int,
            budget: list) -> list[Job]:
    """A recorded trace's jobs (and its chains as sessions); see engine/replay.py. ``budget``
    holds how many jobs the scenario may still add (MAX_JOBS in all); the trace takes its
    share."""
    from . import replay

    trace = replay.load(scenario, index, name, budget[0])
    budget[0] -= len(trace.jobs)
    last: dict[str, int] = {}
    jobs = []
    limit = maybe_ticks(w.max_execution_time)
    for j in trace.jobs:
        job = Job(j.id, j.tenant, j.backend, ticks(j.submit), ticks(j.duration), j.session,
                  maybe_ticks(j.max_execution_time) if j.max_execution_time is not None
                  else limit, name, None, seed=job_seed(scenario.seed, j.id))
        jobs.append(job)
        if job.session is not None:
            last[job.session] = max(last.get(job.session, 0), job.submit_tick)
    for sid, (tenant, backend) in trace.sessions.items():
        out.steps.append(("session", SessionPlan(sid, tenant, backend, w.session_mode, None,
                                                 None, workload=name)))
        out.steps.append(("close", sid, last[sid]))  # the chain's last job ends it (R10)
    return jobs


def _pick_backends(w, rng: np.random.Generator, n: int) -> list[str]:
    names = w.backends
    if len(names) == 1:
        return names * n
    return [names[i] for i in rng.integers(0, len(names), n)]


def _durations(w, rng: np.random.Generator, n: int, where: str) -> list:
    """``n`` QPU durations in ticks, or Nones when the timing model decides."""
    dist = w.duration_dist()
    return [None] * n if dist is None else to_ticks(draw(dist, rng, n), f"{where}.duration")


def _classical(jobs: list, w, rng: np.random.Generator, where: str) -> list:
    """R19: each job's classical stage, drawn after everything else the workload draws (so a
    workload without ``classical_time`` draws exactly what it drew before)."""
    if w.classical_time is not None and jobs:
        for job, c in zip(jobs, to_ticks(draw(w.classical_time, rng, len(jobs)),
                                         f"{where}.classical_time")):
            job.classical_ticks = c
    return jobs


def _background(out: Plan, w: BackgroundWorkload, name: str, rng: np.random.Generator,
                where: str) -> list[Job]:
    times = to_ticks(arrival_times(w.arrivals, rng, w.start, w.count, w.until),
                     f"{where}.arrivals")
    n = len(times)
    durations = _durations(w, rng, n, where)
    backends = _pick_backends(w, rng, n)
    seeds = rng.integers(0, 2**31, n).tolist()
    limit = maybe_ticks(w.max_execution_time)
    if w.circuit is None:
        # Duration-only load (the common bulk case): the jobs straight away.
        tenant = w.tenant
        return _classical([Job(f"{name}.{i + 1}", tenant, backends[i], times[i],
                               durations[i], None, limit, name, None, seed=seeds[i])
                           for i in range(n)], w, rng, where)
    return _classical([_job(out, w, f"{name}.{i + 1}", w.tenant, backends[i], times[i],
                            durations[i], None, limit, name, None, seeds[i])
                       for i in range(n)], w, rng, where)


def _batch(out: Plan, w: BatchWorkload, name: str, rng: np.random.Generator,
           where: str) -> list[Job]:
    durations = _durations(w, rng, w.jobs, where)
    backend = _pick_backends(w, rng, 1)[0]
    times = to_ticks(w.start + w.interval * np.arange(w.jobs), f"{where}.interval")
    session = None
    if w.mode != "job":
        out.steps.append(("session", SessionPlan(
            name, w.tenant, backend, w.mode, maybe_ticks(w.max_time),
            maybe_ticks(w.interactive_timeout), workload=name)))
        out.steps.append(("close", name, times[-1]))  # leaving the `with Batch(...)` block
        session = name
    base = int(rng.integers(0, 2**31))
    limit = maybe_ticks(w.max_execution_time)
    return _classical([_job(out, w, f"{name}.{i + 1}", w.tenant, backend, times[i],
                            durations[i], session, limit, name, i + 1, job_seed(base, str(i + 1)))
                       for i in range(w.jobs)], w, rng, where)


def _clients(out: Plan, w: InteractiveWorkload, name: str, seq: np.random.SeedSequence,
             where: str) -> None:
    rng = np.random.default_rng(seq)
    if w.clients == 1 or w.arrivals is None:
        starts = np.full(w.clients, w.start)
    else:
        starts = arrival_times(w.arrivals, rng, w.start, count=w.clients)
        starts[0] = w.start  # the first client arrives at `start`
    starts = to_ticks(starts, f"{where}.arrivals")
    backends = _pick_backends(w, rng, w.clients)
    iterations = w.algorithm.maxiter if w.algorithm is not None else w.iterations
    limit = maybe_ticks(w.max_execution_time)
    session = None
    if w.mode != "job":
        session = {"mode": w.mode, "max_time": w.max_time,
                   "interactive_timeout": w.interactive_timeout}
    for c, child in enumerate(seq.spawn(w.clients)):
        crng = np.random.default_rng(child)
        durations = _durations(w, crng, iterations, where)
        thinks = to_ticks(draw(w.think_time, crng, iterations), f"{where}.think_time")
        classical = (None if w.classical_time is None else
                     to_ticks(draw(w.classical_time, crng, iterations), f"{where}.classical_time"))
        cid = name if w.clients == 1 else f"{name}-{c + 1}"
        client = Client(cid, name, w.tenant, backends[c], w.mode, iterations,
                        target=w.algorithm.target if w.algorithm is not None else None)
        out.steps.append(("client", ClientPlan(
            client, starts[c], durations, thinks, session, w.close, limit,
            int(child.generate_state(1)[0]), item=w if w.circuit is not None else None,
            algorithm=w.algorithm, where=where, classical=classical)))
