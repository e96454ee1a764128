"""Source: Qiskit/documentation docs/guides/specify-runtime-options.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Update options after initialization" (attribute form and bulk `options.update(...)`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService` and
  `from qiskit_ibm_runtime import EstimatorV2 as Estimator` -> `from engine.runtime import ...` with the
  same names.
- (d) final print(...) added.
"""

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

estimator = Estimator(mode=backend)

# Setting options after primitive initialization
# This uses auto-complete.
estimator.options.default_shots = 4000
# This does bulk update.
estimator.options.update(
    default_shots=4000, resilience={"zne_mitigation": True}
)

print(
    f"default_shots={estimator.options.default_shots}, "
    f"zne_mitigation={estimator.options.resilience.zne_mitigation}"
)
