"""A scenario job's PUB fields (circuit, primitive, parameters, observables) -> :class:`Work`.

Named circuits are built once, compiled once per backend, and their observables laid out once per
(backend, circuit, observables); a job only adds its parameter values. A problem (a circuit too
wide for the backend, parameters that do not match) becomes ``Work.error``: the job fails at
submission with that reason and the simulation goes on.
"""

from __future__ import annotations

import numpy as np

from . import circuits
from .execution import DEFAULT_PRECISION, QPU, Work, first_line, make_work
from .model import ScenarioError, key_path


def observable(spec, num_qubits: int):
    """A SparsePauliOp from the scenario form; default Z on every qubit."""
    from qiskit.quantum_info import SparsePauliOp

    if spec is None:
        return SparsePauliOp("Z" * num_qubits)
    items = [spec] if isinstance(spec, str) else list(spec)
    terms = [(s, 1.0) if isinstance(s, str) else (s[0], float(s[1])) for s in items]
    for label, _ in terms:
        if len(label) != num_qubits:
            raise ValueError(f"observable {label!r} has {len(label)} qubits; the circuit has "
                             f"{num_qubits}")
    return SparsePauliOp.from_list(terms).simplify()


class Payloads:
    def __init__(self, scenario, qpus: dict[str, QPU]):
        self.scenario = scenario
        self.qpus = qpus
        self._built: dict[str, object] = {}      # name -> the circuit as written
        self._logical: dict[tuple, tuple] = {}   # (name, primitive) -> (circuit, digest)
        self._compiled: dict[tuple, tuple] = {}  # (backend, name, primitive, obs) -> (isa, obs, key)

    def built(self, name: str):
        """The named circuit, built (or read) once. A circuit that cannot be built is a broken
        scenario: ScenarioError naming ``circuits.NAME...``."""
        qc = self._built.get(name)
        if qc is None:
            spec = self.scenario.circuits[name]
            try:
                qc = circuits.build(spec, self.scenario.roots)
            except circuits.CircuitError as exc:
                field = "qasm" if spec.qasm is not None else (
                    "qasm_text" if spec.qasm_text is not None else None)
                key = key_path(("circuits", name) + ((field,) if field else ()))
                shown = spec.qasm if field == "qasm" else (name if field is None else None)
                raise ScenarioError(key, shown if shown is not None else "(inline)",
                                    str(exc)) from None
            self._built[name] = qc
        return qc

    def build_all(self) -> None:
        """Build every named circuit now, so a broken one refuses the scenario before it runs."""
        for name in self.scenario.circuits:
            self.built(name)

    def logical(self, name: str, primitive: str):
        got = self._logical.get((name, primitive))
        if got is None:
            qc = circuits.for_primitive(self.built(name), primitive)
            got = (qc, circuits.digest(qc))
            self._logical[(name, primitive)] = got
        return got

    def _compiled_for(self, backend: str, item, primitive: str):
        obs_key = repr(item.observables)
        key = (backend, item.circuit, primitive, obs_key)
        got = self._compiled.get(key)
        if got is None:
            qc, digest = self.logical(item.circuit, primitive)
            isa = self.qpus[backend].compile(qc, digest)
            obs = None
            if primitive == "estimator":
                obs = observable(item.observables, qc.num_qubits).apply_layout(isa.layout)
            got = (isa, obs, digest)
            self._compiled[key] = got
        return got

    def work(self, item, backend: str, shots: int, seed: int,
             parameters=None) -> Work:
        """The work of one job. ``parameters`` overrides the item's (a client's next point)."""
        from qiskit.primitives.containers import EstimatorPub, SamplerPub

        primitive = item.primitive or "sampler"
        try:
            isa, obs, key = self._compiled_for(backend, item, primitive)
        except Exception as exc:  # noqa: BLE001 - the transpiler raises many types; all fail the job
            return Work(primitive, [], (), error=first_line(exc))
        values = parameters if parameters is not None else item.parameters
        if isinstance(values, str) or (values is None and isa.num_parameters):  # "random"
            values = np.random.default_rng(seed).uniform(0, 2 * np.pi, isa.num_parameters)
        if values is not None:
            given = np.shape(values)[-1] if np.ndim(values) else 1
            if given != isa.num_parameters:
                return Work(primitive, [], (key,), error=(
                    f"parameters: circuit {item.circuit!r} has {isa.num_parameters} parameters, "
                    f"got {given} values"))
        try:
            if primitive == "sampler":
                pub = SamplerPub.coerce((isa,) if values is None else (isa, values), shots)
            else:
                precision = (item.precision if item.precision is not None
                             else 1.0 / np.sqrt(shots) if shots else DEFAULT_PRECISION)
                pub = EstimatorPub.coerce((isa, obs) if values is None else (isa, obs, values),
                                          float(precision))
        except (ValueError, TypeError) as exc:
            return Work(primitive, [], (key,), error=f"circuit {item.circuit!r}: {exc}")
        work = make_work(primitive, [pub], [key])
        work.meta["circuit"] = item.circuit
        return work

