"""Source: Qiskit/documentation docs/guides/run-jobs-session.ipynb (commit 08e88bed61bbd98eadfa77049578cdb6edf8051b)
Section "Usage patterns" (iterative SciPy workload in a session created with the Session class).

Cells used, in order: the setup cell, the hidden setup cell (remove-cell; it provides the imports of
SparsePauliOp, generate_preset_pass_manager, numpy and `backend` that the usage-pattern cell relies on),
and the "Usage patterns" cell.

Changes:
- (a) import line: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` -> `from engine.runtime import (...)` with the same names.
- (b) shrink: `options={"maxiter": 25}` -> `options={"maxiter": 5}`.
- (c) cells joined in the guide's order.
- (d) final print(...) added.
"""

from engine.runtime import (
    QiskitRuntimeService,
    Session,
    SamplerV2 as Sampler,
    EstimatorV2 as Estimator,
)

service = QiskitRuntimeService()

from qiskit.quantum_info import SparsePauliOp
from qiskit.circuit import QuantumCircuit, Parameter
from qiskit.transpiler import generate_preset_pass_manager
import numpy as np

# This cell is hidden from users
service = QiskitRuntimeService()
backend = service.least_busy()

# Define two circuits, each with one parameter with two parameters.
circuit = QuantumCircuit(2)
circuit.h(0)
circuit.cx(0, 1)
circuit.ry(Parameter("a"), 0)
circuit.cx(0, 1)
circuit.h(0)
circuit.measure_all()


pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
transpiled_circuit = pm.run(circuit)
transpiled_circuit_sampler = transpiled_circuit
transpiled_circuit_sampler.measure_all()

# Create parameters and mapped observables to submit
params = np.random.uniform(size=(2, 3)).T
observables = [
    SparsePauliOp(["XX", "IY"], [0.5, 0.5]),
    SparsePauliOp("XX"),
    SparsePauliOp("IY"),
]
mapped_observables = [ [observable.apply_layout(transpiled_circuit.layout)] 
                      for observable in observables]

sampler_pub = (transpiled_circuit_sampler, params)
estimator_pub = (transpiled_circuit_sampler, mapped_observables, params)

from scipy.optimize import minimize
from qiskit.circuit.library import efficient_su2


def cost_func(params, ansatz, hamiltonian, estimator):
    # Return estimate of energy from estimator

    energy = sum(
        estimator.run([(ansatz, hamiltonian, params)])
        .result()[0]
        .data.evs
    )
    return energy


hamiltonian = SparsePauliOp.from_list(
    [("YZ", 0.3980), ("ZI", -0.3980), ("ZZ", -0.0113), ("XX", 0.1810)]
)
su2_ansatz = efficient_su2(hamiltonian.num_qubits)
pm = generate_preset_pass_manager(backend=backend, optimization_level=3)
ansatz = pm.run(su2_ansatz)
mapped_hamiltonian = [operator.apply_layout(ansatz.layout) for operator in hamiltonian]

num_params = ansatz.num_parameters
x0 = 2 * np.pi * np.random.random(num_params)

session = Session(backend=backend)


# If using qiskit-ibm-runtime earlier than 0.24.0, change `mode=` to `session=`
estimator = Estimator(mode=session, options={"default_shots": int(1e4)})
res = minimize(
    cost_func, x0, args=(ansatz, mapped_hamiltonian, estimator), method="cobyla", options={"maxiter": 5}
)

# Close the session because no context manager was used.
session.close()

print(res)
