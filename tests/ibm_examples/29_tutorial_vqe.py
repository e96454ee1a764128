"""Source: Qiskit/documentation docs/tutorials/variational-quantum-eigensolver.ipynb (commit 11bc545ad7ea586a94bb97002842657858f51345)
Tutorial "Variational quantum eigensolver" (Steps 1-4; EstimatorV2 in `with Session(backend=backend)`,
SciPy COBYLA loop).

Cells used, in order: Setup, service/backend, Hamiltonian, ansatz, num_params, ISA circuit,
ISA observable, cost_func, cost_history_dict, x0, x0 display, the session cell, `res`, and the two
post-processing checks.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService, Session` and
  `from qiskit_ibm_runtime import EstimatorV2 as Estimator` -> `from engine.runtime import ...` with the
  same names.
- (b) shrink: `minimize(..., method="cobyla")` runs COBYLA to convergence (146 evaluations in the
  published output); `options={"maxiter": 5}` is added to that call.
- (c) cells joined in the tutorial's order; dropped as display-only: `import matplotlib.pyplot as plt`
  (used only for the plot), the line `ansatz.decompose().draw("mpl", style="iqp")` of the ansatz cell,
  the cell `ansatz_isa.draw(output="mpl", idle_wires=False, style="iqp")`, and the final cost-history
  plot cell.
- (d) the cells whose last line is a bare expression that the notebook displays (`num_params`, `x0`,
  `res`, `all(cost_history_dict["prev_vector"] == res.x)`, `cost_history_dict["iters"] == res.nfev`)
  have it wrapped in print(...).
"""

import numpy as np
from scipy.optimize import minimize

from qiskit.circuit.library import EfficientSU2
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService, Session
from engine.runtime import EstimatorV2 as Estimator

# To run on hardware, select the backend with the fewest number of jobs in the queue
service = QiskitRuntimeService(channel="ibm_quantum")
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=127
)

hamiltonian = SparsePauliOp.from_list(
    [("YZ", 0.3980), ("ZI", -0.3980), ("ZZ", -0.0113), ("XX", 0.1810)]
)

ansatz = EfficientSU2(hamiltonian.num_qubits)

num_params = ansatz.num_parameters
print(num_params)

target = backend.target
pm = generate_preset_pass_manager(target=target, optimization_level=3)

ansatz_isa = pm.run(ansatz)

hamiltonian_isa = hamiltonian.apply_layout(layout=ansatz_isa.layout)


def cost_func(params, ansatz, hamiltonian, estimator):
    """Return estimate of energy from estimator

    Parameters:
        params (ndarray): Array of ansatz parameters
        ansatz (QuantumCircuit): Parameterized ansatz circuit
        hamiltonian (SparsePauliOp): Operator representation of Hamiltonian
        estimator (EstimatorV2): Estimator primitive instance
        cost_history_dict: Dictionary for storing intermediate results

    Returns:
        float: Energy estimate
    """
    pub = (ansatz, [hamiltonian], [params])
    result = estimator.run(pubs=[pub]).result()
    energy = result[0].data.evs[0]

    cost_history_dict["iters"] += 1
    cost_history_dict["prev_vector"] = params
    cost_history_dict["cost_history"].append(energy)
    print(
        f"Iters. done: {cost_history_dict['iters']} [Current cost: {energy}]"
    )

    return energy


cost_history_dict = {
    "prev_vector": None,
    "iters": 0,
    "cost_history": [],
}

x0 = 2 * np.pi * np.random.random(num_params)

print(x0)

with Session(backend=backend) as session:
    estimator = Estimator(mode=session)
    estimator.options.default_shots = 10000

    res = minimize(
        cost_func,
        x0,
        args=(ansatz_isa, hamiltonian_isa, estimator),
        method="cobyla",
        options={"maxiter": 5},
    )

print(res)

print(all(cost_history_dict["prev_vector"] == res.x))

print(cost_history_dict["iters"] == res.nfev)
