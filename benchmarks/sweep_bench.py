"""A 64-variant sweep timed serially and on local processes. Prints figures; asserts nothing."""

from __future__ import annotations

import os
import time

import engine_bench
from engine import sweep, validate_scenario

VARIANTS = 64
JOBS = 10_000


def sweep_times() -> dict:
    """64 seeds of a 10k-job scenario (4 backends, 8 tenants, 100 sessions)."""
    base = validate_scenario(engine_bench.large_scenario(total_jobs=JOBS, sessions=JOBS // 100))
    plan = sweep.variants(base, [("seed", list(range(VARIANTS)))])
    scens = [sc for _, sc in plan]
    t0 = time.perf_counter()
    serial = sweep.run_variants(scens, workers=1)
    t1 = time.perf_counter()
    workers = os.cpu_count() or 1
    parallel = sweep.run_variants(scens, workers=workers)
    t2 = time.perf_counter()
    same = all(a.jobs.equals(b.jobs) for a, b in zip(serial, parallel))
    return {"variants": VARIANTS, "jobs": JOBS, "serial_s": t1 - t0, "parallel_s": t2 - t1,
            "workers": workers, "speedup": (t1 - t0) / (t2 - t1), "identical": same}
