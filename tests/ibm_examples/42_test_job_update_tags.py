"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_job.py (newest stored version, copyright
2021-2026; index file id 70218392516), class `TestIntegrationJob`, tests `test_updating_job_tags`
(job tags set through `sampler.options.environment.job_tags`, then `job.update_tags`).

Changes (turning the test methods into a script):
- (a) import line: `from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2` (the import line of
  test/integration/case.py, whose `submit_bell_job` the tests call) -> `from engine.runtime import
  QiskitRuntimeService, SamplerV2`. `from qiskit_ibm_runtime.exceptions import (...)` kept as IBM wrote it.
  Test-harness imports (`from ..decorators ...`, `from ..utils ...`, `from .case ...`) dropped.
- `submit_bell_job` copied from test/integration/case.py (index file id 70392667545) as a module-level
  function: `self` parameter removed; its `self.test_backend` (the fixture's `test_eagle*` backend)
  -> `service.backend("ibm_brisbane")`; `self.to_cancel.append(job)` (tear-down bookkeeping) removed;
  the return annotation `-> RuntimeJobV2` (a TYPE_CHECKING-only import) removed.
- `bell()` copied verbatim from test/utils.py.
- test fixtures: `service = self.service` -> `service = QiskitRuntimeService()`; `self.submit_bell_job(...)`
  -> `submit_bell_job(...)`.
- assertions: `self.assertEqual(a, b)` -> `assert a == b`, `self.assertTrue(x[, msg])` -> `assert x[, msg]`,
  `self.assertIn(a, b)` -> `assert a in b`, `self.assertIsInstance(a, T)` -> `assert isinstance(a, T)`,
  `self.assertFalse(x)` -> `assert not x`, `with self.assertRaises(E): ...` -> try / except E /
  else: raise AssertionError.
- each method body dedented to module level, one after the other, headed by a comment with its name.
- (d) final print(...) added.
"""

from __future__ import annotations

import logging
import random
import time

from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService, SamplerV2
from qiskit_ibm_runtime.exceptions import (
    IBMRuntimeError,
    RuntimeInvalidStateError,
    RuntimeJobNotFound,
)

from qiskit.circuit import QuantumCircuit, QuantumRegister, ClassicalRegister

logger = logging.getLogger(__name__)


def bell():
    """Return a Bell circuit."""
    quantum_register = QuantumRegister(2, name="qr")
    classical_register = ClassicalRegister(2, name="cr")
    quantum_circuit = QuantumCircuit(quantum_register, classical_register, name="bell")
    quantum_circuit.h(quantum_register[0])
    quantum_circuit.cx(quantum_register[0], quantum_register[1])
    quantum_circuit.measure(quantum_register, classical_register)

    return quantum_circuit


def submit_bell_job(
    service: QiskitRuntimeService,
    backend_name: str | None = None,
    job_tags: list[str] | None = None,
):
    """Submit a sampler job running a bell circuit.

    The job is registered for cancellation during teardown.

    Args:
        service: the service to submit the job through.
        backend_name: the name of the backend to use. Defaults to the test backend.
        job_tags: optional tags to set on the job.

    Returns:
        The submitted job. The method does not wait for it to complete.
    """
    logger.debug("Submitting bell job on %s", service.channel)
    backend = service.backend(backend_name) if backend_name else service.backend("ibm_brisbane")
    pm = generate_preset_pass_manager(optimization_level=1, target=backend.target)

    sampler = SamplerV2(mode=backend)
    if job_tags:
        sampler.options.environment.job_tags = job_tags  # type: ignore[union-attr]
    job = sampler.run([pm.run(bell())])

    logger.info("Runtime job %s submitted.", job.job_id())
    return job


# test_updating_job_tags: """Test job metrics."""
service = QiskitRuntimeService()
job = submit_bell_job(service, job_tags=["test_tag123"])
job.wait_for_final_state()
new_job_tag = ["new_test_tag"]
job.update_tags(new_job_tag)
assert job.tags, new_job_tag

print(f"test_updating_job_tags passed: tags {job.tags}")
