"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Sampler examples" / "Use sessions and advanced options" (`Sampler(mode=session)`, two jobs).

Cells used, in order: the session cell and the following "# second job" cell.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import Session, SamplerV2 as Sampler` and
  `from qiskit_ibm_runtime import QiskitRuntimeService` -> `from engine.runtime import ...` with the
  same names.
- (b) shrink: `n_qubits = 127` -> `n_qubits = 4` (so `min_num_qubits=n_qubits` asks for 4).
- (c) the two cells joined in the guide's order.
"""

import numpy as np
from qiskit.circuit.library import iqp
from qiskit.quantum_info import random_hermitian
from qiskit.transpiler import generate_preset_pass_manager
from engine.runtime import Session, SamplerV2 as Sampler
from engine.runtime import QiskitRuntimeService

n_qubits = 4

service = QiskitRuntimeService()
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=n_qubits
)

rng = np.random.default_rng(1234)
mat = np.real(random_hermitian(n_qubits, seed=rng))
circuit = iqp(mat)
circuit.measure_all()
mat = np.real(random_hermitian(n_qubits, seed=rng))
another_circuit = iqp(mat)
another_circuit.measure_all()

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuit = pm.run(circuit)
another_isa_circuit = pm.run(another_circuit)

with Session(backend=backend) as session:
    sampler = Sampler(mode=session)
    job = sampler.run([isa_circuit])
    another_job = sampler.run([another_isa_circuit])
    result = job.result()
    another_result = another_job.result()

# first job

print(
    f" > The first ten measurement results of job 1: {result[0].data.meas.get_bitstrings()[:10]}"
)

# second job
print(
    " > The first ten measurement results of job 2:",
    another_result[0].data.meas.get_bitstrings()[:10],
)
