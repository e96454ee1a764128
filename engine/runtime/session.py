"""Sessions and batches: the client's own ``Session`` and ``Batch`` classes, their calls to the
service replaced by the simulation's (R4-R11, R14, R22).

They subclass qiskit-ibm-runtime's classes, so ``isinstance(s, qiskit_ibm_runtime.Session)``
holds, ``with Session(...)`` sets the client's own context (a primitive made inside without
``mode=`` joins it) and ``status()`` is the client's own reading of ``details()``.
"""

from __future__ import annotations

from typing import Optional, Union

import qiskit_ibm_runtime as _ibm
from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMRuntimeError
from qiskit_ibm_runtime.utils.converters import hms_to_seconds

from .. import events as ev
from ..kernel import seconds
from .service import QiskitRuntimeService


def _max_time(value) -> Optional[float]:
    """Seconds, or a string such as "1h 30m" / "90m" / "45s" (the client's own parser)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise IBMInputValueError(f"Invalid max_time value: {value!r}")
    if isinstance(value, (int, float)):
        if not 0 < value < 1e9:
            raise IBMInputValueError(f"Invalid max_time value: {value!r}: give seconds > 0")
        return value
    try:
        return hms_to_seconds(str(value), "Invalid max_time value: ")
    except Exception as exc:   # the client raises IBMInputValueError for a bad string
        raise IBMInputValueError(str(exc)) from None


class Session(_ibm.Session):
    """``with Session(backend, max_time=...) as session:``; leaving the block closes it (R10)."""

    _mode = "dedicated"

    def __init__(self, backend=None, max_time: Union[int, float, str, None] = None, *,
                 create_new: Optional[bool] = True):
        service = getattr(backend, "service", None)
        if not isinstance(service, QiskitRuntimeService):
            raise ValueError(f"Invalid backend type {type(backend)}: give a backend from "
                             f"QiskitRuntimeService (engine.runtime)")
        self._service = service
        self._backend = backend
        self._instance = service.active_instance()
        self._active = True
        self._max_time = _max_time(max_time)
        self._session_id = None
        if create_new:
            self._session_id = self._create()

    def _create(self) -> str:
        dc = self._service._dc
        with dc.clock.call(observes=False):
            sim = dc.sim
            if self._mode == "dedicated" and sim.plans.get(self._service.tenant) == "open":
                # R22: the service refuses the session itself, as for an Open-plan instance.
                raise IBMRuntimeError(
                    "Failed to create session: you are not authorized to run a session when "
                    "using the open plan (R22). Use a Batch or job mode.")
            try:
                s = sim.open_session(self._service.tenant, self._backend.name,
                                     mode=self._mode, max_time=self._max_time, open_at=sim.now)
            except ValueError as exc:      # over the system's maximum (R9), ...
                raise IBMInputValueError(f"Invalid max_time value: {exc}") from None
            sim.settle()
            return s.id

    @classmethod
    def from_id(cls, session_id: str, service: QiskitRuntimeService,
                use_fractional_gates: bool = False, calibration_id: Optional[str] = None):
        with service._dc.clock.call(observes=False):
            s = service._dc.sim.sessions.get(session_id)
        if s is None or s.tenant != service.tenant:
            raise IBMInputValueError(f"Session not found: {session_id!r}")
        mode = s.mode
        want = "dedicated" if cls._mode == "dedicated" else "batch"
        if mode != want:
            raise IBMInputValueError(
                f"Input ID {session_id} has execution mode {mode} instead of {want}.")
        obj = cls(service.backend(s.backend), create_new=False)
        obj._session_id = session_id
        if s.ended:                  # the client: only a closed session is inactive
            obj._active = False
        return obj

    def _run(self, program_id: str, inputs: dict, options: Optional[dict] = None,
             result_decoder=None, calibration_id=None, dry_run: bool = False):
        if not self._active:
            raise IBMRuntimeError("The session is closed.")
        options = dict(options or {})
        options["backend"] = self._backend
        return self._service._run(program_id=program_id, options=options, inputs=inputs,
                                  session_id=self._session_id, dry_run=dry_run)

    def _details(self) -> dict:
        return self._service._dc.sim.session_details(self._session_id)

    def details(self) -> Optional[dict]:
        """The keys qiskit-ibm-runtime's ``Session.details()`` returns; times as the API writes
        them (ISO 8601 strings, UTC)."""
        if self._session_id is None:
            return None
        dc = self._service._dc
        with dc.clock.call():
            d = self._details()
            return {
                "id": d["id"], "backend_name": d["backend_name"],
                "interactive_timeout": d["interactive_timeout"], "max_time": d["max_time"],
                "active_timeout": d["active_timeout"], "state": d["state"],
                "accepting_jobs": d["accepting_jobs"],
                "last_job_started": dc.iso(d["last_job_started"]),
                "last_job_completed": dc.iso(d["last_job_completed"]),
                "started_at": dc.iso(d["started_at"]), "closed_at": dc.iso(d["closed_at"]),
                "activated_at": dc.iso(d["activated_at"]), "mode": d["mode"],
                "usage_time": d["usage_time"],
                "timestamps": self._timestamps(),
            }

    _STATES = {ev.SESSION_OPENED: "open", ev.SESSION_STARTED: "active",
               ev.SESSION_REACTIVATED: "active", ev.SESSION_DEACTIVATED: "inactive",
               ev.SESSION_ENDED: "closed"}

    def _timestamps(self) -> list:
        """Each state the session entered, with when: ``[{"status", "timestamp"}, ...]``."""
        dc = self._service._dc
        return [{"status": self._STATES[e[2]], "timestamp": dc.iso(seconds(e[0]))}
                for e in dc.sim.events if e[3] == self._session_id and e[2] in self._STATES]

    def usage(self) -> Optional[float]:
        if self._session_id is None:
            return None
        with self._service._dc.clock.call():
            return self._details()["usage_time"]

    def close(self) -> None:
        """No new jobs from now (R10); queued and running ones finish."""
        self._active = False
        if self._session_id is None:
            return
        dc = self._service._dc
        with dc.clock.call(observes=False):
            if not dc.sim.sessions[self._session_id].ended:
                dc.sim.close(self._session_id)
                dc.sim.settle()

    def cancel(self) -> None:
        """R11: its queued jobs are cancelled and it ends now."""
        self._active = False
        if self._session_id is None:
            return
        dc = self._service._dc
        with dc.clock.call(observes=False):
            dc.sim.cancel(self._session_id)
            dc.sim.settle()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._session_id} on {self._backend.name}>"


class Batch(Session, _ibm.Batch):
    """``with Batch(backend) as batch:``: jobs run ahead of fair share, nothing is held (R14)."""

    _mode = "batch"


__all__ = ["Session", "Batch"]
