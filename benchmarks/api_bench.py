"""The client API's overhead per job: a 1,000-job script through engine.runtime against the
same circuits run on Aer directly. Prints figures; asserts nothing.

Both routes run the same ISA circuit (a fresh parameter value per job, so no result is reused)
with the same shots on Aer's SamplerV2 with the same noise model; the script's route adds the
service, the job handles, the clock and the simulated data center (background load included).
"""

from __future__ import annotations

import time

import numpy as np

JOBS = 1_000
SHOTS = 100
SCENARIO = {
    "name": "api-bench", "seed": 3,
    "policy": {"preset": "ibm-2024", "execution": "interactive"},
    "backends": [{"name": "qpu", "num_qubits": 5, "coupling": "line"}],
    "tenants": [{"name": "you", "share": 1}, {"name": "lab", "share": 1}],
    "workloads": [{"name": "lab-load", "kind": "background", "tenant": "lab", "backend": "qpu",
                   "arrivals": {"process": "poisson", "rate": 0.01},
                   "duration": {"dist": "exponential", "mean": 10}, "until": 20_000}],
}


def _circuit(backend):
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.transpiler import generate_preset_pass_manager

    qc = QuantumCircuit(2)
    qc.ry(Parameter("a"), 0)
    qc.cx(0, 1)
    qc.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)


def overhead(jobs: int = JOBS) -> dict:
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    from engine.execution import clear_memo
    from engine.runtime import QiskitRuntimeService, SamplerV2, Session

    values = np.linspace(0, np.pi, jobs)
    clear_memo()
    service = QiskitRuntimeService(scenario=SCENARIO, think_time=1, new=True)
    backend = service.backend("qpu")
    isa = _circuit(backend)
    t = time.perf_counter()
    with Session(backend=backend) as session:
        sampler = SamplerV2(mode=session)
        for v in values:
            sampler.run([(isa, [v])], shots=SHOTS).result()
    api_s = time.perf_counter() - t

    aer = AerSampler(options={"backend_options": {}, "run_options": {}})
    t = time.perf_counter()
    for i, v in enumerate(values):
        aer.options.run_options["seed_simulator"] = i
        aer.run([(isa, [v])], shots=SHOTS).result()
    direct_s = time.perf_counter() - t
    return {"jobs": jobs, "api_s": api_s, "direct_s": direct_s,
            "per_job_ms": (api_s - direct_s) / jobs * 1e3, "ratio": api_s / direct_s}
