"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_retrieve_job.py (newest stored version,
copyright 2021-2026; index file id 70091055844), class `TestIntegrationRetrieveJob`, tests `test_retrieve_jobs_limit`
(`limit`, `program_id`), `test_retrieve_jobs_by_job_tags` (`job_tags`), `test_jobs_filter_by_date`
(`created_before`, `created_after`, `pending`, `limit`), `test_retrieve_jobs_backend` (`backend_name`).

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
- the test module's own imports `from datetime import datetime, timedelta, timezone` and
  `from qiskit.providers.jobstatus import JobStatus` are kept.
- test fixture in test_retrieve_jobs_backend: `self.test_backend.name` -> `"ibm_brisbane"` (the backend
  `submit_bell_job` uses by default).
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
from datetime import datetime, timedelta, timezone
from qiskit.providers.jobstatus import JobStatus

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


# test_retrieve_jobs_limit: """Test retrieving jobs with limit."""
service = QiskitRuntimeService()
jobs = []
for _ in range(3):
    jobs.append(submit_bell_job(service))

rjobs = service.jobs(limit=2, program_id="sampler")
assert len(rjobs) == 2

# test_retrieve_jobs_by_job_tags: """Test retrieving jobs by job_tags."""
service = QiskitRuntimeService()
job_tags = ["job_tag_test"]
job = submit_bell_job(service, job_tags=job_tags)
job.wait_for_final_state()
rjobs = service.jobs(job_tags=job_tags)
assert job.job_id() in [j.job_id() for j in rjobs]
rjobs = service.jobs(job_tags=["no_test_tag"])
assert not rjobs

# test_jobs_filter_by_date: """Test retrieving jobs by creation date."""
service = QiskitRuntimeService()
current_time = datetime.now(timezone.utc) - timedelta(minutes=1)
job = submit_bell_job(service)
job.wait_for_final_state()
time_after_job = datetime.now(timezone.utc) + timedelta(minutes=1)
rjobs = service.jobs(
    created_before=time_after_job, created_after=current_time, pending=False, limit=20
)
assert job.job_id() in [j.job_id() for j in rjobs]
for job in rjobs:
    assert job.creation_date <= time_after_job
    assert job.creation_date >= current_time

# test_retrieve_jobs_backend: """Test retrieving jobs with backend filter."""
service = QiskitRuntimeService()
backend_name = "ibm_brisbane"
jobs = service.jobs(backend_name=backend_name)
for job in jobs:
    assert backend_name == job.backend().name

print(f"filter tests passed: {len(jobs)} jobs on {backend_name}")
