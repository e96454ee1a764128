"""Source: Qiskit/documentation docs/tutorials/quantum-approximate-optimization-algorithm.ipynb (commit 0290050c1e2efccad980281ec887fe43acf0a8f4)
Tutorial "Quantum approximate optimization algorithm", Part I "Small-scale QAOA" (5-node Max-Cut:
Estimator in `with Session(backend=backend)` with dynamical decoupling and twirling options, SciPy
COBYLA loop, then a final Sampler job in job mode).

Cells used, in order: Setup, the graph cell, the Hamiltonian cell, the QAOAAnsatz cell,
`circuit.parameters`, the transpile cell, initial parameters, cost_func_estimator, the session cell,
the optimized-circuit cell, the Sampler cell, the most-likely-bitstring cell and the cut-value cell.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService`,
  `from qiskit_ibm_runtime import Session, EstimatorV2 as Estimator` and
  `from qiskit_ibm_runtime import SamplerV2 as Sampler` -> `from engine.runtime import ...` with the
  same names.
- (b) shrink: `minimize(..., method="COBYLA", tol=1e-2)` gets `options={"maxiter": 5}` (26 evaluations
  in the published output).
- (c) cells joined in the tutorial's order; dropped as display-only: the imports used only for drawing
  (`import matplotlib`, `import matplotlib.pyplot as plt`,
  `from rustworkx.visualization import mpl_draw as draw_graph`), the lines
  `draw_graph(graph, node_size=600, with_labels=True)`, `circuit.draw("mpl")`,
  `candidate_circuit.draw("mpl", fold=False, idle_wires=False)` and
  `optimized_circuit.draw("mpl", fold=False, idle_wires=False)`, the cost plot cell, the result
  distribution plot cell and the `plot_result` (graph drawing) cell. Part II ("Scale it up!", a
  100-node graph on 100 qubits) is not included (over the 6-qubit limit).
- (d) the cell whose last line is the bare expression `circuit.parameters` has it wrapped in print(...).
"""

import rustworkx as rx
import numpy as np
from scipy.optimize import minimize
from collections import defaultdict
from typing import Sequence


from qiskit.quantum_info import SparsePauliOp
from qiskit.circuit.library import QAOAAnsatz
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService
from engine.runtime import Session, EstimatorV2 as Estimator
from engine.runtime import SamplerV2 as Sampler

n = 5

graph = rx.PyGraph()
graph.add_nodes_from(np.arange(0, n, 1))
edge_list = [
    (0, 1, 1.0),
    (0, 2, 1.0),
    (0, 4, 1.0),
    (1, 2, 1.0),
    (2, 3, 1.0),
    (3, 4, 1.0),
]
graph.add_edges_from(edge_list)


def build_max_cut_paulis(graph: rx.PyGraph) -> list[tuple[str, float]]:
    """Convert the graph to Pauli list.

    This function does the inverse of `build_max_cut_graph`
    """
    pauli_list = []
    for edge in list(graph.edge_list()):
        weight = graph.get_edge_data(edge[0], edge[1])
        pauli_list.append(("ZZ", [edge[0], edge[1]], weight))
    return pauli_list


max_cut_paulis = build_max_cut_paulis(graph)
cost_hamiltonian = SparsePauliOp.from_sparse_list(max_cut_paulis, n)
print("Cost Function Hamiltonian:", cost_hamiltonian)

circuit = QAOAAnsatz(cost_operator=cost_hamiltonian, reps=2)
circuit.measure_all()

print(circuit.parameters)

service = QiskitRuntimeService()
backend = service.least_busy(
    operational=True, simulator=False, min_num_qubits=127
)
print(backend)

# Create pass manager for transpilation
pm = generate_preset_pass_manager(optimization_level=3, backend=backend)

candidate_circuit = pm.run(circuit)

initial_gamma = np.pi
initial_beta = np.pi / 2
init_params = [initial_beta, initial_beta, initial_gamma, initial_gamma]


def cost_func_estimator(params, ansatz, hamiltonian, estimator):
    # transform the observable defined on virtual qubits to
    # an observable defined on all physical qubits
    isa_hamiltonian = hamiltonian.apply_layout(ansatz.layout)

    pub = (ansatz, isa_hamiltonian, params)
    job = estimator.run([pub])

    results = job.result()[0]
    cost = results.data.evs

    objective_func_vals.append(cost)

    return cost


objective_func_vals = []  # Global variable
with Session(backend=backend) as session:
    # If using qiskit-ibm-runtime<0.24.0, change `mode=` to `session=`
    estimator = Estimator(mode=session)
    estimator.options.default_shots = 1000

    # Set simple error suppression/mitigation options
    estimator.options.dynamical_decoupling.enable = True
    estimator.options.dynamical_decoupling.sequence_type = "XY4"
    estimator.options.twirling.enable_gates = True
    estimator.options.twirling.num_randomizations = "auto"

    result = minimize(
        cost_func_estimator,
        init_params,
        args=(candidate_circuit, cost_hamiltonian, estimator),
        method="COBYLA",
        tol=1e-2,
        options={"maxiter": 5},
    )
    print(result)

optimized_circuit = candidate_circuit.assign_parameters(result.x)

# If using qiskit-ibm-runtime<0.24.0, change `mode=` to `backend=`
sampler = Sampler(mode=backend)
sampler.options.default_shots = 10000

# Set simple error suppression/mitigation options
sampler.options.dynamical_decoupling.enable = True
sampler.options.dynamical_decoupling.sequence_type = "XY4"
sampler.options.twirling.enable_gates = True
sampler.options.twirling.num_randomizations = "auto"

pub = (optimized_circuit,)
job = sampler.run([pub], shots=int(1e4))
counts_int = job.result()[0].data.meas.get_int_counts()
counts_bin = job.result()[0].data.meas.get_counts()
shots = sum(counts_int.values())
final_distribution_int = {key: val / shots for key, val in counts_int.items()}
final_distribution_bin = {key: val / shots for key, val in counts_bin.items()}
print(final_distribution_int)


# auxiliary functions to sample most likely bitstring
def to_bitstring(integer, num_bits):
    result = np.binary_repr(integer, width=num_bits)
    return [int(digit) for digit in result]


keys = list(final_distribution_int.keys())
values = list(final_distribution_int.values())
most_likely = keys[np.argmax(np.abs(values))]
most_likely_bitstring = to_bitstring(most_likely, len(graph))
most_likely_bitstring.reverse()

print("Result bitstring:", most_likely_bitstring)


def evaluate_sample(x: Sequence[int], graph: rx.PyGraph) -> float:
    assert len(x) == len(
        list(graph.nodes())
    ), "The length of x must coincide with the number of nodes in the graph."
    return sum(
        x[u] * (1 - x[v]) + x[v] * (1 - x[u])
        for u, v in list(graph.edge_list())
    )


cut_value = evaluate_sample(most_likely_bitstring, graph)
print("The value of the cut is:", cut_value)
