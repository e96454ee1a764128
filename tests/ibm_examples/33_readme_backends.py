"""Source: Qiskit/qiskit-ibm-runtime README.md (stored version with V2 primitives, file id 2082442005)
Section "Access your IBM Quantum backends".

Changes:
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService`
  -> `from engine.runtime import QiskitRuntimeService`.
"""

from engine.runtime import QiskitRuntimeService
service = QiskitRuntimeService()

# Display all backends you have access.
print(service.backends())

# Get a specific backend.
backend = service.backend('ibm_brisbane')

# Print backend coupling map.
print(backend.coupling_map)
