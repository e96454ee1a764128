"""Source: Qiskit/documentation docs/guides/run-jobs-batch.ipynb (commit 0344526915f16021650afa28ae24d7cbebbc81fb)
Section "Reconfigure jobs for parallel processing" (partition a list of circuits into batch jobs).

Cells used, in order: the setup cell, the "Batch class" cell (it defines `backend`, which the partition
cell uses), and the partition cell (`Sampler()` created without `mode=` inside `with Batch(...)`).

Note: as published, the circuits are `random_circuit(5, 5)`: not transpiled to the backend's ISA and
without measurements. They are kept as written.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import (QiskitRuntimeService, Batch, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` and `from qiskit_ibm_runtime import SamplerV2 as Sampler, Batch`
  -> `from engine.runtime import ...` with the same names.
- (b) shrink: `max_circuits = 100` -> `max_circuits = 2` (10 circuits in 5 jobs instead of 500 in 5).
- (c) cells joined in the guide's order.
- (d) final print(...) added.
"""

from engine.runtime import (
    QiskitRuntimeService,
    Batch,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)


service = QiskitRuntimeService()

backend = service.least_busy(operational=True, simulator=False)
batch = Batch(backend=backend)
estimator = Estimator(mode=batch)
sampler = Sampler(mode=batch)
# Close the batch because no context manager was used.
batch.close()

from engine.runtime import SamplerV2 as Sampler, Batch
from qiskit.circuit.random import random_circuit

max_circuits = 2
circuits = [random_circuit(5, 5) for _ in range(5 * max_circuits)]
all_partitioned_circuits = []
for i in range(0, len(circuits), max_circuits):
    all_partitioned_circuits.append(circuits[i : i + max_circuits])
jobs = []
start_idx = 0

with Batch(backend=backend):
    sampler = Sampler()
    for partitioned_circuits in all_partitioned_circuits:
        job = sampler.run(partitioned_circuits)
        jobs.append(job)

print(f"submitted {len(jobs)} batch jobs: {[job.job_id() for job in jobs]}")
