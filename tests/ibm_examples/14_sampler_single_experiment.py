"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Sampler examples" / "Run a single experiment" (`Sampler(backend)`, job mode).

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2 as Sampler`
  -> `from engine.runtime import QiskitRuntimeService, SamplerV2 as Sampler`.
- (b) shrink: `n_qubits = 127` -> `n_qubits = 4` (so `min_num_qubits=n_qubits` asks for 4).
"""

import numpy as np
from qiskit.circuit.library import iqp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit.quantum_info import random_hermitian
from engine.runtime import QiskitRuntimeService, SamplerV2 as Sampler

n_qubits = 4

service = QiskitRuntimeService()
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=n_qubits
)

mat = np.real(random_hermitian(n_qubits, seed=1234))
circuit = iqp(mat)
circuit.measure_all()

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuit = pm.run(circuit)

sampler = Sampler(backend)
job = sampler.run([isa_circuit])
result = job.result()

# Get results for the first (and only) PUB
pub_result = result[0]

print(f" > First ten results: {pub_result.data.meas.get_bitstrings()[:10]}")
