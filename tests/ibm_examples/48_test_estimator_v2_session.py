"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_estimator_v2.py (commit
16d19da1b74feebbb821d0500bba4d48f5a6e284, copyright 2024), class `TestEstimatorV2`, test `test_estimator_v2_session`
(three Estimator jobs in `Session(_backend)`, broadcast PUB shapes).

Changes (turning the test method into a script):
- (a) import line: `from qiskit_ibm_runtime import EstimatorV2, Session`
  -> `from engine.runtime import EstimatorV2, Session`; `from qiskit_ibm_runtime.fake_provider import
  FakeAuckland` kept as IBM wrote it. Test-harness import `from ..ibm_test_case import
  IBMIntegrationTestCase` dropped; `QiskitRuntimeService` is imported from engine.runtime for the
  fixture below (the harness imports it from qiskit_ibm_runtime).
- `setUp`: `self._backend = self.service.backend(self.dependencies.qpu)` -> module variable
  `_backend = QiskitRuntimeService().backend("ibm_fez")`; `self._backend` -> `_backend`.
- `_verify_result_type` copied as a module-level function, its `self.assert*` turned into `assert`
  (`assertIsInstance` -> `isinstance`, `assertEqual` -> `==`, `assertTrue(x)` -> `assert x`).
- the method body dedented to module level; `self._verify_result_type(...)` -> `_verify_result_type(...)`.
- (d) final print(...) added.
"""

from unittest import skip

from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
from qiskit.circuit.library import real_amplitudes, IQP
from qiskit.quantum_info import SparsePauliOp

from qiskit.primitives.containers import PrimitiveResult, PubResult, DataBin

from engine.runtime import EstimatorV2, Session
from qiskit_ibm_runtime.fake_provider import FakeAuckland

from engine.runtime import QiskitRuntimeService

# setUp
_backend = QiskitRuntimeService().backend("ibm_fez")


def _verify_result_type(result, num_pubs, shapes):
    """Verify result type."""
    assert isinstance(result, PrimitiveResult)
    assert len(result) == num_pubs
    for idx, pub_result in enumerate(result):
        assert isinstance(pub_result, PubResult)
        assert isinstance(pub_result.data, DataBin)
        assert pub_result.metadata
        assert pub_result.data.evs.shape == shapes[idx]
        assert pub_result.data.stds.shape == shapes[idx]


# test_estimator_v2_session: """Verify correct results are returned"""
pass_mgr = generate_preset_pass_manager(backend=_backend, optimization_level=1)

psi1 = pass_mgr.run(real_amplitudes(num_qubits=2, reps=2))
psi2 = pass_mgr.run(real_amplitudes(num_qubits=2, reps=3))

# pylint: disable=invalid-name
H1 = SparsePauliOp.from_list([("II", 1), ("IZ", 2), ("XI", 3)]).apply_layout(psi1.layout)
H2 = SparsePauliOp.from_list([("IZ", 1)]).apply_layout(psi2.layout)
H3 = SparsePauliOp.from_list([("ZI", 1), ("ZZ", 1)]).apply_layout(psi1.layout)

theta1 = [0, 1, 1, 2, 3, 5]
theta2 = [0, 1, 1, 2, 3, 5, 8, 13]
theta3 = [1, 2, 3, 4, 5, 6]

with Session(_backend) as session:
    estimator = EstimatorV2(mode=session)

    job = estimator.run([(psi1, H1, [theta1])])
    result = job.result()
    _verify_result_type(result, num_pubs=1, shapes=[(1,)])

    job2 = estimator.run([(psi1, [H1, H3], [theta1, theta3]), (psi2, H2, theta2)])
    result2 = job2.result()
    _verify_result_type(result2, num_pubs=2, shapes=[(2,), ()])

    job3 = estimator.run([(psi1, H1, theta1), (psi2, H2, theta2), (psi1, H3, theta3)])
    result3 = job3.result()
    _verify_result_type(result3, num_pubs=3, shapes=[(), (), ()])

print(f"test_estimator_v2_session passed: evs {result[0].data.evs}, {result2[0].data.evs}, {result3[0].data.evs}")
