"""A VQE with the Estimator in a Session, written as the qiskit-ibm-runtime documentation writes it.

Only the import line differs from a script for IBM Quantum; the original reads:
    from qiskit_ibm_runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator
Run from the repository root: python examples/estimator_vqe_session.py
"""

import numpy as np
from qiskit.circuit.library import efficient_su2
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from scipy.optimize import minimize

from engine.runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator

service = QiskitRuntimeService()
backend = service.least_busy(operational=True, simulator=False)

# The hydrogen molecule, reduced to two qubits.
hamiltonian = SparsePauliOp.from_list(
    [("II", -1.052373), ("IZ", 0.397937), ("ZI", -0.397937), ("ZZ", -0.011280), ("XX", 0.180931)]
)
ansatz = efficient_su2(hamiltonian.num_qubits, su2_gates=["ry"], reps=2)

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
ansatz_isa = pm.run(ansatz)
hamiltonian_isa = hamiltonian.apply_layout(layout=ansatz_isa.layout)

cost_history = []


def cost_func(params, ansatz, hamiltonian, estimator):
    pub = (ansatz, [hamiltonian], [params])
    result = estimator.run(pubs=[pub]).result()
    energy = result[0].data.evs[0]
    cost_history.append(energy)
    print(f"iteration {len(cost_history):2d}: energy {energy:+.4f}")
    return energy


x0 = np.zeros(ansatz.num_parameters)
with Session(backend=backend) as session:
    estimator = Estimator(mode=session)
    estimator.options.default_shots = 10000
    res = minimize(
        cost_func, x0, args=(ansatz_isa, hamiltonian_isa, estimator), method="cobyla",
        options={"maxiter": 30},
    )
    print(f"session {session.session_id} on {backend.name}: {session.details()['state']}")

print(f"lowest energy found: {res.fun:.4f} (exact: -1.8573)")
print(f"session usage: {session.usage():.1f} s")
