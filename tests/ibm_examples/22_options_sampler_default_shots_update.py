"""Source: Qiskit/documentation docs/guides/specify-runtime-options.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Commonly used options" / "Shots" (options dict at initialization, attribute form, and
`sampler.options.update(default_shots=1024, dynamical_decoupling={"sequence_type": "XpXm"})`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService` and
  `from qiskit_ibm_runtime import SamplerV2 as Sampler` -> `from engine.runtime import ...` with the
  same names.
- (d) the cell's last bare expression, `sampler.run([transpiled1, transpiled2], shots=128)`, which the
  notebook displays, is wrapped in print(...).
"""

from engine.runtime import QiskitRuntimeService
from engine.runtime import SamplerV2 as Sampler
from qiskit.circuit.library import random_iqp
from qiskit.transpiler import generate_preset_pass_manager

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

circuit1 = random_iqp(3)
circuit1.measure_all()
circuit2 = random_iqp(3)
circuit2.measure_all()

pass_manager = generate_preset_pass_manager(
    optimization_level=3, backend=backend
)

transpiled1 = pass_manager.run(circuit1)
transpiled2 = pass_manager.run(circuit2)


# Setting shots during primitive initialization
sampler = Sampler(mode=backend, options={"default_shots": 4096})

# Setting options after primitive initialization
# This uses auto-complete.
sampler.options.default_shots = 2000

# This does bulk update.  The value for default_shots is overridden if you specify shots with run() or in the PUB.
sampler.options.update(
    default_shots=1024, dynamical_decoupling={"sequence_type": "XpXm"}
)

# Sample two circuits at 128 shots each.
print(sampler.run([transpiled1, transpiled2], shots=128))
