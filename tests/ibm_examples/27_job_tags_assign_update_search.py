"""Source: Qiskit/documentation docs/guides/add-job-tags.ipynb (commit 0290050c1e2efccad980281ec887fe43acf0a8f4)
Sections "Assign tags" (`sampler.options.environment.job_tags`), "Add and update tags"
(`job.update_tags(...)`), "Retrieve jobs by tag" (`service.jobs(job_tags=[...])`).

Note: IBM imports `Sampler` (not `SamplerV2`) from qiskit_ibm_runtime here; kept as written.

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, Sampler`
  -> `from engine.runtime import QiskitRuntimeService, Sampler`.
- (c) cells joined in the guide's order.
- (d) the last cell's bare expression `service.jobs(job_tags=["experiment-2025", "sampler-example"])`,
  which the notebook displays, is wrapped in print(...).
"""

from engine.runtime import QiskitRuntimeService, Sampler
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

service = QiskitRuntimeService()
backend = service.least_busy(simulator=False, operational=True)

qc = QuantumCircuit(2)
qc.h(0)
qc.cx(0, 1)
qc.measure_all()

sampler = Sampler(backend)

pm = generate_preset_pass_manager(backend=backend, optimization_level=1)
isa_circuit = pm.run(qc)

# Assign tags before executing
sampler.options.environment.job_tags = ["experiment-2025", "sampler-example"]

# Submit
job = sampler.run([isa_circuit])

print(service.job(job.job_id()).tags)

# Add a new tag while keeping the previously assigned tags
job.update_tags(["experiment-2025", "sampler-example", "127-qubit"])

# Confirm updated tags
print(job.tags)

# List jobs with a specific tag or set of tags

print(service.jobs(job_tags=["experiment-2025", "sampler-example"]))
