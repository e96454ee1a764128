"""A job handle: the client's ``RuntimeJobV2``, its calls answered by the simulation.

Observing a job moves the simulated clock (engine/runtime/clock.py): every call happens at the
calling thread's local time, ``result()`` and ``wait_for_final_state()`` let the clock run until
the job is final (or their ``timeout``, in simulated seconds, passes), and asking a job's status
again after seeing it lets the clock run until the status changes, which is what a polling loop
is waiting for. So IBM's wait loops end, at the simulated instant the job really finished.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Optional

import qiskit_ibm_runtime as _ibm
from qiskit.primitives import PrimitiveResult
from qiskit.primitives.containers import PubResult, SamplerPubResult
from qiskit_ibm_runtime.exceptions import (IBMApiError, RuntimeInvalidStateError,
                                           RuntimeJobFailureError, RuntimeJobMaxTimeoutError,
                                           RuntimeJobTimeoutError)
from qiskit_ibm_runtime.execution_span import ExecutionSpans, SliceSpan

from ..execution import estimator_shots
from ..kernel import seconds, ticks
from ..model import ScenarioError

logger = logging.getLogger(__name__)

# The simulation's statuses in the client's vocabulary (qiskit_ibm_runtime's JobStatus).
STATUS = {"pending": "INITIALIZING", "queued": "QUEUED", "running": "RUNNING",
          "completed": "DONE", "failed": "ERROR", "rejected": "ERROR",
          "cancelled": "CANCELLED"}


class RuntimeJobV2(_ibm.RuntimeJobV2):
    """A job of the simulated data center (a subclass of the client's ``RuntimeJobV2``)."""

    def __init__(self, service, job):
        self._service = service
        self._dc = service._dc
        self._job = job
        self._job_id = job.id
        self._seen: dict = {}   # thread -> the status this handle last reported to it

    def __repr__(self) -> str:
        return f"<RuntimeJobV2('{self._job.id}', '{self.primitive_id}')>"

    def __eq__(self, other) -> bool:
        return isinstance(other, RuntimeJobV2) and other._job is self._job

    def __hash__(self) -> int:
        return hash(self._job.id)

    # ---------------------------------------------------------------- identity

    def job_id(self) -> str:
        return self._job.id

    @property
    def _info(self):
        return self._dc.infos.get(self._job.id)

    @property
    def session_id(self) -> Optional[str]:
        return self._job.session

    @property
    def primitive_id(self) -> str:
        info = self._info
        return info.program_id if info is not None else "unknown"

    @property
    def creation_date(self):
        """When it was submitted, in local time (as the client gives it)."""
        return self._dc.stamp(self._job.submit_time).astimezone()

    @property
    def tags(self) -> list:
        info = self._info
        return list(info.tags) if info is not None else []

    def update_tags(self, new_tags: list) -> list:
        if not isinstance(new_tags, (list, tuple)) or not all(
                isinstance(t, str) for t in new_tags):
            raise _ibm.IBMInputValueError(f"new_tags: give a list of strings, not {new_tags!r}")
        info = self._info
        if info is None:
            raise IBMApiError(f"job {self._job.id} has no tags to update")
        info.tags = list(new_tags)
        return list(new_tags)

    @property
    def inputs(self) -> dict:
        info = self._info
        return dict(info.inputs) if info is not None else {}

    @property
    def private(self) -> bool:
        info = self._info
        return bool(info and info.private)

    @property
    def image(self) -> str:
        return ""

    @property
    def instance(self) -> Optional[str]:
        return self._service.active_instance()

    @property
    def usage_estimation(self) -> dict:
        """``quantum_seconds``: the QPU time the timing model gives the job (its QPU stage)."""
        job = self._job
        if job.start_tick is not None:
            return {"quantum_seconds": seconds(job.run_ticks)}
        compile_ = 0 if self._dc.sim._compile_classical else job.compile_ticks
        return {"quantum_seconds": seconds(job.duration_ticks + compile_)}

    def backend(self, timeout: Optional[float] = None):
        return self._service.backend(self._job.backend)

    def properties(self, refresh: bool = False):
        props = getattr(self.backend(), "properties", None)
        return props() if callable(props) else None

    # ---------------------------------------------------------------- status and time

    def status(self) -> str:
        """The job's status. Asked again after being seen, it lets the clock run until the
        status changes (a polling loop is waiting for that)."""
        clock = self._dc.clock
        with clock.call() as c:
            job = self._job
            me = threading.get_ident()
            seen = self._seen.get(me)
            if seen is not None and STATUS[job.status] == seen and not job.terminal:
                clock.wait_for(c, lambda: STATUS[job.status] != seen)
            self._seen[me] = STATUS[job.status]
            return self._seen[me]

    def done(self) -> bool:
        return self.status() == "DONE"

    def running(self) -> bool:
        return self.status() == "RUNNING"

    def cancelled(self) -> bool:
        return self.status() == "CANCELLED"

    def errored(self) -> bool:
        return self.status() == "ERROR"

    def in_final_state(self) -> bool:
        return self.status() in self.JOB_FINAL_STATES

    def _wait_final(self, timeout: Optional[float]) -> None:
        if timeout is not None and (isinstance(timeout, bool)
                                    or not isinstance(timeout, (int, float))
                                    or not timeout >= 0):
            raise _ibm.IBMInputValueError(f"timeout: give seconds >= 0, not {timeout!r}")
        clock = self._dc.clock
        with clock.call() as c:
            job = self._job
            until = None if timeout is None or timeout > 1e9 else \
                self._dc.sim.env._now + ticks(timeout)       # beyond 30 years: no timeout
            clock.wait_for(c, lambda: job.terminal, until=until)
            self._seen[threading.get_ident()] = STATUS[job.status]
            if not job.terminal:
                raise RuntimeJobTimeoutError(
                    f"Timed out waiting for job to complete after {timeout} secs.")

    def wait_for_final_state(self, timeout: Optional[float] = None,
                             poll_interval: Optional[float] = None) -> None:
        """Let the clock run until the job is final; ``timeout`` in simulated seconds."""
        self._wait_final(timeout)

    def error_message(self) -> Optional[str]:
        job = self._job
        if job.status in ("failed", "rejected"):
            return f"Job {job.id} {job.status}: {job.reason}"
        if job.status == "cancelled":
            return f"Job {job.id} was cancelled: {job.reason}" if job.reason else \
                f"Job {job.id} was cancelled."
        return None

    def result(self, timeout: Optional[float] = None, decoder=None,
               poll_interval: Optional[float] = None):
        """The job's ``PrimitiveResult``, once the clock has reached its end."""
        self._wait_final(timeout)
        job = self._job
        if job.status in ("failed", "rejected"):
            message = f"Unable to retrieve job result. {self.error_message()}"
            if "max execution time" in (job.reason or ""):
                raise RuntimeJobMaxTimeoutError(message)
            raise RuntimeJobFailureError(message)
        if job.status == "cancelled":
            raise RuntimeInvalidStateError(
                f"Unable to retrieve result for job {job.id}. Job was cancelled.")
        info = self._info
        if info is None:
            raise RuntimeJobFailureError(f"Unable to retrieve job result. Job {job.id} has no "
                                         f"circuits (background load)")
        if info.result is None:
            info.result = self._with_ibm_metadata(job.result)
        return info.result

    def _with_ibm_metadata(self, aer) -> PrimitiveResult:
        """Aer's result with what IBM's adds: execution spans (the QPU stage, as datetimes) in
        ``metadata["execution"]``, and each Estimator PUB's shots."""
        job = self._job
        start = self._dc.stamp(seconds(job.qpu_start_tick))
        stop = self._dc.stamp(seconds(job.end_tick))
        pubs = []
        slices = {}
        for i, (pub, res) in enumerate(zip(job.work.pubs, aer)):
            meta = dict(res.metadata)
            meta.pop("simulator_metadata", None)
            if job.work.primitive == "estimator":
                meta["shots"] = estimator_shots(job.work, pub)
                meta.setdefault("target_precision", pub.precision)
                pubs.append(PubResult(res.data, meta))
                shape = tuple(res.data.evs.shape) if hasattr(res.data, "evs") else ()
            else:
                pubs.append(SamplerPubResult(res.data, meta))
                shape = tuple(pub.parameter_values.shape) + (pub.shots,)
            size = math.prod(shape) if shape else 1
            slices[i] = (shape, slice(0, size))
        spans = ExecutionSpans([SliceSpan(start, stop, slices)])
        return PrimitiveResult(pubs, metadata={"execution": {"execution_spans": spans},
                                               "version": 2})

    def cancel(self) -> None:
        with self._dc.clock.call():
            if self._job.terminal:
                raise RuntimeInvalidStateError(
                    f"Job cannot be cancelled: job {self._job.id} is already "
                    f"{STATUS[self._job.status]}")
            self._dc.sim.cancel_job(self._job)
            self._dc.sim.settle()

    # ---------------------------------------------------------------- usage and metrics

    def usage(self, partial: bool = False) -> float:
        """Quantum seconds the job used: its QPU stage (R19), not its time "In progress";
        0 until it is final unless ``partial``."""
        with self._dc.clock.call():
            job = self._job
            if not job.terminal and not partial:
                return 0
            if job.qpu_start_tick is not None and job.end_tick is None:
                return seconds(self._dc.sim.env._now - job.qpu_start_tick)
            return seconds(job.usage_ticks)

    def metrics(self) -> dict:
        """The keys of the client's ``metrics()``; timestamps as ISO strings (UTC)."""
        dc = self._dc
        with dc.clock.call():
            j = self._job
            used = seconds(j.usage_ticks) if j.terminal else 0
            out = {"timestamps": {"created": dc.iso(j.submit_time),
                                  "running": dc.iso(j.start_time),
                                  "finished": dc.iso(j.finished_at)},
                   "bss": {"seconds": used},
                   "usage": {"quantum_seconds": used, "seconds": used},
                   "executions": len(j.work.pubs) if j.work is not None else 0,
                   "num_circuits": len(j.work.pubs) if j.work is not None else 0,
                   "qiskit_version": _versions(),
                   "estimated_start_time": None, "estimated_completion_time": None,
                   "position_in_queue": None, "position_in_provider": None,
                   "status": STATUS[j.status]}
            if j.status == "queued":   # 1 + the jobs queued ahead of it on its backend
                out["position_in_queue"] = 1 + sum(
                    1 for q in self._service._queued(j.backend)
                    if (q.submit_tick, q.seq) < (j.submit_tick, j.seq))
                start, end = self._estimate()
                out["estimated_start_time"] = dc.iso(start)
                out["estimated_completion_time"] = dc.iso(end)
            return out

    def _estimate(self) -> tuple:
        """While it is queued, as IBM gives them: the median (P50) start and completion of this
        job over ``estimate_replications`` replications of the data center's scenario (seeds
        from its own), this job submitted at its time as a plain job of its tenant, the
        scenario's load around it (your other jobs are not in them): engine/estimate.py. None
        for a job of a session or batch, whose priority (R5, R14) such a probe would miss.
        Made once per job."""
        dc, j = self._dc, self._job
        got = dc.estimates.get(j.id)
        if got is None:
            from ..estimate import Probe, estimate

            if j.session is not None:   # R5's priority is not in a plain job's estimate
                dc.estimates[j.id] = (None, None)
                return dc.estimates[j.id]
            try:
                # The compile time R15 adds when it starts (a cache hit would spare it), in its
                # lane stage or on the QPU as the policy says (R19); the QPU stage no longer
                # than its limit (R12).
                compile_, qpu = j.compile_time, j.duration
                classical = j.classical_time
                if dc.sim.policy.compile_stage == "classical":
                    classical += compile_
                else:
                    qpu += compile_
                if j.limit_ticks is not None:
                    qpu = min(qpu, j.max_execution_time)
                probe = Probe(j.backend, at=j.submit_time, duration=qpu,
                              classical_time=classical, tenant=j.tenant)
                est = estimate(dc.sim.scenario, probe, dc.estimate_replications)
                s, c = est.start, est.completion
                got = (s and s.p50, c and c.p50)
            except ScenarioError:   # a job the estimate cannot place: none, as IBM gives none
                got = (None, None)
            dc.estimates[j.id] = got
        return got

    def logs(self) -> str:
        """The job's story: when it was queued, why it waited, where it ran."""
        if not self._job.terminal:
            logger.warning("Job logs are only available after the job finishes.")
        from .. import trace
        from ..story import job_story

        with self._dc.clock.call():
            sim = self._dc.sim
            lines = job_story(trace.jobs_table(sim).to_pandas(),
                              trace.events_table(sim).to_pandas(), self._job.id)
            return "\n".join(lines) + "\n"


def _versions() -> str:
    import qiskit

    return f"qiskit-{qiskit.__version__}*qiskit_ibm_runtime-{_ibm.__version__}"


__all__ = ["RuntimeJobV2", "STATUS"]
