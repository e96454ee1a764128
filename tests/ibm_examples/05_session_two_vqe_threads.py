"""Source: Qiskit/documentation docs/guides/run-jobs-session.ipynb (commit 08e88bed61bbd98eadfa77049578cdb6edf8051b)
Section "Run two VQE algorithms in a session by using threading".

Cells used, in order: the setup cell, the hidden setup cell (remove-cell), the "Usage patterns" cell
(it defines cost_func, ansatz, mapped_hamiltonian and x0 that the threading cell uses, and runs one VQE
itself), and the threading cell (two Estimators created without `mode=` inside
`with Session(backend=backend), ThreadPoolExecutor() as executor:`, tagged with
`options.environment.job_tags`).

Changes:
- (a) import lines: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` and `from qiskit_ibm_runtime import EstimatorV2 as Estimator`
  -> `from engine.runtime import ...` with the same names.
- (b) shrink: both `options={"maxiter": 25}` -> `options={"maxiter": 5}`.
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

from concurrent.futures import ThreadPoolExecutor
from engine.runtime import EstimatorV2 as Estimator


def minimize_thread(estimator, method):
    return minimize(
        cost_func, x0, args=(ansatz, mapped_hamiltonian, estimator), method=method, options={"maxiter": 5}
    )


with Session(backend=backend), ThreadPoolExecutor() as executor:
    estimator1 = Estimator()
    estimator2 = Estimator()

    # Use different tags to differentiate the jobs.
    estimator1.options.environment.job_tags = ["cobyla"]
    estimator2.options.environment.job_tags = ["nelder-mead"]

    # Submit the two workloads.
    cobyla_future = executor.submit(minimize_thread, estimator1, "cobyla")
    nelder_mead_future = executor.submit(
        minimize_thread, estimator2, "nelder-mead"
    )

    # Get workload results.
    cobyla_result = cobyla_future.result()
    nelder_mead_result = nelder_mead_future.result()

print(f"single VQE: {res.fun}; cobyla: {cobyla_result.fun}; nelder-mead: {nelder_mead_result.fun}")
