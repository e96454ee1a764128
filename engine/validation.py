"""Validation: a parsed scenario document to a :class:`~engine.model.Scenario`, or one
:class:`~engine.model.ScenarioError` naming the first key and value that break it.

pydantic checks each field's type and range (engine/model.py); here are the checks across
fields it cannot express: names refer to what exists, ids are unique by construction (none
falls among the ids a workload generates, :class:`IdSpaces`), backends and circuits are ones
qiskit will accept, session and workload maximum times stay under the system limit, the job
total under MAX_JOBS, and the files a scenario names lie inside its folder
(engine/files.py). :func:`load_scenario` reads, parses and validates a file.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from .document import inspect_document, read_document
from .model import (MAX_JOBS, MISSING, InteractiveWorkload, ReplayWorkload, Scenario,
                    ScenarioError, key_path)

def _first_error(exc: ValidationError) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    # Drop the union tags pydantic inserts into locations (e.g. 'background', 'fixed').
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        return ScenarioError(key_path(loc), MISSING, "required key is missing")
    elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx", {})
        key = key_path(loc + (ctx.get("discriminator", "kind").strip("'"),))
        expected = ctx.get("expected_tags", "")
        if err["type"] == "union_tag_not_found":
            return ScenarioError(key, MISSING, "required key is missing")
        return ScenarioError(key, ctx.get("tag"), f"must be one of {expected}")
    msg = msg.removeprefix("Value error, ")
    return ScenarioError(key_path(loc), err.get("input"), msg)


# Discriminator values pydantic puts into error locations of tagged unions.
_UNION_TAGS = {
    "fixed", "exponential", "uniform", "lognormal", "poisson", "periodic",
    "background", "interactive", "job_user", "batch", "replay", "scheduler_name",
    "scheduler_spec",
}


_CLIENT = re.compile(r"(.+)-[0-9]+")


# The one- and two-qubit gates of qiskit's standard library (with measure, delay and reset) that
# qiskit's GenericBackendV2 accepts as basis gates. Written out rather than asked of qiskit:
# validation runs on the dashboard's script threads, where building qiskit objects has crashed
# its compiled core. tests/test_model.py checks it against the pinned qiskit.
BASIS_GATES = frozenset({
    "ch", "cp", "crx", "cry", "crz", "cs", "csdg", "csx", "cu", "cu1", "cu3", "cx", "cy", "cz",
    "dcx", "delay", "ecr", "h", "id", "iswap", "measure", "p", "r", "reset", "rx", "rxx", "ry",
    "ryy", "rz", "rzx", "rzz", "s", "sdg", "swap", "sx", "sxdg", "t", "tdg", "u", "u1", "u2",
    "u3", "x", "xx_minus_yy", "xx_plus_yy", "y", "z"})


class IdSpaces:
    """The ids the scenario's workloads generate: workload ``W`` makes jobs ``W.<n>`` and a
    session ``W`` (one client), or sessions ``W-<k>`` and jobs ``W-<k>.<n>`` (several clients);
    a replay makes ``W.<anything>``. :meth:`owner` finds the workload an id belongs to in time
    linear in the id's length, whatever the number of workloads."""

    def __init__(self, sc: Scenario):
        self.clients = {name: isinstance(w, InteractiveWorkload) and w.clients > 1
                        for w, name in zip(sc.workloads, sc.workload_names())}

    def owner(self, value: str, skip: Optional[str] = None) -> Optional[str]:
        """The workload (other than ``skip``) that generates ``value``, or None."""
        heads = [value] + [value[:i] for i, c in enumerate(value) if c == "."]
        for head in heads:   # value itself, or what stands before one of its dots
            if head != skip and head in self.clients:
                return head
            m = _CLIENT.fullmatch(head)   # W-<k> of a workload with several clients
            if m and m.group(1) != skip and self.clients.get(m.group(1)):
                return m.group(1)
        return None


def _check_ids(sc: Scenario) -> None:
    """Ids unique by construction: no explicit id, and no workload's name, falls among the ids
    another workload generates (R16: a job that shares an id with another is a job lost)."""
    spaces = IdSpaces(sc)
    for section in ("jobs", "sessions"):
        for i, item in enumerate(getattr(sc, section)):
            w = spaces.owner(item.id)
            if w is not None:
                raise ScenarioError(f"{section}[{i}].id", item.id,
                                    f"workload {w!r} generates this id; rename one of them")
    names = sc.workload_names()
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ScenarioError(f"workloads[{i}].name", name, "duplicate name")
        seen.add(name)
    for i, name in enumerate(names):
        w = spaces.owner(name, skip=name)
        if w is not None:
            raise ScenarioError(f"workloads[{i}].name", name,
                                f"workload {w!r} generates ids of this form; rename one of them")


def _check_backend(b, where: str) -> None:
    """What qiskit's GenericBackendV2 would otherwise reject with a traceback mid-run."""
    if isinstance(b.coupling, list):
        for k, (i, j) in enumerate(b.coupling):
            if i == j:
                raise ScenarioError(f"{where}.coupling[{k}]", [i, j], "a qubit cannot couple to "
                                                                     "itself")
            if max(i, j) >= b.num_qubits:
                raise ScenarioError(f"{where}.coupling[{k}]", [i, j],
                                    f"names qubit {max(i, j)}; the backend has qubits 0 to "
                                    f"{b.num_qubits - 1}")
    if b.basis_gates is not None and b.device is None:
        seen = set()
        for k, g in enumerate(b.basis_gates):
            if g not in BASIS_GATES:
                raise ScenarioError(f"{where}.basis_gates[{k}]", g,
                                    "not a one- or two-qubit gate of qiskit's standard library")
            if g in seen:
                raise ScenarioError(f"{where}.basis_gates[{k}]", g, "given twice")
            seen.add(g)


def _check_references(sc: Scenario) -> None:
    """Cross-checks pydantic cannot express per field: names exist, ids are unique."""

    def unique(items, attr, section):
        seen = set()
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                raise ScenarioError(f"{section}[{i}].{attr}", value, f"duplicate {attr}")
            seen.add(value)
        return seen

    backends = unique(sc.backends, "name", "backends")
    tenants = unique(sc.tenants, "name", "tenants")
    sessions = {s.id: s for s in sc.sessions}
    unique(sc.sessions, "id", "sessions")
    unique(sc.jobs, "id", "jobs")
    policy = sc.resolved_policy()

    for i, b in enumerate(sc.backends):
        _check_backend(b, f"backends[{i}]")
    for name, spec in sc.circuits.items():
        for k, (i, j) in enumerate(spec.graph or ()):
            if i == j:
                raise ScenarioError(f"{key_path(('circuits', name, 'graph'))}[{k}]", [i, j],
                                    "an edge needs two different nodes")

    for i, s in enumerate(sc.sessions):
        if s.tenant not in tenants:
            raise ScenarioError(f"sessions[{i}].tenant", s.tenant, "unknown tenant")
        if s.backend not in backends:
            raise ScenarioError(f"sessions[{i}].backend", s.backend, "unknown backend")
    for i, j in enumerate(sc.jobs):
        if j.tenant not in tenants:
            raise ScenarioError(f"jobs[{i}].tenant", j.tenant, "unknown tenant")
        if j.backend not in backends:
            raise ScenarioError(f"jobs[{i}].backend", j.backend, "unknown backend")
        _check_payload(sc, j, f"jobs[{i}]")
        if j.session is not None:
            s = sessions.get(j.session)
            if s is None:
                raise ScenarioError(f"jobs[{i}].session", j.session, "unknown session")
            if s.backend != j.backend:
                raise ScenarioError(
                    f"jobs[{i}].backend", j.backend, f"session {s.id} runs on {s.backend}"
                )
            if s.tenant != j.tenant:
                raise ScenarioError(
                    f"jobs[{i}].tenant", j.tenant, f"session {s.id} belongs to {s.tenant}"
                )

    _check_reservations(sc, tenants, backends)
    _check_ids(sc)
    names = sc.workload_names()
    total = len(sc.jobs)
    for i, (w, name) in enumerate(zip(sc.workloads, names)):
        if w.tenant not in tenants:
            raise ScenarioError(f"workloads[{i}].tenant", w.tenant, "unknown tenant")
        for b in w.backends:
            if b not in backends:
                raise ScenarioError(f"workloads[{i}].backend", b, "unknown backend")
        _check_payload(sc, w, f"workloads[{i}]")
        algo = getattr(w, "algorithm", None)
        if algo is not None:
            if policy.execution == "none":
                raise ScenarioError(f"workloads[{i}].algorithm", algo.name,
                                    "needs real results, but policy.execution is 'none'")
            spec = sc.circuits[w.circuit]
            if algo.name == "qaoa" and spec.family != "qaoa":
                raise ScenarioError(f"workloads[{i}].circuit", w.circuit,
                                    "the qaoa algorithm needs a circuit of the qaoa family")
        expected = w.expected_jobs()
        total += expected
        if not math.isfinite(expected) or total > MAX_JOBS:
            raise ScenarioError(
                f"workloads[{i}]", name, f"would generate more than {MAX_JOBS:,} jobs in all"
            )
    # R9: a session's maximum time never exceeds the system limit; say so, don't clamp.
    for section, items in (("sessions", sc.sessions), ("workloads", sc.workloads)):
        for i, s in enumerate(items):
            max_time = getattr(s, "max_time", None)
            if max_time is not None and max_time > policy.system_max_time:
                raise ScenarioError(f"{section}[{i}].max_time", max_time,
                                    f"exceeds policy.system_max_time "
                                    f"({policy.system_max_time:g} s)")


def _check_reservations(sc: Scenario, tenants: set, backends: set) -> None:
    """R21: names exist, ids are unique, and two reservations of one backend never overlap
    (which tenant would have it is then undefined)."""
    seen: set = set()
    by_backend: dict = {}
    for i, r in enumerate(sc.reservations):
        if r.id in seen:
            raise ScenarioError(f"reservations[{i}].id", r.id, "duplicate id")
        seen.add(r.id)
        if r.tenant not in tenants:
            raise ScenarioError(f"reservations[{i}].tenant", r.tenant, "unknown tenant")
        if r.backend not in backends:
            raise ScenarioError(f"reservations[{i}].backend", r.backend, "unknown backend")
        by_backend.setdefault(r.backend, []).append((r.start, r.end, i))
    for spans in by_backend.values():
        spans.sort()
        for (s0, e0, i0), (s1, _, i1) in zip(spans, spans[1:]):
            if s1 < e0:
                raise ScenarioError(f"reservations[{i1}].start", s1,
                                    f"overlaps reservations[{i0}] ({s0:g} to {e0:g} s) on the "
                                    f"same backend")


def _check_payload(sc: Scenario, item, where: str) -> None:
    """A job's or workload's circuit must exist; PUB fields need a circuit."""
    if item.circuit is None:
        for key in ("primitive", "parameters", "observables", "precision"):
            if getattr(item, key) is not None:
                raise ScenarioError(f"{where}.{key}", getattr(item, key),
                                    "needs a circuit (add circuit: NAME)")
        return
    if item.circuit not in sc.circuits:
        raise ScenarioError(f"{where}.circuit", item.circuit, "unknown circuit (not in circuits)")
    if item.primitive != "estimator":
        for key in ("observables", "precision"):
            if getattr(item, key) is not None:
                raise ScenarioError(f"{where}.{key}", getattr(item, key),
                                    "only an estimator job takes this")


def _check_files(sc: Scenario) -> None:
    """Every ``qasm:`` and ``trace:`` file exists, lies inside the scenario's folder (or an
    allowed one), is a regular file and is within its size limit. Checked when the scenario's
    folder is known; the file is read (under the same rules) when the run needs it."""
    from . import files

    if sc.base_dir is None:
        return
    named = [(key_path(("circuits", n, "qasm")), c.qasm, files.MAX_QASM_BYTES)
             for n, c in sc.circuits.items() if c.qasm is not None]
    named += [(f"workloads[{i}].trace", w.trace, files.MAX_TRACE_BYTES)
              for i, w in enumerate(sc.workloads) if isinstance(w, ReplayWorkload)]
    for key, path, cap in named:
        problem = files.check_named(path, sc.roots, cap)
        if problem is not None:
            raise ScenarioError(key, path, problem)


def validate_scenario(data: Any, base_dir=None, roots=()) -> Scenario:
    """Validate a document; raise :class:`ScenarioError` on the first problem. ``base_dir`` is
    the folder its relative ``qasm:``/``trace:`` paths start from and the only one (with
    ``roots``) files may be read from; without it no file is read."""
    if not isinstance(data, dict):
        raise ScenarioError("(document)", data, "a scenario must be a mapping of keys")
    inspect_document(data)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None
    except RecursionError:
        raise ScenarioError("(file)", MISSING, "the document is nested too deeply") from None
    _check_references(sc)
    if base_dir is not None:
        sc = sc.with_files(base_dir, roots)
        _check_files(sc)
    return sc


def load_scenario(path: str | Path, roots=()) -> Scenario:
    """Read and validate a scenario file. Its folder is where its relative paths start and the
    folder its ``qasm:`` and ``trace:`` files must lie in (or in one of ``roots``)."""
    return validate_scenario(read_document(path), base_dir=Path(path).resolve().parent,
                             roots=roots)
