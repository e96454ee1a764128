"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Sampler examples" / "Run multiple experiments in a single job" (`Sampler(mode=backend)`).

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

rng = np.random.default_rng()
mats = [np.real(random_hermitian(n_qubits, seed=rng)) for _ in range(3)]
circuits = [iqp(mat) for mat in mats]
for circuit in circuits:
    circuit.measure_all()

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuits = pm.run(circuits)

sampler = Sampler(mode=backend)
job = sampler.run(isa_circuits)
result = job.result()

for idx, pub_result in enumerate(result):
    print(
        f" > First ten results for pub {idx}: {pub_result.data.meas.get_bitstrings()[:10]}"
    )
