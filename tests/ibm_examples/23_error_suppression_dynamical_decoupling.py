"""Source: Qiskit/documentation docs/guides/configure-error-suppression.ipynb (commit 05794d2e60962f026ea8788da6b26c7d6766340a)
Section "Advanced error suppression options" (`sampler.options.dynamical_decoupling`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService` and
  `from qiskit_ibm_runtime import SamplerV2 as Sampler` -> `from engine.runtime import ...` with the
  same names.
"""

from engine.runtime import QiskitRuntimeService
from engine.runtime import SamplerV2 as Sampler

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

sampler = Sampler(backend)

# Turn on dynamical decoupling with sequence XpXm.
sampler.options.dynamical_decoupling.enable = True
sampler.options.dynamical_decoupling.sequence_type = "XpXm"

print(
    f">>> dynamical decoupling sequence to use: {sampler.options.dynamical_decoupling.sequence_type}"
)
