"""The service: one simulated data center per process, its backends and its jobs.

``QiskitRuntimeService()`` joins the process's data center (the built-in one, or the last one a
``scenario=`` made), so a later notebook cell finds an earlier cell's jobs, as a real account
does. ``scenario=`` or ``new=True`` makes a new one. Each service is one tenant's view of it:
its jobs, its usage, its plan.
"""

from __future__ import annotations

import inspect
import math
import threading
import types
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional, Union

import qiskit_ibm_runtime as _ibm
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime.exceptions import IBMInputValueError, RuntimeJobNotFound
from qiskit_ibm_runtime.models import BackendStatus, QasmBackendConfiguration

from .. import circuits as _circuits
from ..execution import make_work
from ..kernel import seconds
from ..model import Scenario
from ..run import collect
from ..sim import Simulation
from ..validation import load_scenario, validate_scenario
from .clock import Clock

# Three generic QPUs (the names Session Lab has always offered) and IBM's devices under their
# own names, from qiskit-ibm-runtime's snapshots, carrying two labs' job-mode load for 2 hours.
_IBM = [("ibm_brisbane", "fake_brisbane"), ("ibm_sherbrooke", "fake_sherbrooke"),
        ("ibm_kyiv", "fake_kyiv"), ("ibm_torino", "fake_torino"), ("ibm_fez", "fake_fez"),
        ("ibm_marrakesh", "fake_marrakesh"), ("ibm_kingston", "fake_kingston")]
_ALL = ["qpu_heron", "qpu_eagle", "qpu_falcon"] + [n for n, _ in _IBM]
DEFAULT_DATACENTER = {
    "name": "default-datacenter",
    "description": "Ten QPUs (three generic, seven under IBM's device names) shared by two labs' "
                   "background load; you are tenant 'you'.",
    "seed": 2024,
    "policy": {"preset": "ibm-2024", "execution": "interactive"},
    "backends": [
        {"name": "qpu_heron", "num_qubits": 16, "coupling": "heavy_hex", "seed": 1},
        {"name": "qpu_eagle", "num_qubits": 7, "coupling": "heavy_hex", "seed": 2},
        {"name": "qpu_falcon", "num_qubits": 5, "coupling": "line", "seed": 3},
    ] + [{"name": n, "device": d} for n, d in _IBM],
    "tenants": [{"name": "you", "share": 1}, {"name": "lab-a", "share": 2},
                {"name": "lab-b", "share": 1}],
    "workloads": [
        {"name": "lab-a-load", "kind": "background", "tenant": "lab-a", "backend": _ALL,
         "arrivals": {"process": "poisson", "rate": 0.05 * len(_ALL) / 3},
         "duration": {"dist": "exponential", "mean": 20}, "until": 7200},
        {"name": "lab-b-load", "kind": "background", "tenant": "lab-b", "backend": _ALL,
         "arrivals": {"process": "poisson", "rate": 0.04 * len(_ALL) / 3},
         "duration": {"dist": "exponential", "mean": 15}, "until": 7200},
    ],
}


@dataclass
class JobInfo:
    """What the client knows of a job beyond the simulation's record."""
    program_id: str
    inputs: dict
    tags: list
    private: bool = False
    result: Any = None          # the PrimitiveResult with IBM's metadata, made once


@dataclass
class DataCenter:
    """One simulation, its clock and the client-side records of its jobs."""
    sim: Simulation
    clock: Clock
    epoch: datetime
    infos: dict = field(default_factory=dict)       # job id -> JobInfo
    deleted: set = field(default_factory=set)
    digests: dict = field(default_factory=dict)     # id(circuit) -> (circuit, digest)
    backends: dict = field(default_factory=dict)    # name -> the backend object users get
    estimates: dict = field(default_factory=dict)   # job id -> (P50 start, P50 end), seconds
    estimate_replications: int = 10                 # seeds behind job.metrics()' estimates

    def stamp(self, t: Optional[float]) -> Optional[datetime]:
        """A simulated instant (seconds) as a UTC datetime."""
        return None if t is None else self.epoch + timedelta(seconds=t)

    def iso(self, t: Optional[float]) -> Optional[str]:
        """A simulated instant as the API writes it: ISO 8601, UTC, ``Z``."""
        d = self.stamp(t)
        return None if d is None else d.isoformat(timespec="microseconds").replace(
            "+00:00", "Z")

    def digest(self, circuit) -> str:
        got = self.digests.get(id(circuit))
        if got is None or got[0] is not circuit:
            got = (circuit, _circuits.digest(circuit))
            self.digests[id(circuit)] = got
        return got[1]


def _accepted(real, answer):
    """A call that takes what the client's ``real`` takes and does nothing but answer."""
    def accepted(*_args: Any, **_kwargs: Any):
        return answer() if callable(answer) else (dict(answer) if isinstance(answer, dict)
                                                  else answer)
    accepted.__signature__ = inspect.signature(real)
    accepted.__doc__ = f"Accepted like the client's ``{real.__name__}``; nothing is stored."
    return accepted


_CURRENT: Optional[DataCenter] = None
_REGISTRY_LOCK = threading.Lock()


def _scenario_with(scenario, tenant: str) -> Scenario:
    """The data center to simulate, with ``tenant`` added if the scenario lacks it. A scenario
    file keeps its folder (its ``qasm:`` and ``trace:`` files are read from there). A scenario
    that is not one is refused with the validator's message, as the command line refuses it."""
    base, roots = None, ()
    try:
        if scenario is None:
            data = DEFAULT_DATACENTER
        elif isinstance(scenario, (Scenario, str, Path)):
            sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
            data = sc.model_dump(mode="json", exclude_defaults=True)
            base, roots = sc.base_dir, sc.extra_roots
        elif isinstance(scenario, dict):
            data = scenario
        else:
            raise IBMInputValueError(f"scenario: give a scenario file, dict or Scenario, not "
                                     f"{type(scenario).__name__}")
        data = dict(data)
        tenants = data.get("tenants", [])
        if isinstance(tenants, list) and all(isinstance(t, dict) for t in tenants) and all(
                t.get("name") != tenant for t in tenants):
            data["tenants"] = tenants + [{"name": tenant, "share": 1}]
        return validate_scenario(data, base_dir=base, roots=roots)
    except IBMInputValueError:
        raise
    except (ValueError, TypeError, OSError) as exc:   # the validator's one clear message
        raise IBMInputValueError(f"scenario: {exc}") from None


def _datacenter(scenario, tenant: str, new: bool, think_time: Optional[float],
                think_scale: Optional[float], epoch: Optional[datetime]) -> DataCenter:
    global _CURRENT
    if not isinstance(tenant, str) or not tenant:
        raise IBMInputValueError(f"tenant: give a tenant's name, not {tenant!r}")
    for name, value in (("think_time", think_time), ("think_scale", think_scale)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 <= value <= 1e6):
            raise IBMInputValueError(f"{name}: give seconds from 0 to 1e6, not {value!r}")
    with _REGISTRY_LOCK:
        dc = _CURRENT
        if dc is not None and scenario is None and not new:
            if tenant not in dc.sim.meters:
                raise IBMInputValueError(
                    f"tenant {tenant!r} is not in the running data center "
                    f"({', '.join(dc.sim.meters)}); pass new=True for a data center of your own")
            asked = (think_time, think_scale)
            running = (dc.clock.think_time, dc.clock.think_scale)
            if any(a is not None and a != b for a, b in zip(asked, running)):
                raise IBMInputValueError(
                    f"think_time/think_scale {asked} differ from the running data center's "
                    f"{running}; pass new=True for a new data center")
            return dc
        sc = _scenario_with(scenario, tenant)
        sim = Simulation(sc)
        sim.open_ended = True
        scale = 1.0 if think_scale is None else think_scale
        if epoch is None:
            epoch = datetime.now(timezone.utc).replace(microsecond=0)
        elif epoch.tzinfo is None:
            raise IBMInputValueError("epoch: give a timezone-aware datetime")
        dc = DataCenter(sim, Clock(sim, think_time, scale), epoch)
        _CURRENT = dc
        return dc


class QiskitRuntimeService(_ibm.QiskitRuntimeService):
    """A tenant's view of the simulated data center. Credentials are accepted and ignored.

    ``scenario``: a scenario file, dict or Scenario: a new data center (default: join the
    process's one, the built-in data center at first). ``new=True``: a new one even without a
    scenario. ``tenant``: whose jobs these are. ``think_time``: simulated seconds each call of
    the script adds (for tests); otherwise its wall time times ``think_scale``. ``epoch``: the
    date of simulated time 0 (default: when the data center was made).
    """

    def __init__(self, channel: Optional[str] = None, token: Optional[str] = None,
                 url: Optional[str] = None, filename: Optional[str] = None,
                 name: Optional[str] = None, instance: Optional[str] = None,
                 proxies: Optional[dict] = None, verify: Optional[bool] = None,
                 private_endpoint: Optional[bool] = None, url_resolver=None,
                 region: Optional[str] = None, plans_preference: Optional[list] = None,
                 tags: Optional[list] = None, *, scenario=None, tenant: str = "you",
                 new: bool = False,
                 think_time: Optional[float] = None, think_scale: Optional[float] = None,
                 epoch: Optional[datetime] = None, **_account: Any):
        self._channel = channel or "ibm_quantum_platform"
        self.tenant = tenant
        self._dc = _datacenter(scenario, tenant, new, think_time, think_scale, epoch)
        self._dc.clock.register()
        self.scenario = self._dc.sim.scenario

    # ---------------------------------------------------------------- account

    @property
    def channel(self) -> str:
        return self._channel

    @property
    def simulation(self) -> Simulation:
        return self._dc.sim

    def _instance(self) -> str:
        return f"crn:v1:session-lab:tenant:{self.tenant}"

    def active_account(self) -> dict:
        return {"channel": self._channel, "url": None, "token": "<simulated>",
                "instance": self._instance(), "verify": True, "private_endpoint": False}

    def active_instance(self) -> str:
        return self._instance()

    def instances(self) -> list:
        plan = self._dc.sim.plans.get(self.tenant) or "premium"
        return [{"crn": self._instance(), "plan": plan, "name": self.tenant, "tags": [],
                 "pricing_type": plan}]

    # Account files: accepted (with the client's signatures) so copied set-up code runs;
    # nothing is read or written, there are no credentials here.
    save_account = staticmethod(_accepted(_ibm.QiskitRuntimeService.save_account, None))
    saved_accounts = staticmethod(_accepted(_ibm.QiskitRuntimeService.saved_accounts, {}))
    delete_account = staticmethod(_accepted(_ibm.QiskitRuntimeService.delete_account, False))


    def usage(self) -> dict:
        """QPU seconds charged to your tenant so far (R3), with the client's keys."""
        with self._dc.clock.call(observes=False):
            sim = self._dc.sim
            used = seconds(sim.meters[self.tenant].total(sim.env._now))
            out = {"instance_id": self._instance(), "tenant": self.tenant,
                   "usage_seconds": used, "usage_consumed_seconds": used,
                   "usage_limit_reached": False}
            limit = sim.limits.get(self.tenant)
            if limit is not None:   # R22: the tenant's limit, over its window
                cap = seconds(limit[0])
                out["usage_limit_seconds"] = cap
                out["usage_remaining_seconds"] = max(cap - used, 0)
                out["usage_limit_reached"] = sim._limited(self.tenant, sim.env._now)
            return out

    # ---------------------------------------------------------------- backends

    def backend(self, name: Optional[str] = None, instance: Optional[str] = None,
                use_fractional_gates: Optional[bool] = False,
                calibration_id: Optional[str] = None):
        if name is None:
            return self.least_busy()
        qpus = self._dc.sim.qpus
        if name not in qpus:
            raise QiskitBackendNotFoundError(
                f"No backend matches the criteria: no backend named {name!r} in this data "
                f"center; backends: {', '.join(qpus)}")
        b = self._dc.backends.get(name)
        if b is None:
            b = _adorn(qpus[name].backend, name, self)
            self._dc.backends[name] = b
        return b

    def backends(self, name: Optional[str] = None, min_num_qubits: Optional[int] = None,
                 instance: Optional[str] = None, dynamic_circuits: Optional[bool] = None,
                 filters: Optional[Callable] = None, *, use_fractional_gates=False,
                 calibration_id=None, include_mocks: bool = False, **kwargs: Any) -> list:
        """Backends by the client's filters: ``name``, ``min_num_qubits``, ``filters`` (a
        callable), ``operational``, ``simulator`` (none here: every backend is a QPU) and any
        configuration attribute as a keyword."""
        with self._dc.clock.call(observes=False):
            names = [n for n in self._dc.sim.qpus if name is None or n == name]
            out = [self.backend(n) for n in names]
            if min_num_qubits is not None:
                out = [b for b in out if b.num_qubits >= min_num_qubits]
            for key, want in kwargs.items():
                if key == "operational":
                    out = [b for b in out if b.status().operational == want]
                elif key == "simulator":
                    out = [b for b in out if want is False]
                else:
                    out = [b for b in out
                           if getattr(b.configuration(), key, getattr(b, key, None)) == want]
            if filters is not None:
                out = [b for b in out if filters(b)]
            return out

    def least_busy(self, min_num_qubits: Optional[int] = None, instance: Optional[str] = None,
                   filters: Optional[Callable] = None, use_fractional_gates=False,
                   **kwargs: Any):
        candidates = self.backends(min_num_qubits=min_num_qubits, filters=filters, **kwargs)
        if not candidates:
            raise QiskitBackendNotFoundError("No backend matches the criteria.")
        return min(candidates, key=lambda b: (self._pending(b.name), b.name))

    def _queued(self, backend: str) -> list:
        """The jobs queued on the backend now (not future arrivals, not running ones)."""
        b = self._dc.sim.backends[backend]
        return [j for q in b.fs.values() for j in q if j.status == "queued"]

    def _pending(self, backend: str) -> int:
        return len(self._queued(backend))

    # ---------------------------------------------------------------- jobs

    def job(self, job_id: str):
        from .job import RuntimeJobV2

        with self._dc.clock.call(observes=False):
            job = self._dc.sim.jobs.get(job_id)
            if job is None or job.tenant != self.tenant or job_id in self._dc.deleted:
                raise RuntimeJobNotFound(f"Job not found: {job_id!r}")
            return RuntimeJobV2(self, job)

    def jobs(self, limit: Optional[int] = 10, skip: int = 0,
             backend_name: Optional[str] = None, pending: Optional[bool] = None,
             program_id: Optional[str] = None, instance: Optional[str] = None,
             job_tags: Optional[list] = None, session_id: Optional[str] = None,
             created_after: Optional[datetime] = None,
             created_before: Optional[datetime] = None, descending: bool = True,
             include_mocks: bool = False) -> list:
        """Your jobs, newest first (``descending``), with the client's filters."""
        from .job import RuntimeJobV2

        dc = self._dc
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise IBMInputValueError(f"limit: give a number of jobs >= 0, not {limit!r}")
        if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
            raise IBMInputValueError(f"skip: give a number of jobs >= 0, not {skip!r}")
        if job_tags is not None and (not isinstance(job_tags, (list, tuple)) or not all(
                isinstance(t, str) for t in job_tags)):
            raise IBMInputValueError(f"job_tags: give a list of strings, not {job_tags!r}")
        with dc.clock.call(observes=False):
            after = _aware(created_after, "created_after")
            before = _aware(created_before, "created_before")
            out = []
            for j in dc.sim.jobs.values():
                info = dc.infos.get(j.id)
                if j.tenant != self.tenant or j.id in dc.deleted or j.submit_tick > \
                        dc.sim.env._now:
                    continue
                if backend_name is not None and j.backend != backend_name:
                    continue
                if session_id is not None and j.session != session_id:
                    continue
                if pending is not None and (not j.terminal) != pending:
                    continue
                if program_id is not None and (info is None or info.program_id != program_id):
                    continue
                if job_tags and (info is None or not set(job_tags) <= set(info.tags)):
                    continue
                made = dc.stamp(j.submit_time)
                if after is not None and made < after:
                    continue
                if before is not None and made > before:
                    continue
                out.append(j)
            out.sort(key=lambda j: (j.submit_tick, j.seq), reverse=descending)
            out = out[skip:] if not limit else out[skip:skip + limit]   # 0: all, as the client
            return [RuntimeJobV2(self, j) for j in out]

    def delete_job(self, job_id: str) -> None:
        self.job(job_id)   # raises RuntimeJobNotFound for a job that is not yours
        self._dc.deleted.add(job_id)

    def _run(self, program_id: str, options: dict, inputs: dict,
             session_id: Optional[str] = None, start_session: bool = False,
             result_decoder=None, calibration_id=None, dry_run: bool = False):
        """Submit one primitive job (the client's ``QiskitRuntimeService._run``)."""
        from .job import RuntimeJobV2

        if dry_run:
            raise IBMInputValueError("dry_run=True is not simulated here: run the job, or "
                                     "read the primitive's estimate_usage(pubs)")
        backend = options["backend"]
        backend_name = backend if isinstance(backend, str) else backend.name
        dc = self._dc
        pubs = inputs["pubs"]
        with dc.clock.call():
            work = make_work(program_id, pubs, [dc.digest(p.circuit) for p in pubs])
            apply_options(work, program_id, inputs.get("options", {}))
            limit = options.get("max_execution_time")
            if limit is not None and (isinstance(limit, bool) or not isinstance(
                    limit, (int, float)) or not 0 < limit < 1e9):
                raise IBMInputValueError(f"max_execution_time: give seconds > 0, not {limit!r}")
            job = dc.sim.submit(self.tenant, backend_name, work=work, session_id=session_id,
                                max_execution_time=limit)
            dc.infos[job.id] = JobInfo(program_id, inputs, list(options.get("job_tags") or []),
                                       bool(options.get("private")))
            dc.sim.wait(job)    # a script may ask for the result: execute it when it completes
            dc.sim.settle()     # the service has it now: queued (or failed, or rejected)
            return RuntimeJobV2(self, job)

    # ---------------------------------------------------------------- runs

    def finish(self) -> None:
        """Run the data center until nothing is left to do."""
        self._dc.clock.run_to_end(self._dc.sim.run)

    def save_run(self, name: str, folder: Union[str, Path] = "runs", store: bool = True) -> Path:
        """Finish the simulation, write its trace (CSV) and scenario under ``folder/name``, and
        keep it in the run store (where the dashboard lists it) unless ``store=False``."""
        self.finish()
        out = Path(folder) / name
        result = collect(self._dc.sim)
        result.write(out)
        if store:
            from ..store import RunStore

            self.run_id = RunStore().save(result, name=name, source="script")
        return out


def _count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x > 0


def apply_options(work, program_id: str, opts: dict) -> None:
    """What a job's primitive options change in its QPU time (the one place, for the job and
    for ``estimate_usage``): ``execution.rep_delay``; an Estimator's shots from twirling
    (randomizations x shots per randomization) or from ``default_shots`` (exactly, not through
    the float 1/sqrt(shots) its PUBs carry as precision)."""
    rep_delay = opts.get("execution", {}).get("rep_delay")
    if isinstance(rep_delay, (int, float)) and not isinstance(rep_delay, bool):
        work.meta["rep_delay"] = rep_delay
    if program_id != "estimator":
        return
    twirl = opts.get("twirling", {})
    n, per = twirl.get("num_randomizations"), twirl.get("shots_per_randomization")
    if (twirl.get("enable_gates") or twirl.get("enable_measure")) and _count(n) and _count(per):
        work.meta["estimator_shots"] = n * per
        return
    shots = opts.get("default_shots")
    if _count(shots) and all(p.precision == 1.0 / math.sqrt(shots) for p in work.pubs):
        work.meta["estimator_shots"] = shots


def _aware(d: Optional[datetime], name: str) -> Optional[datetime]:
    if d is None:
        return None
    if not isinstance(d, datetime):
        raise IBMInputValueError(f"{name}: give a datetime, not {d!r}")
    return d if d.tzinfo is not None else d.astimezone()   # naive: local time, as the client


# ------------------------------------------------------------------ backends as users get them

class _SimulatedBackend:
    """What the client's ``IBMBackend`` adds to a qiskit backend: its service, its name in this
    data center, ``status()`` with the jobs really queued, ``configuration()``,
    ``default_rep_delay``. Mixed into the engine's own backend object (one object, so a circuit
    transpiled for it is ISA for the engine too)."""

    _sl_name: str
    service: "QiskitRuntimeService"

    @property
    def name(self) -> str:
        return self._sl_name

    @name.setter
    def name(self, value) -> None:   # BackendV2.__init__ sets it; the data center's name wins
        pass

    def status(self) -> BackendStatus:
        with self.service._dc.clock.call(observes=False):
            return BackendStatus(backend_name=self._sl_name, backend_version="1.0.0",
                                 operational=True,
                                 pending_jobs=self.service._pending(self._sl_name),
                                 status_msg="active")

    def configuration(self):
        conf = self.__dict__.get("_sl_conf")
        if conf is None:
            base = getattr(super(), "configuration", None)
            conf = base() if base is not None else _configuration(self)
            conf.backend_name = self._sl_name
            conf.simulator = False
            self._sl_conf = conf
        return conf

    @property
    def default_rep_delay(self) -> float:
        return self.configuration().default_rep_delay

    @property
    def rep_delay_range(self) -> list:
        return self.configuration().rep_delay_range

    def __repr__(self) -> str:
        return f"<IBMBackend('{self._sl_name}')>"


def _configuration(backend) -> QasmBackendConfiguration:
    """A configuration for a generic backend, with IBM's usual repetition delays (seconds)."""
    target = backend.target
    coupling = [list(e) for e in (target.build_coupling_map() or [])]
    return QasmBackendConfiguration(
        backend_name=backend.name, backend_version="1.0.0", n_qubits=backend.num_qubits,
        basis_gates=sorted(n for n in target.operation_names
                           if n not in ("measure", "delay", "reset")),
        gates=[], local=False, simulator=False, conditional=False, open_pulse=False,
        memory=False, coupling_map=coupling, max_shots=100000, max_experiments=300,
        dynamic_reprate_enabled=True, rep_delay_range=[0.0, 0.0005],
        default_rep_delay=0.00025, dt=getattr(backend, "dt", None),
        processor_type={"family": "Session Lab generic"})


def _adorn(backend, name: str, service: QiskitRuntimeService):
    cls = type(backend)
    if not issubclass(cls, _SimulatedBackend):
        backend.__class__ = types.new_class(
            "Simulated" + cls.__name__, (_SimulatedBackend, cls), {})
    backend._sl_name = name
    backend.service = service
    return backend


__all__ = ["QiskitRuntimeService", "DEFAULT_DATACENTER", "DataCenter", "JobInfo"]
