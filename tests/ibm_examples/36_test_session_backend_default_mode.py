"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_session.py (newest stored version, copyright
2022-2026; index file id 70115216470), test `TestIntegrationSession.test_session_backend`
(`SamplerV2(mode=session)` and `SamplerV2()` with no mode inside `with Session(...)`).

Changes (turning the test method into a script):
- (a) import line: `from qiskit_ibm_runtime import Batch, EstimatorV2, QiskitRuntimeService, SamplerV2,
  Session` -> `from engine.runtime import Batch, EstimatorV2, QiskitRuntimeService, SamplerV2, Session`.
  `from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMRuntimeError` kept as IBM wrote it.
  The test-harness imports are dropped.
- test fixtures: `service = self.service` -> `service = QiskitRuntimeService()`; `self.dependencies.qpu`
  -> `"ibm_fez"`.
- `bell()` copied verbatim from test/utils.py (Qiskit/qiskit-ibm-runtime).
- the method body is dedented to module level (the test already uses plain `assert`).
- (d) final print(...) added.
"""

from unittest import SkipTest, mock

from qiskit.circuit import IfElseOp
from qiskit.circuit.library import real_amplitudes
from qiskit.primitives import PrimitiveResult
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from engine.runtime import Batch, EstimatorV2, QiskitRuntimeService, SamplerV2, Session
from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMRuntimeError

from qiskit.circuit import QuantumCircuit, QuantumRegister, ClassicalRegister


def bell():
    """Return a Bell circuit."""
    quantum_register = QuantumRegister(2, name="qr")
    classical_register = ClassicalRegister(2, name="cr")
    quantum_circuit = QuantumCircuit(quantum_register, classical_register, name="bell")
    quantum_circuit.h(quantum_register[0])
    quantum_circuit.cx(quantum_register[0], quantum_register[1])
    quantum_circuit.measure(quantum_register, classical_register)

    return quantum_circuit


# test_session_backend: """Test session backend is the correct backend."""
service = QiskitRuntimeService()
backend = service.backend("ibm_fez")

pm = generate_preset_pass_manager(optimization_level=1, target=backend.target)
instruction_name = "test_name"
backend.target.add_instruction(IfElseOp, name=instruction_name)

with Session(backend=backend) as session:
    sampler = SamplerV2(mode=session)
    job = sampler.run([pm.run(bell())])
    assert instruction_name in job.backend().target.operation_names

    sampler2 = SamplerV2()
    job2 = sampler2.run([pm.run(bell())])
    assert instruction_name in job2.backend().target.operation_names

print(f"test_session_backend passed: jobs {job.job_id()} and {job2.job_id()} on {job2.backend().name}")
