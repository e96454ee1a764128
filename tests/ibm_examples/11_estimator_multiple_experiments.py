"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Estimator examples" / "Run multiple experiments in a single job" (`Estimator(backend)`).

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, EstimatorV2 as Estimator`
  -> `from engine.runtime import QiskitRuntimeService, EstimatorV2 as Estimator`.
- (b) shrink: `n_qubits = 50` -> `n_qubits = 4`, and the observable widths that must match it:
  `"X" * 50`, `"Y" * 50`, `"Z" * 50` -> `"X" * 4`, `"Y" * 4`, `"Z" * 4`.
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

rng = np.random.default_rng()
mats = [np.real(random_hermitian(n_qubits, seed=rng)) for _ in range(3)]

pubs = []
circuits = [iqp(mat) for mat in mats]
observables = [
    SparsePauliOp("X" * 4),
    SparsePauliOp("Y" * 4),
    SparsePauliOp("Z" * 4),
]

# Get ISA circuits
pm = generate_preset_pass_manager(optimization_level=1, backend=backend)

for qc, obs in zip(circuits, observables):
    isa_circuit = pm.run(qc)
    isa_obs = obs.apply_layout(isa_circuit.layout)
    pubs.append((isa_circuit, isa_obs))

estimator = Estimator(backend)
job = estimator.run(pubs)
job_result = job.result()

for idx in range(len(pubs)):
    pub_result = job_result[idx]
    print(f">>> Expectation values for PUB {idx}: {pub_result.data.evs}")
    print(f">>> Standard errors for PUB {idx}: {pub_result.data.stds}")
