"""A Qiskit-Runtime-style client API over the simulated data center.

Change one line of a script written for qiskit-ibm-runtime::

    from qiskit_ibm_runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator
    from engine.runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator

and it runs against a simulation: its jobs queue among everyone else's (the scenario's background
load), sessions take and hold backends by the rules R1-R18, and results come from qiskit-aer.

Time: ``job.result()`` advances the simulated clock until the job is done, with the background
load running meanwhile. The classical time the script spends between calls advances it too:
measured wall time times ``think_scale``, or a fixed ``think_time`` per call (for tests).
About 530 lines: it mirrors the client's service, session, batch, primitive and job classes,
which call each other as the client's do.
"""

from __future__ import annotations

import re
import time
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from . import circuits as _circuits
from . import events as ev
from .execution import DEFAULT_PRECISION, DEFAULT_SHOTS, make_work
from .kernel import seconds
from .model import MIN_PRECISION, Scenario
from .validation import load_scenario, validate_scenario
from .run import collect
from .sim import Simulation

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)  # simulated t=0, for timestamps

# The built-in data center: three QPUs carrying two labs' job-mode load for two hours.
DEFAULT_DATACENTER = {
    "name": "default-datacenter",
    "description": "Three QPUs shared by two labs' background load; you are tenant 'you'.",
    "seed": 2024,
    "policy": {"preset": "ibm-2024", "execution": "interactive"},
    "backends": [
        {"name": "qpu_heron", "num_qubits": 16, "coupling": "heavy_hex", "seed": 1},
        {"name": "qpu_eagle", "num_qubits": 7, "coupling": "heavy_hex", "seed": 2},
        {"name": "qpu_falcon", "num_qubits": 5, "coupling": "line", "seed": 3},
    ],
    "tenants": [{"name": "you", "share": 1}, {"name": "lab-a", "share": 2},
                {"name": "lab-b", "share": 1}],
    "workloads": [
        {"name": "lab-a-load", "kind": "background", "tenant": "lab-a",
         "backend": ["qpu_heron", "qpu_eagle", "qpu_falcon"],
         "arrivals": {"process": "poisson", "rate": 0.05},
         "duration": {"dist": "exponential", "mean": 20}, "until": 7200},
        {"name": "lab-b-load", "kind": "background", "tenant": "lab-b",
         "backend": ["qpu_heron", "qpu_eagle", "qpu_falcon"],
         "arrivals": {"process": "poisson", "rate": 0.04},
         "duration": {"dist": "exponential", "mean": 15}, "until": 7200},
    ],
}


class RuntimeJobFailureError(Exception):
    """The job failed, was cancelled or rejected; the message says why."""


class RuntimeInvalidStateError(Exception):
    """The call does not fit the job's or session's state."""


class IBMInputValueError(ValueError):
    """A submission that the client refuses before it reaches the service."""


class IBMRuntimeError(Exception):
    """The service refused a request (as the client's ``IBMRuntimeError``)."""


def _as_scenario(scenario, tenant: str) -> Scenario:
    """The data center to simulate, with ``tenant`` added if the scenario lacks it. A scenario
    file keeps its folder (its ``qasm:`` and ``trace:`` files are read from there)."""
    base, roots = None, ()
    if scenario is None:
        data = DEFAULT_DATACENTER
    elif isinstance(scenario, (Scenario, str, Path)):
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        data = sc.model_dump(mode="json", exclude_defaults=True)
        base, roots = sc.base_dir, sc.extra_roots
    else:
        data = scenario
    data = dict(data)
    if all(t["name"] != tenant for t in data.get("tenants", [])):
        data["tenants"] = list(data.get("tenants", [])) + [{"name": tenant, "share": 1}]
    return validate_scenario(data, base_dir=base, roots=roots)


def _parse_max_time(value) -> Optional[float]:
    """Seconds, or a string such as "1h 30m" / "90m" / "45s" as the client accepts."""
    if value is None or isinstance(value, (int, float)):
        return value
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", str(value))
    if not parts:
        raise IBMInputValueError(f"max_time {value!r}: give seconds or a string like '1h 30m'")
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


class QiskitRuntimeService:
    """A simulated data center. ``scenario``: a scenario file, dict or Scenario (default: the
    built-in data center with background load). Credentials are accepted and ignored."""

    def __init__(self, channel: Optional[str] = None, token: Optional[str] = None,
                 instance: Optional[str] = None, *, scenario=None, tenant: str = "you",
                 think_time: Optional[float] = None, think_scale: float = 1.0,
                 **_account: Any):
        self.channel = channel or "simulated"
        self.tenant = tenant
        self.scenario = _as_scenario(scenario, tenant)
        self._sim = Simulation(self.scenario)
        self._think_time = think_time
        self._think_scale = think_scale
        self._digests: dict[int, tuple] = {}   # id(circuit) -> (circuit, digest)
        self._last = time.perf_counter()
        self._backends: dict[str, Any] = {}

    # ---------------------------------------------------------------- the clock

    @property
    def simulation(self) -> Simulation:
        return self._sim

    def _advance(self) -> None:
        """Let the simulated clock run for the classical time the script just spent."""
        if self._think_time is not None:
            dt = self._think_time
        else:
            dt = (time.perf_counter() - self._last) * self._think_scale
        if dt > 0:
            self._sim.run(until=self._sim.now + dt)

    def _returned(self) -> None:
        self._last = time.perf_counter()

    def _wait(self, job) -> None:
        self._sim.run_until_done(job)
        self._returned()

    # ---------------------------------------------------------------- backends

    def backend(self, name: Optional[str] = None, instance: Optional[str] = None):
        if name is None:
            return self.least_busy()
        if name not in self._sim.qpus:
            raise KeyError(f"no backend named {name!r}; backends: {', '.join(self._sim.qpus)}")
        b = self._backends.get(name)
        if b is None:
            b = self._sim.qpus[name].backend
            b.service = self
            b.status = types.MethodType(_backend_status, b)
            self._backends[name] = b
        return b

    def backends(self, name: Optional[str] = None, min_num_qubits: Optional[int] = None,
                 operational: Optional[bool] = None, simulator: Optional[bool] = None,
                 **_filters: Any) -> list:
        out = [self.backend(n) for n in self._sim.qpus if name is None or n == name]
        if min_num_qubits is not None:
            out = [b for b in out if b.num_qubits >= min_num_qubits]
        if simulator:  # every backend here is a (simulated) QPU
            out = []
        return out

    def least_busy(self, min_num_qubits: Optional[int] = None, **filters: Any):
        candidates = self.backends(min_num_qubits=min_num_qubits, **filters)
        if not candidates:
            raise KeyError("no backend matches those filters")
        return min(candidates, key=lambda b: (self._pending(b.name), b.name))

    def _pending(self, backend: str) -> int:
        return sum(1 for j in self._sim.jobs.values()
                   if j.backend == backend and j.status in ("pending", "queued", "running"))

    # ---------------------------------------------------------------- jobs

    def job(self, job_id: str) -> "RuntimeJobV2":
        job = self._sim.jobs.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id!r}")
        return RuntimeJobV2(self, job)

    def jobs(self, limit: Optional[int] = 10, session_id: Optional[str] = None,
             backend_name: Optional[str] = None, pending: Optional[bool] = None) -> list:
        mine = [j for j in self._sim.jobs.values() if j.tenant == self.tenant]
        if session_id is not None:
            mine = [j for j in mine if j.session == session_id]
        if backend_name is not None:
            mine = [j for j in mine if j.backend == backend_name]
        if pending is not None:
            mine = [j for j in mine if (not j.terminal) == pending]
        mine.sort(key=lambda j: j.submit_time, reverse=True)
        return [RuntimeJobV2(self, j) for j in mine[:limit]]

    def usage(self) -> dict:
        """QPU seconds charged to your tenant so far (R3)."""
        meter = self._sim.meters[self.tenant]
        return {"tenant": self.tenant, "usage_seconds": seconds(meter.total(self._sim.env.now))}

    def _digest(self, circuit) -> str:
        got = self._digests.get(id(circuit))
        if got is None or got[0] is not circuit:
            got = (circuit, _circuits.digest(circuit))
            self._digests[id(circuit)] = got
        return got[1]

    def _submit(self, primitive: str, backend_name: str, pubs: list, session=None):
        qpu = self._sim.qpus[backend_name]
        keys = [self._digest(p.circuit) for p in pubs]
        work = make_work(primitive, pubs, keys)
        for p in pubs:
            problem = qpu.problem_isa(p.circuit)
            if problem:
                work.error = problem
                break
        self._advance()
        kwargs = {}
        if session is not None:
            kwargs["session_id"] = session.session_id
        job = self._sim.submit(self.tenant, backend_name, work=work, **kwargs)
        self._sim.wait(job)  # a script may ask for the result: execute it when it completes
        self._sim.settle()   # the service has it now: queued (or failed, or rejected)
        self._returned()
        return RuntimeJobV2(self, job)

    # ---------------------------------------------------------------- runs

    def finish(self) -> None:
        """Run the data center until nothing is left to do."""
        self._sim.run()
        self._returned()

    def save_run(self, name: str, folder: Union[str, Path] = "runs", store: bool = True) -> Path:
        """Finish the simulation, write its trace (CSV) and scenario under ``folder/name``, and
        keep it in the run store (where the dashboard lists it) unless ``store=False``."""
        self.finish()
        out = Path(folder) / name
        result = collect(self._sim)
        result.write(out)
        if store:
            from .store import RunStore

            self.run_id = RunStore().save(result, name=name, source="script")
        return out


def _backend_status(backend):
    service = backend.service
    return types.SimpleNamespace(backend_name=backend.name, operational=True,
                                 pending_jobs=service._pending(backend.name),
                                 status_msg="active")


class _Options(types.SimpleNamespace):
    """Primitive options: attribute access like the client's dataclasses, plus ``update()``."""

    def update(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)


class Session:
    """``with Session(backend, max_time=...) as session:``; leaving the block closes it (R10)."""

    _mode = "dedicated"

    def __init__(self, backend=None, max_time: Union[int, float, str, None] = None, *,
                 service: Optional[QiskitRuntimeService] = None, create_new: bool = True,
                 _session_id: Optional[str] = None):
        if backend is None or not hasattr(backend, "service"):
            raise IBMInputValueError("a session needs a backend from QiskitRuntimeService")
        self._service = service or backend.service
        self._backend = backend
        sim = self._service._sim
        if _session_id is not None:
            self._id = _session_id
            return
        if self._mode == "dedicated" and sim.plans.get(self._service.tenant) == "open":
            # R22: the service refuses the session itself, as it does for an Open-plan instance.
            raise IBMRuntimeError("Failed to create session: You are not authorized to run a "
                                  "session when using the open plan (R22). Use a Batch or job "
                                  "mode.")
        self._service._advance()
        s = sim.open_session(self._service.tenant, backend.name, mode=self._mode,
                             max_time=_parse_max_time(max_time), open_at=sim.now)
        sim.settle()
        self._id = s.id
        self._service._returned()

    @classmethod
    def from_id(cls, session_id: str, service: QiskitRuntimeService) -> "Session":
        s = service._sim.sessions.get(session_id)
        if s is None:
            raise KeyError(f"no session {session_id!r}")
        obj = cls.__new__(Batch if s.mode == "batch" else Session)
        Session.__init__(obj, service.backend(s.backend), service=service, _session_id=s.id)
        return obj

    @property
    def session_id(self) -> str:
        return self._id

    @property
    def service(self) -> QiskitRuntimeService:
        return self._service

    def backend(self) -> str:
        return self._backend.name

    def details(self) -> dict:
        """The keys qiskit-ibm-runtime's ``Session.details()`` returns; times as datetimes."""
        d = self._service._sim.session_details(self._id)
        state = {"open": "open", "active": "active", "inactive": "inactive",
                 "closed": "closed"}[d["state"]]
        return {
            "id": d["id"], "backend_name": d["backend_name"],
            "interactive_timeout": d["interactive_timeout"], "max_time": d["max_time"],
            "active_timeout": d["active_timeout"], "state": state,
            "accepting_jobs": d["accepting_jobs"],
            "last_job_started": _stamp(d["last_job_started"]),
            "last_job_completed": _stamp(d["last_job_completed"]),
            "started_at": _stamp(d["started_at"]), "closed_at": _stamp(d["closed_at"]),
            "activated_at": _stamp(d["activated_at"]), "mode": d["mode"],
            "usage_time": d["usage_time"],
            "timestamps": self._timestamps(),
        }

    _STATES = {ev.SESSION_OPENED: "open", ev.SESSION_STARTED: "active",
               ev.SESSION_REACTIVATED: "active", ev.SESSION_DEACTIVATED: "inactive",
               ev.SESSION_ENDED: "closed"}

    def _timestamps(self) -> list:
        """Each state the session entered, with when: ``[{"status", "timestamp"}, ...]``."""
        return [{"status": self._STATES[e[2]], "timestamp": _stamp(seconds(e[0]))}
                for e in self._service._sim.events
                if e[3] == self._id and e[2] in self._STATES]

    def status(self) -> str:
        d = self._service._sim.session_details(self._id)
        if d["state"] == "closed":
            return "Closed"
        if d["started_at"] is None:
            return "Pending"
        return ("In progress, accepting new jobs" if d["accepting_jobs"]
                else "In progress, not accepting new jobs")

    def usage(self) -> float:
        return self._service._sim.session_details(self._id)["usage_time"]

    def close(self) -> None:
        self._service._advance()
        self._service._sim.close(self._id)
        self._service._sim.settle()
        self._service._returned()

    def cancel(self) -> None:
        self._service._advance()
        self._service._sim.cancel(self._id)
        self._service._sim.settle()
        self._service._returned()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Batch(Session):
    """``with Batch(backend) as batch:``: jobs run ahead of fair share, nothing is held (R14)."""

    _mode = "batch"


def _stamp(t: Optional[float]) -> Optional[datetime]:
    return None if t is None else EPOCH + timedelta(seconds=t)


class RuntimeJobV2:
    """A job handle: ``result()`` advances the simulated clock until the job is done."""

    _STATUS = {"pending": "INITIALIZING", "queued": "QUEUED", "running": "RUNNING",
               "completed": "DONE", "failed": "ERROR", "rejected": "ERROR",
               "cancelled": "CANCELLED"}

    def __init__(self, service: QiskitRuntimeService, job):
        self._service = service
        self._job = job

    def job_id(self) -> str:
        return self._job.id

    @property
    def session_id(self) -> Optional[str]:
        return self._job.session

    @property
    def primitive_id(self) -> str:
        return self._job.work.primitive if self._job.work is not None else "unknown"

    @property
    def creation_date(self) -> datetime:
        return _stamp(self._job.submit_time)

    def backend(self):
        return self._service.backend(self._job.backend)

    def status(self) -> str:
        return self._STATUS[self._job.status]

    def done(self) -> bool:
        return self._job.status == "completed"

    def running(self) -> bool:
        return self._job.status == "running"

    def in_final_state(self) -> bool:
        return self._job.terminal

    def errored(self) -> bool:
        return self._job.status in ("failed", "rejected")

    def cancelled(self) -> bool:
        return self._job.status == "cancelled"

    def result(self, timeout: Optional[float] = None):
        """The job's ``PrimitiveResult``; raises RuntimeJobFailureError if it did not complete."""
        self._service._wait(self._job)
        if self._job.status != "completed":
            raise RuntimeJobFailureError(
                f"Unable to retrieve job result. Job {self._job.id} {self._job.status}: "
                f"{self._job.reason}")
        return self._job.result

    def cancel(self) -> None:
        if self._job.terminal:
            raise RuntimeInvalidStateError(f"job {self._job.id} is already {self._job.status}")
        self._service._advance()
        self._service._sim.cancel_job(self._job)
        self._service._sim.settle()
        self._service._returned()

    def usage(self) -> float:
        """Quantum seconds the job used: its QPU stage (R19), not its time "In progress"."""
        return seconds(self._job.usage_ticks)

    def metrics(self) -> dict:
        j = self._job
        return {"timestamps": {"created": _stamp(j.submit_time), "running": _stamp(j.start_time),
                               "finished": _stamp(j.finished_at)},
                "usage": {"quantum_seconds": self.usage(), "seconds": self.usage()},
                "qiskit_version": None, "status": self.status()}


class _Primitive:
    _kind = ""

    def __init__(self, mode=None, options: Optional[dict] = None):
        if mode is None:
            raise IBMInputValueError("give mode: a backend, a Session or a Batch")
        if isinstance(mode, Session):
            self._session = mode
            self._backend_name = mode.backend()
            self._service = mode.service
        elif hasattr(mode, "service") and isinstance(mode.service, QiskitRuntimeService):
            self._session = None
            self._backend_name = mode.name
            self._service = mode.service
        else:
            raise IBMInputValueError("mode must be a backend from QiskitRuntimeService, a "
                                     "Session or a Batch")
        self.options = self._default_options()
        if options:
            self.options.update(**options)

    def _go(self, pubs: list):
        return self._service._submit(self._kind, self._backend_name, pubs, self._session)

    @property
    def mode(self):
        return self._session if self._session is not None else self._service.backend(
            self._backend_name)


class SamplerV2(_Primitive):
    _kind = "sampler"

    @staticmethod
    def _default_options():
        return _Options(default_shots=DEFAULT_SHOTS)

    def run(self, pubs: Iterable, *, shots: Optional[int] = None) -> RuntimeJobV2:
        from qiskit.primitives.containers import SamplerPub

        shots = shots if shots is not None else (self.options.default_shots or DEFAULT_SHOTS)
        try:
            coerced = [SamplerPub.coerce(p, shots) for p in pubs]
        except (ValueError, TypeError) as exc:
            raise IBMInputValueError(str(exc)) from None
        for p in coerced:
            if p.circuit.num_clbits == 0:
                raise IBMInputValueError(
                    f"circuit {p.circuit.name!r} has no output classical registers: the Sampler "
                    f"needs measurements")
        return self._go(coerced)


class EstimatorV2(_Primitive):
    _kind = "estimator"

    @staticmethod
    def _default_options():
        return _Options(default_precision=DEFAULT_PRECISION, default_shots=None,
                        resilience_level=1)

    def run(self, pubs: Iterable, *, precision: Optional[float] = None) -> RuntimeJobV2:
        from qiskit.primitives.containers import EstimatorPub

        if precision is None:
            shots = self.options.default_shots
            precision = (1.0 / shots ** 0.5) if shots else self.options.default_precision
        if isinstance(precision, bool) or not isinstance(precision, (int, float)) \
                or not MIN_PRECISION <= precision <= 1:
            raise IBMInputValueError(f"precision {precision!r}: give a number from "
                                     f"{MIN_PRECISION:g} to 1 (1e-4 already means 10^8 shots "
                                     f"per measurement setting)")
        try:
            coerced = [EstimatorPub.coerce(p, precision) for p in pubs]
        except (ValueError, TypeError) as exc:
            raise IBMInputValueError(str(exc)) from None
        return self._go(coerced)
