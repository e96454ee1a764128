"""Execution speed: the engine running N circuits on Aer next to running them on Aer directly,
and R15's compile cache in real seconds. Prints figures; asserts nothing.
"""

from __future__ import annotations

import time

from engine import run_scenario, validate_scenario
from engine import circuits as C
from engine.execution import QPU, clear_memo, job_seed
from engine.model import Backend as BackendSpec, Timing

N_CIRCUITS = 100
QUBITS = 5
DEPTH = 8
SHOTS = 1024


def _scenario(n: int) -> dict:
    """n jobs in job mode on one 5-qubit QPU, each a distinct random circuit, all executed."""
    return {
        "name": "aer-bench", "seed": 7,
        "policy": {"preset": "ibm-2024", "execution": "all"},
        "backends": [{"name": "qpu", "num_qubits": QUBITS}],
        "tenants": [{"name": "t", "share": 1}],
        "circuits": {f"c{i}": {"family": "random", "num_qubits": QUBITS, "depth": DEPTH,
                               "seed": i} for i in range(n)},
        "jobs": [{"id": f"j{i}", "tenant": "t", "backend": "qpu", "submit": i,
                  "circuit": f"c{i}", "shots": SHOTS} for i in range(n)],
    }


def engine_vs_direct(n: int = N_CIRCUITS, repeats: int = 3) -> dict:
    """Wall time of the whole engine run (validate, digest, compile, price, schedule, execute,
    summarise, tables) against the direct route: transpile each circuit with the same preset pass
    manager and run it on Aer's SamplerV2 with the same seed, one call per job. The logical
    circuits are built once up front for both; each route's best of ``repeats`` is reported."""
    from qiskit_aer.primitives import SamplerV2

    logical = [C.random(QUBITS, DEPTH, i) for i in range(n)]  # warms the engine's builder too
    doc = _scenario(n)
    clear_memo()
    run_scenario(validate_scenario(_scenario(2)))  # imports and first-call set-up, untimed

    def engine_route() -> float:
        clear_memo()
        t0 = time.perf_counter()
        result = run_scenario(validate_scenario(doc))
        took = time.perf_counter() - t0
        assert (result.jobs["status"] == "completed").all()
        return took

    def direct_route() -> float:
        t0 = time.perf_counter()
        qpu = QPU(BackendSpec(name="qpu", num_qubits=QUBITS), Timing())
        pm = qpu.pass_manager
        sampler = SamplerV2()
        for i, qc in enumerate(logical):
            isa = pm.run(C.for_primitive(qc, "sampler"))
            sampler.options.run_options["seed_simulator"] = job_seed(7, f"j{i}")
            sampler.run([(isa,)], shots=SHOTS).result()
        return time.perf_counter() - t0

    engine_s, direct_s = [], []
    for _ in range(repeats):
        engine_s.append(engine_route())
        direct_s.append(direct_route())
    e, d = min(engine_s), min(direct_s)
    return {"n": n, "engine_s": e, "direct_s": d, "ratio": e / d}


def compile_cache() -> dict:
    """R15 in real seconds: a compile miss (transpile) against a hit (QPY digest + lookup)."""
    qpu = QPU(BackendSpec(name="qpu", num_qubits=QUBITS), Timing())
    circuits = [C.for_primitive(C.random(QUBITS, DEPTH, 1000 + i), "sampler") for i in range(40)]
    qpu.pass_manager.run(circuits[0])  # warm
    t0 = time.perf_counter()
    keys = [C.digest(c) for c in circuits]
    for qc, key in zip(circuits, keys):
        qpu.compile(qc, key)
    miss_s = (time.perf_counter() - t0) / len(circuits)
    t0 = time.perf_counter()
    for qc in circuits:
        qpu.compile(qc, C.digest(qc))
    hit_s = (time.perf_counter() - t0) / len(circuits)
    return {"miss_s": miss_s, "hit_s": hit_s, "speedup": miss_s / hit_s,
            "sim_compile_s": Timing().compile_time}
