"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_session.py (newest stored version, copyright
2022-2026; index file id 70115216470), test `TestIntegrationSession.test_estimator_sampler`.

Changes (turning the test method into a script):
- (a) import line: `from qiskit_ibm_runtime import Batch, EstimatorV2, QiskitRuntimeService, SamplerV2,
  Session` -> `from engine.runtime import Batch, EstimatorV2, QiskitRuntimeService, SamplerV2, Session`.
  `from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMRuntimeError` kept as IBM wrote it.
  The test-harness imports (`from ..utils import bell`, `from .case import IBMIntegrationTestCase`,
  `from .test_account import ...`) are dropped.
- test fixtures: `service = self.service` -> `service = QiskitRuntimeService()` (the fixture builds the
  service from the QISKIT_IBM_* environment credentials); `self.dependencies.qpu` (the QPU name from
  QISKIT_IBM_QPU) -> `"ibm_fez"`.
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


# test_estimator_sampler: """Test calling both estimator and sampler."""
service = QiskitRuntimeService()
backend = service.backend("ibm_fez")

pm = generate_preset_pass_manager(optimization_level=1, target=backend.target)
psi1 = pm.run(real_amplitudes(num_qubits=2, reps=2))

H1 = SparsePauliOp.from_list([("II", 1), ("IZ", 2), ("XI", 3)]).apply_layout(psi1.layout)
theta1 = [0, 1, 1, 2, 3, 5]

with Session(backend=backend) as session:
    estimator = EstimatorV2(mode=session)
    result = estimator.run([(psi1, H1, [theta1])]).result()
    assert isinstance(result, PrimitiveResult)

    sampler = SamplerV2(mode=session)
    result = sampler.run([pm.run(bell())]).result()
    assert isinstance(result, PrimitiveResult)

    result = estimator.run([(psi1, H1, [theta1])]).result()
    assert isinstance(result, PrimitiveResult)
    assert result[0].metadata["shots"] == 4096

    result = sampler.run([pm.run(bell())]).result()
    assert isinstance(result, PrimitiveResult)
    session.close()

print(f"test_estimator_sampler passed: last counts {result[0].data.cr.get_counts()}")
