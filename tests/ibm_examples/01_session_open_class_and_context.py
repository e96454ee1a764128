"""Source: Qiskit/documentation docs/guides/run-jobs-session.ipynb (commit 08e88bed61bbd98eadfa77049578cdb6edf8051b)
Sections "Set up to use sessions", "Open a session" (Session class, Context manager), "Session length".

Cells used, in order: the setup cell, the "Session class" cell, the "Context manager" cell, and the
```python block of the "Session length" markdown cell (runnable as written: its body is `...`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` and `from qiskit_ibm_runtime import (Session, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` -> `from engine.runtime import (...)` with the same names.
- (c) cells joined in the guide's order.
- (d) final print(...) added.
"""

from engine.runtime import (
    QiskitRuntimeService,
    Session,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)

service = QiskitRuntimeService()

backend = service.least_busy(operational=True, simulator=False)
session = Session(backend=backend)
estimator = Estimator(mode=session)
sampler = Sampler(mode=session)
# Close the session because no context manager was used.
session.close()

from engine.runtime import (
    Session,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)

backend = service.least_busy(operational=True, simulator=False)
with Session(backend=backend):
    estimator = Estimator()
    sampler = Sampler()

with Session(backend=backend, max_time="25m"):
  ...

print(f"Session class, context manager and max_time forms opened on {backend.name}")
