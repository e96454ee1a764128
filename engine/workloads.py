"""Turn a scenario into work for the simulation: declared sessions, explicit jobs, generators.

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

from typing import TYPE_CHECKING, Optional

import numpy as np

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

if TYPE_CHECKING:
    from .sim import Simulation


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


def install(sim: "Simulation", scenario: Scenario) -> None:
    """Give ``sim`` everything the scenario describes."""
    for spec in scenario.sessions:
        sim.open_session(spec.tenant, spec.backend, mode=spec.mode, session_id=spec.id,
                         max_time=spec.max_time, interactive_timeout=spec.interactive_timeout,
                         open_at=spec.open_at)
        if spec.close_at is not None:
            sim.close(spec.id, at=spec.close_at)
        if spec.cancel_at is not None:
            sim.cancel(spec.id, at=spec.cancel_at)

    arrivals: list[Job] = [_explicit(sim, j) for j in scenario.jobs]
    budget = [MAX_JOBS - int(scenario.expected_jobs())]   # what traces may still add
    for index, (w, name) in enumerate(zip(scenario.workloads, scenario.workload_names())):
        seq = _stream(scenario, index, w)
        where = f"workloads[{index}]"
        if isinstance(w, BackgroundWorkload):
            arrivals.extend(_background(sim, w, name, np.random.default_rng(seq), where))
        elif isinstance(w, BatchWorkload):
            arrivals.extend(_batch(sim, w, name, np.random.default_rng(seq), where))
        elif isinstance(w, InteractiveWorkload):
            _clients(sim, w, name, seq, where)
        elif isinstance(w, ReplayWorkload):
            arrivals.extend(_replay(sim, scenario, w, name, index, budget))
    arrivals.sort(key=lambda job: job.submit_tick)  # stable: file order within an instant
    sim._add_arrivals(arrivals)


def _job(sim: "Simulation", item, job_id: str, tenant: str, backend: str, submit: int,
         duration: Optional[int], session, limit: Optional[int], workload=None, iteration=None,
         seed=None) -> Job:
    """A job (ticks in) with the work of its circuit, when the item names one."""
    seed = sim.seed_for(job_id) if seed is None else seed
    work = None
    if item is not None and item.circuit is not None:
        work = sim.payloads.work(item, backend, item.shots, seed)
    return sim.new_job(job_id, tenant, backend, submit, duration, session, limit, workload,
                       iteration, work, seed)


def _explicit(sim: "Simulation", j) -> Job:
    timing = sim.policy.timing
    duration = j.duration
    compile_time = None
    if duration is None and (j.circuit is None or j.circuit_duration is not None):
        # The shape-only timing model: no circuit, or a circuit duration given by hand.
        duration, compile_time = job_duration(j, timing)
    job = _job(sim, j, j.id, j.tenant, j.backend, ticks(j.submit), maybe_ticks(duration),
               j.session, maybe_ticks(j.max_execution_time))
    if compile_time is not None:
        job.compile_ticks = ticks(compile_time)
    return job


def _replay(sim: "Simulation", scenario: Scenario, w: ReplayWorkload, name: str,
            index: int, budget: list) -> list[Job]:
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
        s = sim.open_session(tenant, backend, mode=w.session_mode, session_id=sid, workload=name)
        sim._close_at(s, last[sid])  # the chain's last job ends the session (R10)
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


def _background(sim: "Simulation", w: BackgroundWorkload, name: str,
                rng: np.random.Generator, where: str) -> list[Job]:
    times = to_ticks(arrival_times(w.arrivals, rng, w.start, w.count, w.until),
                     f"{where}.arrivals")
    n = len(times)
    durations = _durations(w, rng, n, where)
    backends = _pick_backends(w, rng, n)
    seeds = rng.integers(0, 2**31, n).tolist()
    limit = maybe_ticks(w.max_execution_time)
    if w.circuit is None and all(d is not None for d in durations):
        # Duration-only load (the common bulk case): build the jobs directly.
        tenant = w.tenant
        return [Job(f"{name}.{i + 1}", tenant, backends[i], times[i], durations[i],
                    None, limit, name, None, seed=seeds[i]) for i in range(n)]
    return [_job(sim, w, f"{name}.{i + 1}", w.tenant, backends[i], times[i],
                 durations[i], None, limit, name, seed=seeds[i])
            for i in range(n)]


def _batch(sim: "Simulation", w: BatchWorkload, name: str, rng: np.random.Generator,
           where: str) -> list[Job]:
    durations = _durations(w, rng, w.jobs, where)
    backend = _pick_backends(w, rng, 1)[0]
    times = to_ticks(w.start + w.interval * np.arange(w.jobs), f"{where}.interval")
    session = None
    if w.mode != "job":
        s = sim.open_session(w.tenant, backend, mode=w.mode, session_id=name,
                             max_time=w.max_time, interactive_timeout=w.interactive_timeout,
                             workload=name)
        sim._close_at(s, times[-1])  # leaving the `with Batch(...)` block
        session = s.id
    base = int(rng.integers(0, 2**31))
    limit = maybe_ticks(w.max_execution_time)
    return [_job(sim, w, f"{name}.{i + 1}", w.tenant, backend, times[i], durations[i],
                 session, limit, name, i + 1, seed=job_seed(base, str(i + 1)))
            for i in range(w.jobs)]


def _clients(sim: "Simulation", w: InteractiveWorkload, name: str,
             seq: np.random.SeedSequence, where: str) -> None:
    from .sim import Client

    rng = np.random.default_rng(seq)
    if w.clients == 1 or w.arrivals is None:
        starts = np.full(w.clients, w.start)
    else:
        starts = arrival_times(w.arrivals, rng, w.start, count=w.clients)
        starts[0] = w.start  # the first client arrives at `start`
    starts = to_ticks(starts, f"{where}.arrivals")
    backends = _pick_backends(w, rng, w.clients)
    iterations = w.algorithm.maxiter if w.algorithm is not None else w.iterations
    item = w if w.circuit is not None else None
    num_parameters = None
    if w.algorithm is not None:
        num_parameters = sim.payloads.logical(w.circuit, w.primitive or "sampler")[0].num_parameters
    limit = maybe_ticks(w.max_execution_time)
    for c, child in enumerate(seq.spawn(w.clients)):
        crng = np.random.default_rng(child)
        durations = _durations(w, crng, iterations, where)
        thinks = to_ticks(draw(w.think_time, crng, iterations), f"{where}.think_time")
        cid = name if w.clients == 1 else f"{name}-{c + 1}"
        client = Client(cid, name, w.tenant, backends[c], w.mode, iterations)
        session = None
        if w.mode != "job":
            session = {"mode": w.mode, "max_time": w.max_time,
                       "interactive_timeout": w.interactive_timeout}
        seed = int(child.generate_state(1)[0])
        x0 = None
        if w.algorithm is not None:
            from . import algorithms

            try:
                x0 = algorithms.initial_point(w.algorithm.x0, num_parameters, seed)
            except ValueError as exc:
                raise ScenarioError(f"{where}.algorithm.x0", w.algorithm.x0, str(exc)) from None
        sim.add_client(client, starts[c], durations, thinks, session, w.close, limit,
                       item=item, algorithm=w.algorithm, seed=seed, x0=x0)
