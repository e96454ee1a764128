"""Source: Qiskit/documentation docs/guides/run-jobs-session.ipynb (commit 08e88bed61bbd98eadfa77049578cdb6edf8051b)
Section "End a session" / "Close a session".

Cells used, in order: the setup cell, the hidden setup cell (tagged remove-cell, "This cell is hidden
from users", which builds the PUBs), the context-manager cell (job1/job2 with `Estimator()` and
`Sampler()` created without `mode=` inside `with Session(...)`), and the manual `session.close()` cell.

Changes:
- (a) import line: `from qiskit_ibm_runtime import (QiskitRuntimeService, Session, SamplerV2 as Sampler,
  EstimatorV2 as Estimator)` -> `from engine.runtime import (...)` with the same names.
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

with Session(backend=backend) as session:
    estimator = Estimator()
    sampler = Sampler()
    job1 = estimator.run([estimator_pub])
    job2 = sampler.run([sampler_pub])

# The session is no longer accepting jobs but the submitted job will run to completion.
result = job1.result()
result2 = job2.result()

session = Session(backend=backend)

# If using qiskit-ibm-runtime earlier than 0.24.0, change `mode=` to `session=`
estimator = Estimator(mode=session)
sampler = Sampler(mode=session)
job1 = estimator.run([estimator_pub])
job2 = sampler.run([sampler_pub])
print(f"Result1: {job1.result()}")
print(f"Result2: {job2.result()}")

# Manually close the session. Running and queued jobs will run to completion.
session.close()

print(f"context-manager results: {result[0].data.evs.shape}, {result2[0].data.meas.num_shots} shots")
