"""The primitives: the client's own ``SamplerV2`` and ``EstimatorV2``, submitting to the
simulated data center.

They subclass qiskit-ibm-runtime's classes and keep everything of them but where a job goes:
``run()`` (PUB coercion and checks), the options classes with their validation (attributes,
dicts, ``update(...)``), ``mode`` and ``backend()`` are the client's own. Made without ``mode=``
inside ``with Session(...)`` / ``with Batch(...)`` they join it, as the client's do. With a
backend that is not this data center's (a fake backend: the client's local testing mode) they
are the client's primitives unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Iterable, Optional

import qiskit_ibm_runtime as _ibm
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2
from qiskit.primitives.containers import EstimatorPub, SamplerPub
from qiskit.providers import BackendV2
from qiskit_ibm_runtime.exceptions import IBMInputValueError
from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService
from qiskit_ibm_runtime.utils.default_session import get_cm_session
from qiskit_ibm_runtime.utils.validations import validate_isa_circuits

from ..execution import DEFAULT_PRECISION, DEFAULT_SHOTS, make_work
from ..model import MIN_PRECISION
from .service import QiskitRuntimeService, apply_options
from .session import Session


def _mode_service_backend(mode):
    """The client's ``get_mode_service_backend`` for this data center's objects."""
    if isinstance(mode, Session):
        return mode, mode.service, mode._backend
    if isinstance(mode, BackendV2) and isinstance(getattr(mode, "service", None),
                                                  QiskitRuntimeService):
        cm = get_cm_session()
        if isinstance(cm, Session):
            if cm._backend is not mode:
                raise ValueError(
                    "The backend passed in to the primitive is different from the session "
                    "backend. Please check which backend you intend to use or leave the mode "
                    "parameter empty to use the session backend.")
            return cm, mode.service, mode
        return None, mode.service, mode
    if isinstance(mode, BackendV2):      # the client's local testing mode
        return None, QiskitRuntimeLocalService(), mode
    if mode is not None:
        raise ValueError("mode must be of type Backend, Session, Batch or None")
    cm = get_cm_session()
    if cm is not None:
        return cm, cm.service, cm._backend
    raise ValueError("A backend or session must be specified.")


class _Simulated:
    """What both primitives change: where ``_run`` sends a job."""

    def _init(self, mode, options) -> None:
        self._mode, self._service, self._backend = _mode_service_backend(mode)
        self._set_options(options)

    def _run(self, pubs: list, dry_run: bool = False):
        """The client's own ``_run`` (options, its checks: ISA circuits, dynamical decoupling,
        RZZ angles; then the session's or the service's ``_run``), after what the service
        would do first here: default shots or precision, and a circuit wider than the backend
        refused with the engine's words."""
        if isinstance(self._service, QiskitRuntimeService):
            pubs = self._with_defaults(pubs)
            qpu = self._service._dc.sim.qpus[self._backend.name]
            for pub in pubs:
                problem = qpu.problem_width(pub.circuit)
                if problem:
                    raise IBMInputValueError(problem)
        return super()._run(pubs, dry_run=dry_run)   # a fake backend: local testing mode

    def estimate_usage(self, pubs: Iterable, **run_args) -> dict:
        """QPU seconds a job of these PUBs would use, before running it (IBM gives an estimate
        only after submission, ``job.usage_estimation``): ``quantum_seconds``, Session Lab's
        timing model, which is what the simulation charges (per-job overhead, compile time,
        shots); ``shot_seconds``, the shots alone (shots x (circuit duration + rep delay) per
        circuit execution), the floor any estimate starts from."""
        coerced = self._coerce(pubs, **run_args)
        pubs = self._with_defaults(coerced)
        name = self._backend.name
        qpu = self._service._dc.sim.qpus[name]
        for pub in pubs:
            validate_isa_circuits([pub.circuit], self._backend.target)
        work = make_work(self._program_id(), pubs, [""] * len(pubs))
        opts = self._options_class._get_program_inputs(asdict(self.options)).get("options", {})
        apply_options(work, self._program_id(), opts)
        sim = self._service._dc.sim
        compile_ = 0.0 if sim._compile_classical else sim.policy.timing.compile_time
        shots = qpu.qpu_seconds(work) - qpu.timing.per_job_overhead   # the shots alone
        model = qpu.qpu_seconds(work) + compile_   # as charged, unless R15 reuses a compile
        rep_delay = work.meta.get("rep_delay", qpu.timing.rep_delay)
        return {"quantum_seconds": model, "compile_seconds": compile_,
                "shot_seconds": shots, "backend": name, "rep_delay": rep_delay}


class SamplerV2(_Simulated, _ibm.SamplerV2):
    """The Sampler: ``Sampler(mode=session).run([isa_circuit], shots=...)``."""

    def __init__(self, mode=None, options=None):
        BaseSamplerV2.__init__(self)
        self._init(mode, options)

    def _coerce(self, pubs, shots: Optional[int] = None) -> list:
        return [SamplerPub.coerce(p, shots) for p in pubs]

    def _with_defaults(self, pubs: list) -> list:
        """PUBs without shots take ``default_shots`` (else the service's 4096)."""
        shots = self.options.default_shots
        if not isinstance(shots, int) or isinstance(shots, bool):
            shots = DEFAULT_SHOTS
        for p in pubs:   # the service fails such a job; refused here, with why
            if p.circuit.num_clbits == 0:
                raise IBMInputValueError(
                    f"circuit {p.circuit.name!r} has no output classical registers: the "
                    f"Sampler needs measurements")
        return [p if p.shots is not None else SamplerPub.coerce(p, shots) for p in pubs]


class EstimatorV2(_Simulated, _ibm.EstimatorV2):
    """The Estimator: ``Estimator(mode=session).run([(isa_circuit, isa_observables)])``."""

    def __init__(self, mode=None, options=None):
        BaseEstimatorV2.__init__(self)
        self._init(mode, options)

    def _coerce(self, pubs, precision: Optional[float] = None) -> list:
        return [EstimatorPub.coerce(p, precision) for p in pubs]

    def _with_defaults(self, pubs: list) -> list:
        """PUBs without precision take ``default_precision``, or ``1/sqrt(default_shots)``."""
        opts = self.options
        precision = opts.default_precision
        shots = opts.default_shots
        if isinstance(shots, int) and not isinstance(shots, bool) and shots > 0:
            precision = 1.0 / math.sqrt(shots)
        if not isinstance(precision, (int, float)) or isinstance(precision, bool):
            precision = DEFAULT_PRECISION
        out = []
        for p in pubs:
            if p.precision is None:
                p = EstimatorPub.coerce(p, precision)
            if isinstance(p.precision, bool) or not MIN_PRECISION <= p.precision <= 1:
                raise IBMInputValueError(
                    f"precision {p.precision!r}: give a number from {MIN_PRECISION:g} to 1 "
                    f"(1e-4 already means 10^8 shots per measurement setting)")
            out.append(p)
        return out


Sampler = SamplerV2
Estimator = EstimatorV2

__all__ = ["SamplerV2", "EstimatorV2", "Sampler", "Estimator"]
