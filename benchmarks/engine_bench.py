"""Engine speed: throughput against a minimal SimPy FIFO model, and per-decision cost vs backlog.

Both measurements print figures; nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import time

import simpy

from engine import Simulation, collect, validate_scenario

TENANTS = 8
BACKENDS = 4
SESSIONS = 1_000
SESSION_ITERATIONS = 10
TOTAL_JOBS = 100_000


def large_scenario(total_jobs: int = TOTAL_JOBS, sessions: int = SESSIONS) -> dict:
    """4 backends, 8 tenants, `sessions` interactive sessions of 10 jobs, the rest background
    job-mode load; offered load about 85% of the four QPUs. No circuits: explicit durations."""
    backends = [f"qpu_{i}" for i in range(BACKENDS)]
    session_jobs = sessions * SESSION_ITERATIONS
    background = total_jobs - session_jobs
    mean_bg, session_dur = 10.0, 5.0
    horizon = (background * mean_bg + session_jobs * session_dur) / (len(backends) * 0.85)
    per_tenant = background // TENANTS
    workloads = [
        {"name": f"load{t}", "kind": "background", "tenant": f"tenant{t}", "backend": backends,
         "arrivals": {"process": "poisson", "rate": per_tenant / horizon},
         "count": per_tenant + (background - per_tenant * TENANTS if t == 0 else 0),
         "duration": {"dist": "exponential", "mean": mean_bg}}
        for t in range(TENANTS)
    ]
    if sessions:
        workloads.append({
            "name": "users", "kind": "interactive", "tenant": "tenant0", "backend": backends,
            "mode": "dedicated", "clients": sessions, "iterations": SESSION_ITERATIONS,
            "interactive_timeout": 20,
            "arrivals": {"process": "poisson", "rate": sessions / horizon},
            "duration": session_dur, "think_time": {"dist": "uniform", "low": 1, "high": 30}})
    return {"name": "bench-100k", "seed": 1, "policy": {"preset": "ibm-2024"},
            "backends": [{"name": b} for b in backends],
            "tenants": [{"name": f"tenant{t}", "share": 1 + t % 4} for t in range(TENANTS)],
            "workloads": workloads}


def fifo_model(arrivals: list[tuple[float, str, float]]) -> float:
    """The minimal SimPy model: one FIFO `Resource` per backend, a process per job. Returns
    wall seconds."""
    t0 = time.perf_counter()
    env = simpy.Environment()
    resources = {}
    for _, b, _ in arrivals:
        if b not in resources:
            resources[b] = simpy.Resource(env, capacity=1)

    def job(resource, duration):
        with resource.request() as req:
            yield req
            yield env.timeout(duration)

    def source():
        for submit, b, duration in arrivals:
            if submit > env.now:
                yield env.timeout(submit - env.now)
            env.process(job(resources[b], duration))

    env.process(source())
    env.run()
    return time.perf_counter() - t0


def throughput(total_jobs: int = TOTAL_JOBS, sessions: int = SESSIONS) -> dict:
    sc = validate_scenario(large_scenario(total_jobs, sessions))
    t0 = time.perf_counter()
    sim = Simulation(sc)
    t1 = time.perf_counter()
    sim.run()
    t2 = time.perf_counter()
    result = collect(sim)
    t3 = time.perf_counter()
    jobs = result.jobs
    arrivals = sorted(zip(jobs.submit_time, jobs.backend, jobs.duration), key=lambda a: a[0])
    fifo = fifo_model(arrivals)
    n = len(jobs)
    engine = t2 - t0
    return {
        "jobs": n, "sessions": len(result.sessions), "events": len(result.events),
        "engine_build_s": t1 - t0, "engine_run_s": t2 - t1, "engine_s": engine,
        "tables_s": t3 - t2, "fifo_s": fifo,
        "engine_jobs_per_s": n / engine, "fifo_jobs_per_s": n / fifo,
        "ratio": engine / fifo,
    }


def decision_cost(backlog: int, decisions: int = 500, repeats: int = 5) -> float:
    """Seconds per scheduling decision with `backlog` jobs queued on one backend (8 tenants).

    All jobs arrive at t=0 with a 1 s duration; after the arrivals the run advances through
    `decisions` completions, each followed by one fair-share decision over the backlog.
    """
    jobs = [{"id": f"j{i}", "tenant": f"tenant{i % TENANTS}", "backend": "qpu_0",
             "submit": 0.0, "duration": 1.0} for i in range(backlog)]
    sc = validate_scenario({
        "name": "backlog", "backends": [{"name": "qpu_0"}],
        "tenants": [{"name": f"tenant{t}", "share": 1 + t % 4} for t in range(TENANTS)],
        "jobs": jobs})
    samples = []
    for _ in range(repeats):
        sim = Simulation(sc)
        sim.run(until=0.5)                    # all arrived, the first job started
        t0 = time.perf_counter()
        sim.run(until=decisions + 0.5)
        samples.append((time.perf_counter() - t0) / decisions)
    return statistics.median(samples)
