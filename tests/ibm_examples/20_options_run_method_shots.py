"""Source: Qiskit/documentation docs/guides/specify-runtime-options.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Run() method" (`sampler.options.default_shots`, `run(..., shots=128)`, per-PUB shots).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService` and
  `from qiskit_ibm_runtime import SamplerV2 as Sampler` -> `from engine.runtime import ...` with the
  same names.
- (d) the cell's last bare expression, `sampler.run([(transpiled1, None, 100), (transpiled2, None, 200)])`,
  which the notebook displays, is wrapped in print(...).
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

sampler = Sampler(mode=backend)
# Default shots to use if not specified in run()
sampler.options.default_shots = 500
# Sample two circuits at 128 shots each.
sampler.run([transpiled1, transpiled2], shots=128)

# Sample two circuits with different numbers of shots.
# 100 shots is used for transpiled1 and 200 for transpiled.
print(sampler.run([(transpiled1, None, 100), (transpiled2, None, 200)]))
