"""Source: Qiskit/documentation docs/guides/run-jobs-session.ipynb (commit 08e88bed61bbd98eadfa77049578cdb6edf8051b)
Section "Determine session details".

Cells used: the "Determine session details" cell (self-contained).

Changes:
- (a) import line: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, EstimatorV2 as Estimator)`
  -> `from engine.runtime import (...)` with the same names.
"""

from engine.runtime import (
    QiskitRuntimeService,
    Session,
    EstimatorV2 as Estimator,
)

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

with Session(backend=backend) as session:
    print(session.details())
