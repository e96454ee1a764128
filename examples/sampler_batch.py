"""Sampler jobs in a Batch, written as the qiskit-ibm-runtime documentation writes them.

Only the import line differs from a script for IBM Quantum; the original reads:
    from qiskit_ibm_runtime import QiskitRuntimeService, Batch, SamplerV2 as Sampler
Run from the repository root: python examples/sampler_batch.py
"""

from qiskit.circuit.random import random_circuit
from qiskit.transpiler import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService, Batch, SamplerV2 as Sampler

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

circuits = [random_circuit(num_qubits=4, depth=4, measure=True, seed=i) for i in range(12)]
pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuits = pm.run(circuits)

max_circuits = 4
all_partitioned_circuits = []
for i in range(0, len(isa_circuits), max_circuits):
    all_partitioned_circuits.append(isa_circuits[i : i + max_circuits])

jobs = []
with Batch(backend=backend) as batch:
    sampler = Sampler(mode=batch)
    for partitioned_circuits in all_partitioned_circuits:
        job = sampler.run(partitioned_circuits)
        jobs.append(job)

for job in jobs:
    result = job.result()
    counts = result[0].data.c.get_counts()
    top = max(counts, key=counts.get)
    print(f"job {job.job_id()} ({job.status()}): {len(result)} circuits; first circuit's "
          f"most frequent outcome {top} ({counts[top]} of {sum(counts.values())} shots)")
