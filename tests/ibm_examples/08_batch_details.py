"""Source: Qiskit/documentation docs/guides/run-jobs-batch.ipynb (commit 0344526915f16021650afa28ae24d7cbebbc81fb)
Section "Determine batch details".

Cells used, in order: the setup cell (it imports `Batch`, which the details cell uses without importing
it) and the "Determine batch details" cell.

Note: IBM's details cell imports the lowercase name `batch` (`from qiskit_ibm_runtime import
(QiskitRuntimeService, batch, SamplerV2 as Sampler)`); in qiskit_ibm_runtime that name is the
submodule `qiskit_ibm_runtime.batch`. It is kept as written.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import (QiskitRuntimeService, Batch, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` and `from qiskit_ibm_runtime import (QiskitRuntimeService, batch,
  SamplerV2 as Sampler)` -> `from engine.runtime import (...)` with the same names.
- (c) cells joined in the guide's order.
"""

from engine.runtime import (
    QiskitRuntimeService,
    Batch,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)


service = QiskitRuntimeService()

from engine.runtime import (
    QiskitRuntimeService,
    batch,
    SamplerV2 as Sampler,
)

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

with Batch(backend=backend) as batch:
    print(batch.details())
