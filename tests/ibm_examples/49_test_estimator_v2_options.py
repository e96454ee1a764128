"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_estimator_v2.py (commit
16d19da1b74feebbb821d0500bba4d48f5a6e284, copyright 2024), class `TestEstimatorV2`, test `test_estimator_v2_options`
(default_precision, default_shots, resilience/zne/layer_noise_learning/measure_noise_learning, execution
init_qubits and rep_delay, twirling, environment job_tags as a dict).

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
- `self.id()` (the unittest id of the running test) -> its value, the string
  "test.integration.test_estimator_v2.TestEstimatorV2.test_estimator_v2_options".
- `self.assertEqual(result[0].metadata["shots"], 1600)` -> `assert result[0].metadata["shots"] == 1600`.
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


# test_estimator_v2_options: """Test V2 Estimator with different options."""
pass_mgr = generate_preset_pass_manager(backend=_backend, optimization_level=1)

circuit = pass_mgr.run(IQP([[6, 5, 3], [5, 4, 5], [3, 5, 1]]))
observable = SparsePauliOp("X" * circuit.num_qubits)

estimator = EstimatorV2(mode=_backend)
estimator.options.default_precision = 0.05
estimator.options.default_shots = 400
estimator.options.resilience_level = 1
estimator.options.seed_estimator = 42
estimator.options.resilience.measure_mitigation = True
estimator.options.resilience.zne_mitigation = True
estimator.options.resilience.zne.amplifier = "gate_folding_back"
estimator.options.resilience.zne.noise_factors = [3, 5]
estimator.options.resilience.zne.extrapolator = "linear"
estimator.options.resilience.pec_mitigation = False
estimator.options.resilience.layer_noise_learning.max_layers_to_learn = 10
estimator.options.resilience.layer_noise_learning.shots_per_randomization = 64
estimator.options.resilience.layer_noise_learning.num_randomizations = 16
estimator.options.resilience.layer_noise_learning.layer_pair_depths = [0, 1, 2, 4]
estimator.options.resilience.measure_noise_learning.num_randomizations = 32
estimator.options.resilience.measure_noise_learning.shots_per_randomization = 100
estimator.options.execution.init_qubits = True
estimator.options.execution.rep_delay = 0.00025
estimator.options.twirling.enable_gates = True
estimator.options.twirling.enable_measure = True
estimator.options.twirling.strategy = "active"
estimator.options.twirling.num_randomizations = 16
estimator.options.twirling.shots_per_randomization = 100
estimator.options.environment = {"job_tags": [".".join("test.integration.test_estimator_v2.TestEstimatorV2.test_estimator_v2_options".split(".")[-2:])]}

job = estimator.run([(circuit, observable)])
result = job.result()
_verify_result_type(result, num_pubs=1, shapes=[()])
assert result[0].metadata["shots"] == 1600

print(f"test_estimator_v2_options passed: evs {result[0].data.evs}, metadata {result[0].metadata}")
