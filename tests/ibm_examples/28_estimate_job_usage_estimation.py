"""Source: Qiskit/documentation docs/guides/estimate-job-run-time.mdx (commit 0808f269bac58089d708bf372a86153d4f7f454c)
Section "Estimate job run time", tab "Sampler V2" (`job.usage_estimation`).

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2 as Sampler`
  -> `from engine.runtime import QiskitRuntimeService, SamplerV2 as Sampler`.
"""

from qiskit import QuantumCircuit
from engine.runtime import QiskitRuntimeService, SamplerV2 as Sampler
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

service = QiskitRuntimeService()

# Create a new circuit with two qubits (first argument) and two classical
# bits (second argument)
qc = QuantumCircuit(2, 2)

# Add a Hadamard gate to qubit 0
qc.h(0)

# Perform a controlled-X gate on qubit 1, controlled by qubit 0
qc.cx(0, 1)

# Measure qubit 0 to cbit 0, and qubit 1 to cbit 1
qc.measure(0, 0)
qc.measure(1, 1)

# Run on the least-busy system you have access to
backend = service.least_busy(simulator=False,operational=True)

# Generate ISA circuits
pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuit = pm.run(qc)

# Create a Sampler object
sampler = Sampler(backend)

# Submit the circuit to the sampler
job = sampler.run([isa_circuit])

print(job.usage_estimation)
