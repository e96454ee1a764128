"""Source: Qiskit/documentation docs/guides/configure-error-mitigation.ipynb (commit 0290050c1e2efccad980281ec887fe43acf0a8f4)
Sections "Configure Estimator with resilience levels" / "Example" (`options={"resilience_level": 2}`) and
"Custom error settings" (the Estimator tab and the Sampler tab: twirling, measure_mitigation,
dynamical_decoupling).

Cells used, in order: the "Example" code cell, then the ```python blocks of the "Estimator" and
"Sampler" tabs of the "Custom error settings" markdown cell (the Sampler block uses the `backend`
defined by the Estimator block).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService`,
  `from qiskit_ibm_runtime import EstimatorV2 as Estimator` and
  `from qiskit_ibm_runtime import SamplerV2 as Sampler` -> `from engine.runtime import ...` with the
  same names.
- (c) cell and tab blocks joined in the guide's order.
- (d) a print(...) added at the end of the first cell (it has none; the two tab blocks print).
"""

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

# Setting options during primitive initialization
estimator = Estimator(backend, options={"resilience_level": 2})

print(f">>> resilience level: {estimator.options.resilience_level}")

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

estimator = Estimator(backend)
options = estimator.options
# Turn on gate twirling.
options.twirling.enable_gates = True
# Turn on measurement error mitigation.
options.resilience.measure_mitigation = True

print(f">>> gate twirling is turned on: {estimator.options.twirling.enable_gates}")
print(f">>> measurement error mitigation is turned on: {estimator.options.resilience.measure_mitigation}")

from engine.runtime import SamplerV2 as Sampler

# Estimator and Sampler have different options
sampler = Sampler(backend)
options = sampler.options

options.dynamical_decoupling.enable = True
# Turn on gate twirling. Requires qiskit_ibm_runtime 0.23.0 or later.
options.twirling.enable_gates = True

print(f">>> dynamical decoupling is turned on: {sampler.options.dynamical_decoupling.enable}")
print(f">>> gate twirling is turned on: {sampler.options.twirling.enable_gates}")
