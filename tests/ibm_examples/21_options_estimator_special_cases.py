"""Source: Qiskit/documentation docs/guides/specify-runtime-options.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Sections "Special cases" / "Resilience level (Estimator only)", "Maximum execution time"
(`estimator.options.max_execution_time = 2500`), and "Turn off all error mitigation and error
suppression" (`options.resilience_level = 0`).

Cells used, in order: the resilience-level cell, the maximum-execution-time cell and the
turn-off cell (three self-contained cells).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import EstimatorV2, QiskitRuntimeService`,
  `from qiskit_ibm_runtime import QiskitRuntimeService`, `from qiskit_ibm_runtime import EstimatorV2 as
  Estimator` and `from qiskit_ibm_runtime import EstimatorV2 as Estimator, QiskitRuntimeService`
  -> `from engine.runtime import ...` with the same names.
- (c) cells joined in the guide's order.
- (d) a print(...) added at the end of each of the three cells (none of them prints).
"""

from engine.runtime import EstimatorV2, QiskitRuntimeService

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

estimator = EstimatorV2(backend)

estimator.options.default_shots = 100
estimator.options.resilience_level = 0
estimator.options.resilience.zne_mitigation = True

print(
    f"resilience_level={estimator.options.resilience_level}, "
    f"zne_mitigation={estimator.options.resilience.zne_mitigation}, "
    f"default_shots={estimator.options.default_shots}"
)

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

estimator = Estimator(mode=backend)

estimator.options.max_execution_time = 2500

print(f"max_execution_time={estimator.options.max_execution_time}")

from engine.runtime import EstimatorV2 as Estimator, QiskitRuntimeService

# Define the service.  This allows you to access IBM QPU.
service = QiskitRuntimeService()

# Get a backend
backend = service.least_busy(operational=True, simulator=False)

# Define Estimator
estimator = Estimator(backend)

options = estimator.options

# Turn off all error mitigation and suppression
options.resilience_level = 0

print(f"mitigation off: resilience_level={estimator.options.resilience_level}")
