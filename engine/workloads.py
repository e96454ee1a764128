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

from typing import TYPE_CHECKING

import numpy as np

from .execution import job_seed
from .job import Job
from .model import (
    BackgroundWorkload,
    BatchWorkload,
    ExponentialDist,
    FixedDist,
    InteractiveWorkload,
    ReplayWorkload,
    LognormalDist,
    PoissonArrivals,
    Scenario,
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


def arrival_times(arrivals, rng: np.random.Generator, start: float, count=None,
                  until=None) -> np.ndarray:
    """Arrival instants from ``start``: ``count`` of them, or all before ``until``."""
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
    for index, (w, name) in enumerate(zip(scenario.workloads, scenario.workload_names())):
        seq = _stream(scenario, index, w)
        if isinstance(w, BackgroundWorkload):
            arrivals.extend(_background(sim, w, name, np.random.default_rng(seq)))
        elif isinstance(w, BatchWorkload):
            arrivals.extend(_batch(sim, w, name, np.random.default_rng(seq)))
        elif isinstance(w, InteractiveWorkload):
            _clients(sim, w, name, seq)
        elif isinstance(w, ReplayWorkload):
            arrivals.extend(_replay(sim, scenario, w, name, index))
    arrivals.sort(key=lambda job: job.submit_time)  # stable: file order within an instant
    sim._add_arrivals(arrivals)


def _job(sim: "Simulation", item, job_id: str, tenant: str, backend: str, submit: float,
         duration, session, met, workload=None, iteration=None, seed=None) -> Job:
    """A job with its work (when the item names a circuit) and its QPU time: ``duration`` if
    given, else the timing model's price of its circuits."""
    seed = sim.seed_for(job_id) if seed is None else seed
    work = None
    if item.circuit is not None:
        work = sim.payloads.work(item, backend, item.shots, seed)
    compile_time = 0.0
    if duration is None:
        duration, compile_time = sim.price(backend, work)
    return Job(job_id, tenant, backend, submit, float(duration), session, met, workload,
               iteration, keys=work.keys if work is not None else (),
               compile_time=compile_time, work=work, seed=seed)


def _explicit(sim: "Simulation", j) -> Job:
    timing = sim.policy.timing
    duration = j.duration
    compile_time = None
    if duration is None and (j.circuit is None or j.circuit_duration is not None):
        # The shape-only timing model: no circuit, or a circuit duration given by hand.
        duration, compile_time = job_duration(j, timing)
    job = _job(sim, j, j.id, j.tenant, j.backend, j.submit, duration, j.session,
               j.max_execution_time)
    if compile_time is not None:
        job.compile_time = compile_time
    return job


def _replay(sim: "Simulation", scenario: Scenario, w: ReplayWorkload, name: str,
            index: int) -> list[Job]:
    """A recorded trace's jobs (and its chains as sessions); see engine/replay.py."""
    from pathlib import Path

    from . import replay

    path = Path(w.trace)
    base = sim.payloads.base_dir
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    trace = replay.load(path, w.format, name=name,
                        tenants={t.name for t in scenario.tenants}, default_tenant=w.tenant,
                        backends=w.backends, tenant_by=w.tenant_by, start=w.start,
                        time_scale=w.time_scale, limit=w.limit,
                        where=f"workloads[{index}].trace", source=w.trace)
    last: dict[str, float] = {}
    for job in trace.jobs:
        if job.session is not None:
            last[job.session] = max(last.get(job.session, 0.0), job.submit)
    for sid, (tenant, backend) in trace.sessions.items():
        sim.open_session(tenant, backend, mode=w.session_mode, session_id=sid, workload=name)
        sim.close(sid, at=last[sid])  # the chain's last job ends the session (R10)
    return [Job(j.id, j.tenant, j.backend, j.submit, j.duration, j.session,
                j.max_execution_time if j.max_execution_time is not None
                else w.max_execution_time, name, None, seed=job_seed(scenario.seed, j.id))
            for j in trace.jobs]


def _pick_backends(w, rng: np.random.Generator, n: int) -> list[str]:
    names = w.backends
    if len(names) == 1:
        return names * n
    return [names[i] for i in rng.integers(0, len(names), n)]


def _durations(w, rng: np.random.Generator, n: int) -> list:
    dist = w.duration_dist()
    return [None] * n if dist is None else draw(dist, rng, n).tolist()


def _background(sim: "Simulation", w: BackgroundWorkload, name: str,
                rng: np.random.Generator) -> list[Job]:
    times = arrival_times(w.arrivals, rng, w.start, w.count, w.until)
    n = len(times)
    durations = _durations(w, rng, n)
    backends = _pick_backends(w, rng, n)
    seeds = rng.integers(0, 2**31, n).tolist()
    times = times.tolist()
    if w.circuit is None and all(d is not None for d in durations):
        # Duration-only load (the common bulk case): build the jobs directly.
        tenant, met = w.tenant, w.max_execution_time
        return [Job(f"{name}.{i + 1}", tenant, backends[i], times[i], float(durations[i]),
                    None, met, name, None, seed=seeds[i]) for i in range(n)]
    return [_job(sim, w, f"{name}.{i + 1}", w.tenant, backends[i], times[i],
                 durations[i], None, w.max_execution_time, name, seed=seeds[i])
            for i in range(n)]


def _batch(sim: "Simulation", w: BatchWorkload, name: str, rng: np.random.Generator) -> list[Job]:
    durations = _durations(w, rng, w.jobs)
    backend = _pick_backends(w, rng, 1)[0]
    times = w.start + w.interval * np.arange(w.jobs)
    session = None
    if w.mode != "job":
        session = sim.open_session(w.tenant, backend, mode=w.mode, session_id=name,
                                   max_time=w.max_time,
                                   interactive_timeout=w.interactive_timeout, workload=name).id
        sim.close(session, at=float(times[-1]))  # leaving the `with Batch(...)` block
    base = int(rng.integers(0, 2**31))
    return [_job(sim, w, f"{name}.{i + 1}", w.tenant, backend, float(times[i]), durations[i],
                 session, w.max_execution_time, name, i + 1, seed=job_seed(base, str(i + 1)))
            for i in range(w.jobs)]


def _clients(sim: "Simulation", w: InteractiveWorkload, name: str,
             seq: np.random.SeedSequence) -> None:
    from .sim import Client

    rng = np.random.default_rng(seq)
    if w.clients == 1 or w.arrivals is None:
        starts = np.full(w.clients, w.start)
    else:
        starts = arrival_times(w.arrivals, rng, w.start, count=w.clients)
        starts[0] = w.start  # the first client arrives at `start`
    backends = _pick_backends(w, rng, w.clients)
    iterations = w.algorithm.maxiter if w.algorithm is not None else w.iterations
    for c, child in enumerate(seq.spawn(w.clients)):
        crng = np.random.default_rng(child)
        durations = _durations(w, crng, iterations)
        thinks = draw(w.think_time, crng, iterations).tolist()
        cid = name if w.clients == 1 else f"{name}-{c + 1}"
        client = Client(cid, name, w.tenant, backends[c], w.mode, iterations)
        session = None
        if w.mode != "job":
            session = {"mode": w.mode, "max_time": w.max_time,
                       "interactive_timeout": w.interactive_timeout}
        sim.add_client(client, float(starts[c]), durations, thinks, session, w.close,
                       w.max_execution_time, item=w if w.circuit is not None else None,
                       algorithm=w.algorithm, seed=int(child.generate_state(1)[0]))
