"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Estimator examples" / "Run a single experiment" (job mode, `Estimator(mode=backend)`).

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, EstimatorV2 as Estimator`
  -> `from engine.runtime import QiskitRuntimeService, EstimatorV2 as Estimator`.
- (b) shrink: `n_qubits = 50` -> `n_qubits = 4` (so `min_num_qubits=n_qubits` asks for 4), and the
  observable width that must match it: `SparsePauliOp("Z" * 50)` -> `SparsePauliOp("Z" * 4)`.
"""

import numpy as np
from qiskit.circuit.library import iqp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit.quantum_info import SparsePauliOp, random_hermitian
from engine.runtime import QiskitRuntimeService, EstimatorV2 as Estimator

n_qubits = 4

service = QiskitRuntimeService()
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=n_qubits
)

mat = np.real(random_hermitian(n_qubits, seed=1234))
circuit = iqp(mat)
observable = SparsePauliOp("Z" * 4)

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuit = pm.run(circuit)
isa_observable = observable.apply_layout(isa_circuit.layout)

estimator = Estimator(mode=backend)
job = estimator.run([(isa_circuit, isa_observable)])
result = job.result()

print(f" > Expectation value: {result[0].data.evs}")
print(f" > Metadata: {result[0].metadata}")
