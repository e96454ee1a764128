"""Source: Qiskit/documentation docs/guides/monitor-job.ipynb (commit 0497b8ca55b6f439dc2bebf5120f027d188f1111)
Sections "Retrieve job results at a later time" (`service.jobs(backend_name=my_backend)`) and
"View Sampler execution spans" (`result.metadata["execution"]["execution_spans"]`, `mask`,
`filter_by_pub`, `start`/`stop`/`duration`, `sort`, `size`).

Cells used, in order: all code cells of the guide: the hidden setup cell (remove-cell, "This cell is
hidden from users", which submits a SamplerV2 job with shots=4), the spans cell, the `params` cell,
the `mask` cell, the `service.jobs(backend_name=my_backend)` cell, the BitArray-filter cell, the
`filter_by_pub` cell, the global-information cell and the first-span cell.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2` and
  `from qiskit_ibm_runtime import QiskitRuntimeService` -> `from engine.runtime import ...` with the same
  names.
- (c) cells joined in the guide's order.
- (d) the cells whose last line is a bare expression that the notebook displays (`params`, `mask`,
  `service.jobs(backend_name=my_backend)`, `spans.filter_by_pub([0, 2])`) have it wrapped in print(...).
"""

# This cell is hidden from users
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService, SamplerV2
import numpy as np


my_backend = "ibm_torino"
service = QiskitRuntimeService()
# backend = service.backend(my_backend)
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

params = np.random.uniform(size=(2, 3)).T

sampler_pub = (transpiled_circuit, params)

# Instantiate the new estimator object, then run the transpiled circuit
# using the set of parameters and observables.
sampler = SamplerV2(mode=backend)
job = sampler.run([sampler_pub], shots=4)
print(job.job_id())

result = job.result()


spans = job.result().metadata["execution"]["execution_spans"]
print(spans)

params = np.random.uniform(size=(2, 3))
print(params)

mask = spans[0].mask(0)
print(mask)

from engine.runtime import QiskitRuntimeService

# Initialize the account first.
service = QiskitRuntimeService()
# Use `limit` to retrieve a specific number of jobs. The default `limit` is 10.
print(service.jobs(backend_name=my_backend))

from qiskit.primitives import BitArray

# Get the mask of the 1st PUB for the 0th span.
mask = spans[0].mask(0)

# Decide whether the 0th shot of parameter set (1, 2) occurred in this span.
in_this_span = mask[2, 1, 0]

# Create a new bit array containing only the PUB-1 data collected during this span.
bits = result[0].data.meas
filtered_data = BitArray(bits.array[mask], bits.num_bits)

# take the subset of spans that reference data in PUBs 0 or 2
print(spans.filter_by_pub([0, 2]))

print("Number of execution spans:", len(spans))
print("  Start of the first span:", spans.start)
print("     End of the last span:", spans.stop)
print("       Total duration (s):", spans.duration)

spans.sort()
print(" Start of first span:", spans[0].start)
print("   End of first span:", spans[0].stop)
print("#shots in first span:", spans[0].size)
