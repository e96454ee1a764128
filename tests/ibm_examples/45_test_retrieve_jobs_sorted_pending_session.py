"""Source: Qiskit/qiskit-ibm-runtime test/integration/test_retrieve_job.py (newest stored version,
copyright 2021-2026; index file id 70091055844), class `TestIntegrationRetrieveJob`, tests `test_retrieve_jobs_sorted_by_date`
(`descending=True`), `test_retrieve_pending_jobs` (`pending=True`); and, from an older stored version of the
same file (copyright 2021; index file id 77193120), `test_retrieve_jobs_by_session_id` (`session_id=`).

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
- `wait_for_status` copied verbatim from test/utils.py; its `raise unittest.SkipTest(...)` needs
  `import unittest`, added.
- test_retrieve_pending_jobs: its body is wrapped in `try: ... except unittest.SkipTest as skip:
  print(...)` so that the skip `wait_for_status` raises when the job is no longer RUNNING is reported
  as the test harness reports it (a skip) and the next test still runs.
- older-version test: `@run_integration_test` / `@quantum_only` decorators and the `service` parameter
  dropped; `self.assertTrue(x)` -> `assert x`, `self.assertFalse(x)` -> `assert not x`.
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
import unittest


def wait_for_status(job, status, poll_time=1, time_out=20):
    """Wait for job to reach a certain status."""
    wait_time = 1 if status == "QUEUED" else poll_time
    while job.status() not in ["DONE", "CANCELLED", "ERROR"] and time_out > 0:
        time.sleep(wait_time)
        time_out -= wait_time
    if job.status() != status:
        raise unittest.SkipTest(f"Job {job.job_id()} unable to reach status {status}.")


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


# test_retrieve_jobs_sorted_by_date: """Test retrieving jobs sorted by the date."""
service = QiskitRuntimeService()
job = submit_bell_job(service)
job.wait_for_final_state()
job_2 = submit_bell_job(service)
job_2.wait_for_final_state()
rjobs = service.jobs()
rjobs_desc = service.jobs(descending=True)

# The two jobs just submitted are returned newest first
assert rjobs[0].job_id() == job_2.job_id()
assert rjobs[1].job_id() == job.job_id()
assert [job.job_id() for job in rjobs] == [job.job_id() for job in rjobs_desc]

# test_retrieve_pending_jobs: """Test retrieving pending jobs (QUEUED, RUNNING)."""
try:
    service = QiskitRuntimeService()
    job = submit_bell_job(service)
    wait_for_status(job, "RUNNING")
    rjobs = service.jobs(pending=True)
    after_status = job.status()
    found = False
    for rjob in rjobs:
        if rjob.job_id() == job.job_id():
            assert job.primitive_id == rjob.primitive_id
            found = True
            break

    assert found or after_status == JobStatus.RUNNING
except unittest.SkipTest as skip:
    print(f"test_retrieve_pending_jobs skipped: {skip}")

# test_retrieve_jobs_by_session_id (older version): """Test retrieving jobs by session_id."""
service = QiskitRuntimeService()
rjobs = service.jobs()
rjobs_session_id = service.jobs(session_id="test")
assert rjobs
assert not rjobs_session_id

print(f"sorted/pending/session_id tests passed: {[j.job_id() for j in rjobs]}")
