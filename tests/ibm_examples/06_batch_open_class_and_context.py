"""Source: Qiskit/documentation docs/guides/run-jobs-batch.ipynb (commit 0344526915f16021650afa28ae24d7cbebbc81fb)
Sections "Set up to use batches", "Open a batch" (Batch class, Context manager), "Batch length".

Cells used, in order: the setup cell, the "Batch class" cell, the "Context manager" cell, and the
```python block of the "Batch length" markdown cell (runnable as written: its body is `...`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import (QiskitRuntimeService, Batch, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` and `from qiskit_ibm_runtime import (Batch, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` -> `from engine.runtime import (...)` with the same names.
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

from engine.runtime import (
    Batch,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)

backend = service.least_busy(operational=True, simulator=False)
with Batch(backend=backend):
    estimator = Estimator()
    sampler = Sampler()

with Batch(backend=backend, max_time="25m"):
  ...

print(f"Batch class, context manager and max_time forms opened on {backend.name}")
