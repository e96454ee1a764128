"""Source: Qiskit/documentation docs/guides/specify-runtime-options.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Set primitive options" / "Primitive initialization" ("Options class" and "Dictionary").

Cells used, in order: the "Options class" cell (EstimatorOptions built with keyword dicts, then by
attributes) and the "Dictionary" cell (options passed as a dict to `Estimator(backend, options=...)`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService` and
  `from qiskit_ibm_runtime import EstimatorV2 as Estimator` -> `from engine.runtime import ...` with the
  same names. `from qiskit_ibm_runtime.options import EstimatorOptions` is kept as IBM wrote it.
- (c) cells joined in the guide's order.
- (d) final print(...) added.
"""

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator
from qiskit_ibm_runtime.options import EstimatorOptions

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

options = EstimatorOptions(
    resilience_level=2,
    resilience={"zne_mitigation": True, "zne": {"noise_factors": [1, 3, 5]}},
)

# or...
options = EstimatorOptions()
options.resilience_level = 2
options.resilience.zne_mitigation = True
options.resilience.zne.noise_factors = [1, 3, 5]

estimator = Estimator(mode=backend, options=options)

from engine.runtime import QiskitRuntimeService
from engine.runtime import EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

# Setting options during primitive initialization
estimator = Estimator(
    backend,
    options={
        "resilience_level": 2,
        "resilience": {
            "zne_mitigation": True,
            "zne": {"noise_factors": [1, 3, 5]},
        },
    },
)

print(
    f"resilience_level={estimator.options.resilience_level}, "
    f"zne_mitigation={estimator.options.resilience.zne_mitigation}, "
    f"noise_factors={estimator.options.resilience.zne.noise_factors}"
)
