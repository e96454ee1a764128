"""Source: Qiskit/documentation docs/guides/primitives-examples.ipynb (commit 0355a65d012ea57852184c3c6fabd35349b23819)
Section "Estimator examples" / "Use sessions and advanced options" (`Estimator(mode=session)`,
`estimator.options.resilience_level = 1`, two jobs in one session).

Changes:
- (a) import line: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, EstimatorV2 as Estimator)`
  -> `from engine.runtime import (...)` with the same names.
- (b) shrink: `n_qubits = 50` -> `n_qubits = 4`, and the observable widths that must match it:
  `"X" * 50`, `"Y" * 50` -> `"X" * 4`, `"Y" * 4`.
"""

import numpy as np
from qiskit.circuit.library import iqp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit.quantum_info import SparsePauliOp, random_hermitian
from engine.runtime import (
    QiskitRuntimeService,
    Session,
    EstimatorV2 as Estimator,
)

n_qubits = 4

service = QiskitRuntimeService()
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=n_qubits
)

rng = np.random.default_rng(1234)
mat = np.real(random_hermitian(n_qubits, seed=rng))
circuit = iqp(mat)
mat = np.real(random_hermitian(n_qubits, seed=rng))
another_circuit = iqp(mat)
observable = SparsePauliOp("X" * 4)
another_observable = SparsePauliOp("Y" * 4)

pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
isa_circuit = pm.run(circuit)
another_isa_circuit = pm.run(another_circuit)
isa_observable = observable.apply_layout(isa_circuit.layout)
another_isa_observable = another_observable.apply_layout(
    another_isa_circuit.layout
)

with Session(backend=backend) as session:
    estimator = Estimator(mode=session)

    estimator.options.resilience_level = 1

    job = estimator.run([(isa_circuit, isa_observable)])
    another_job = estimator.run(
        [(another_isa_circuit, another_isa_observable)]
    )
    result = job.result()
    another_result = another_job.result()

    # first job
    print(f" > Expectation value: {result[0].data.evs}")
    print(f" > Metadata: {result[0].metadata}")

    # second job
    print(f" > Another Expectation value: {another_result[0].data.evs}")
    print(f" > More Metadata: {another_result[0].metadata}")
