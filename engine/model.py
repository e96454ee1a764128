"""Scenario types, policy presets and validation.

A scenario is plain data (YAML or JSON). This module turns such a document into typed, validated
objects and nothing else: every check that can be made before the simulation starts is made here,
and every failure becomes a :class:`ScenarioError` that names the offending key and value in one
line (the contract in SCENARIO_FORMAT.md). Keys outside the contract (workload generators, timing
fields, ``open_at``, fair-share options) are extensions; none changes a contract key's meaning.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import (
    BaseModel,
    PrivateAttr,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

# The largest number of jobs one scenario may generate. A document asking for more (a huge count,
# or a rate times a horizon) is refused up front instead of exhausting memory.
MAX_JOBS = 2_000_000

DAY = 86_400.0


class ScenarioError(ValueError):
    """A scenario document that breaks the format: ``key`` and ``value`` name what is wrong."""

    def __init__(self, key: str, value: Any, message: str):
        self.key = key
        self.value = value
        self.message = message
        shown = key if value is MISSING else f"{key} = {_show(value)}"
        super().__init__(f"{shown}: {message}")


MISSING = object()  # the value of a key that is not there


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_STRICT = ConfigDict(extra="forbid", coerce_numbers_to_str=True, allow_inf_nan=False, frozen=True)

Time = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = _STRICT


# --------------------------------------------------------------------------- distributions


class FixedDist(_Model):
    # Required (not defaulted) so a dump without defaults keeps the discriminator and reloads.
    dist: Literal["fixed"]
    value: Time


class ExponentialDist(_Model):
    dist: Literal["exponential"]
    mean: Positive


class UniformDist(_Model):
    dist: Literal["uniform"]
    low: Time
    high: Time

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must not be below low ({self.low})")
        return self


class LognormalDist(_Model):
    """Log-normal with the given arithmetic ``mean`` and log-space spread ``sigma``."""

    dist: Literal["lognormal"]
    mean: Positive
    sigma: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]


def _number_is_fixed(value: Any) -> Any:
    # `duration: 30` is shorthand for a fixed distribution; bools are not numbers here.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Dist = Annotated[
    Union[FixedDist, ExponentialDist, UniformDist, LognormalDist],
    Field(discriminator="dist"),
    BeforeValidator(_number_is_fixed),
]


class PoissonArrivals(_Model):
    process: Literal["poisson"]
    rate: Positive  # arrivals per second


class PeriodicArrivals(_Model):
    process: Literal["periodic"]
    interval: Positive


Arrivals = Annotated[Union[PoissonArrivals, PeriodicArrivals], Field(discriminator="process")]


# --------------------------------------------------------------------------- policy


class FairShare(_Model):
    """How usage is counted for R3: over a rolling window, or with exponential decay."""

    usage: Literal["window", "half_life"] = "window"
    window: Positive = 28 * DAY
    half_life: Positive = 7 * DAY


class Timing(_Model):
    """The timing model for jobs without an explicit ``duration`` (QPU seconds)."""

    per_job_overhead: Time = 2.0
    rep_delay: Time = 250e-6
    circuit_duration: Time = 5e-6
    # Compiling a job's circuit; skipped when the session or batch compiled it before (R15).
    compile_time: Time = 1.0


class Policy(_Model):
    preset: Literal["ibm-2022", "ibm-2024"] = "ibm-2022"
    interactive_timeout: Optional[Time] = None
    system_max_time: Optional[Positive] = None
    # R9 without an explicit max_time: "first_job" (seed) or "system" (ibm-2024).
    max_time_rule: Optional[Literal["first_job", "system"]] = None
    # The program's default job limit (R9 seed rule and R12); null means none.
    default_max_execution_time: Optional[Positive] = None
    # ibm-2024: a session with no job this long after it opens closes itself; null = never.
    open_timeout: Optional[Positive] = None
    # Which jobs with circuits really run on Aer: all of them, only those a client or script
    # waits on (interactive), or none (timing only).
    execution: Literal["all", "interactive", "none"] = "all"
    fair_share: FairShare = FairShare()
    timing: Timing = Timing()


@dataclass(frozen=True)
class ResolvedPolicy:
    """A policy with every value decided (preset defaults filled in)."""

    preset: str
    interactive_timeout: float
    system_max_time: float
    max_time_rule: str
    default_max_execution_time: Optional[float]
    open_timeout: Optional[float]
    fair_share: FairShare
    timing: Timing
    execution: str = "all"


PRESETS: dict[str, dict[str, Any]] = {
    "ibm-2022": {
        "interactive_timeout": 300.0,
        "system_max_time": 8 * 3600.0,
        "max_time_rule": "first_job",
        "open_timeout": None,
    },
    "ibm-2024": {
        "interactive_timeout": 60.0,
        "system_max_time": 8 * 3600.0,
        "max_time_rule": "system",
        "open_timeout": 1800.0,
    },
}


def resolve_policy(policy: Policy) -> ResolvedPolicy:
    preset = PRESETS[policy.preset]

    def pick(name: str):
        own = getattr(policy, name)
        return preset[name] if own is None else own

    return ResolvedPolicy(
        preset=policy.preset,
        interactive_timeout=float(pick("interactive_timeout")),
        system_max_time=float(pick("system_max_time")),
        max_time_rule=pick("max_time_rule"),
        default_max_execution_time=policy.default_max_execution_time,
        open_timeout=pick("open_timeout"),
        fair_share=policy.fair_share,
        timing=policy.timing,
        execution=policy.execution,
    )


# --------------------------------------------------------------------------- data center


Qubits = Annotated[int, Field(ge=1, le=156)]


class Backend(_Model):
    """A QPU. Built as qiskit's GenericBackendV2 (or a device snapshot) when circuits need it."""

    name: Name
    num_qubits: Qubits = 5
    # "full", "line", "ring", "grid" or "heavy_hex" (sized to num_qubits), or explicit pairs.
    coupling: Union[Literal["full", "line", "ring", "grid", "heavy_hex"],
                    list[Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=2,
                                                                              max_length=2)]]
                    ] = "line"
    basis_gates: Optional[list[Name]] = None
    noise: bool = False          # run on Aer with the backend's noise model
    # A real device snapshot from qiskit-ibm-runtime's fake provider, e.g. "fake_manila".
    device: Optional[Annotated[str, Field(pattern=r"^fake_[a-z0-9_]+$")]] = None
    seed: Annotated[int, Field(ge=0, lt=2**31)] = 0   # GenericBackendV2's random properties


Family = Literal["ghz", "qft", "random", "hea", "qaoa"]


class CircuitSpec(_Model):
    """A named circuit: a built-in family, an OpenQASM 2/3 file, or inline OpenQASM."""

    family: Optional[Family] = None
    num_qubits: Optional[Qubits] = None
    reps: Annotated[int, Field(ge=1, le=20)] = 1
    depth: Annotated[int, Field(ge=1, le=500)] = 5
    seed: Annotated[int, Field(ge=0, lt=2**31)] = 0
    graph: Optional[Annotated[list[Annotated[list[Annotated[int, Field(ge=0, le=155)]],
                                             Field(min_length=2, max_length=2)]],
                              Field(min_length=1)]] = None
    qasm: Optional[Name] = None          # a file path, relative to the scenario file
    qasm_text: Optional[str] = None

    @model_validator(mode="after")
    def _one_source(self):
        sources = [self.family is not None, self.qasm is not None, self.qasm_text is not None]
        if sum(sources) != 1:
            raise ValueError("give exactly one of family, qasm or qasm_text")
        if self.family == "qaoa":
            if self.graph is None:
                raise ValueError("the qaoa family needs a graph (a list of [i, j] edges)")
        elif self.family is not None and self.num_qubits is None:
            raise ValueError(f"the {self.family} family needs num_qubits")
        return self


Primitive = Literal["sampler", "estimator"]
# Parameter values: a list, or "random" (uniform in [0, 2 pi), seeded per job).
Parameters = Union[Literal["random"], list[Annotated[float, Field(allow_inf_nan=False)]]]
# Observables: Pauli strings ("ZZII"), or [label, coefficient] pairs summed into one operator.
Observables = Union[Annotated[str, Field(pattern=r"^[IXYZ]+$")],
                    list[Union[Annotated[str, Field(pattern=r"^[IXYZ]+$")],
                               tuple[Annotated[str, Field(pattern=r"^[IXYZ]+$")], float]]]]


class _Payload(_Model):
    """What a job asks the QPU to run: one PUB of a named circuit."""

    circuit: Optional[Name] = None       # a key of `circuits`; also the R15 compile-cache key
    primitive: Optional[Primitive] = None   # default: sampler
    parameters: Optional[Parameters] = None
    observables: Optional[Observables] = None   # estimator; default Z on every qubit
    precision: Optional[Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]] = None


class Tenant(_Model):
    name: Name
    share: Positive = 1.0


Mode = Literal["dedicated", "batch"]


class SessionSpec(_Model):
    id: Name
    tenant: Name
    backend: Name
    mode: Mode = "dedicated"
    max_time: Optional[Positive] = None
    interactive_timeout: Optional[Time] = None
    close_at: Optional[Time] = None
    cancel_at: Optional[Time] = None
    # Extension: when the session is created with no job yet (Session() before the first run).
    open_at: Optional[Time] = None


class JobSpec(_Payload):
    id: Name
    tenant: Name
    backend: Name
    submit: Time
    duration: Optional[Time] = None
    session: Optional[Name] = None
    max_execution_time: Optional[Positive] = None
    # Extensions for the timing model when `duration` is absent.
    shots: Annotated[int, Field(ge=1, le=10_000_000)] = 4000
    num_circuits: Annotated[int, Field(ge=1, le=100_000)] = 1
    circuit_duration: Optional[Time] = None


# --------------------------------------------------------------------------- workloads


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Workload(_Payload):
    name: Optional[Name] = None
    tenant: Name
    # One backend, or a list to choose from uniformly at random per job (per client).
    backend: Annotated[list[Name], BeforeValidator(_one_or_many), Field(min_length=1)]
    start: Time = 0.0
    # QPU seconds; default: from the timing model when a circuit is given, else 10 s.
    duration: Optional[Dist] = None
    shots: Annotated[int, Field(ge=1, le=10_000_000)] = 4000
    max_execution_time: Optional[Positive] = None
    # Extension: the random stream; workloads with equal seeds draw identical numbers.
    seed: Optional[Annotated[int, Field(ge=0, lt=2**63)]] = None

    @property
    def backends(self) -> list[str]:
        return list(self.backend)

    def duration_dist(self):
        """The explicit duration distribution, or None when the timing model decides."""
        if self.duration is None and self.circuit is None:
            return FixedDist(dist="fixed", value=10.0)
        return self.duration


class BackgroundWorkload(_Workload):
    """Open-loop job-mode load: arrivals by a process, until a count or a horizon."""

    kind: Literal["background"]
    arrivals: Arrivals
    count: Optional[Annotated[int, Field(ge=0, le=MAX_JOBS)]] = None
    until: Optional[Time] = None

    @model_validator(mode="after")
    def _bounded(self):
        if (self.count is None) == (self.until is None):
            raise ValueError("give exactly one of count or until")
        return self

    def expected_jobs(self) -> float:
        if self.count is not None:
            return self.count
        span = max(0.0, self.until - self.start)
        if isinstance(self.arrivals, PoissonArrivals):
            return span * self.arrivals.rate
        return span / self.arrivals.interval


class Algorithm(_Model):
    """A variational loop whose next parameters come from the last result.

    ``vqe``: minimise the Estimator's expectation value of ``observables`` for ``circuit``.
    ``qaoa``: minimise the Sampler's mean MaxCut cost over the counts (graph from the circuit).
    """

    name: Literal["vqe", "qaoa"]
    optimizer: Literal["COBYLA", "Nelder-Mead", "Powell"] = "COBYLA"
    maxiter: Annotated[int, Field(ge=1, le=10_000)] = 30
    x0: Union[Literal["zeros", "random"], list[Annotated[float, Field(allow_inf_nan=False)]]] = "zeros"
    # Time-to-solution: the first result within `tolerance` of `target` (else the last one).
    target: Optional[Annotated[float, Field(allow_inf_nan=False)]] = None
    tolerance: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 0.05


class InteractiveWorkload(_Workload):
    """Closed-loop clients: submit, wait for the result, think, submit again; close at the end.

    ``mode`` runs the same loop as a dedicated session, a batch, or plain job mode.
    """

    kind: Literal["interactive", "job_user"]
    mode: Literal["dedicated", "batch", "job"] = "dedicated"
    iterations: Annotated[int, Field(ge=1, le=100_000)] = 10
    think_time: Dist = FixedDist(dist="fixed", value=5.0)
    clients: Annotated[int, Field(ge=1, le=100_000)] = 1
    # How clients after the first arrive; default: all at `start`.
    arrivals: Optional[Arrivals] = None
    max_time: Optional[Positive] = None
    interactive_timeout: Optional[Time] = None
    close: bool = True
    algorithm: Optional[Algorithm] = None   # a closed loop on real results; needs `circuit`

    @model_validator(mode="after")
    def _job_user_is_job_mode(self):
        if self.kind == "job_user" and self.mode != "job":
            # A plain job-mode user: the same loop without a session.
            object.__setattr__(self, "mode", "job")
        if self.algorithm is not None:
            if self.circuit is None:
                raise ValueError("an algorithm needs a (parameterised) circuit")
            wanted = "estimator" if self.algorithm.name == "vqe" else "sampler"
            if self.primitive is None:
                object.__setattr__(self, "primitive", wanted)
            elif self.primitive != wanted:
                raise ValueError(f"{self.algorithm.name} runs on the {wanted}, not the "
                                 f"{self.primitive}")
        return self

    def expected_jobs(self) -> float:
        return self.iterations * self.clients


class BatchWorkload(_Workload):
    """A batch submitter: `jobs` jobs submitted `interval` apart, then close()."""

    kind: Literal["batch"]
    mode: Literal["dedicated", "batch", "job"] = "batch"
    jobs: Annotated[int, Field(ge=1, le=MAX_JOBS)] = 10
    interval: Time = 0.0
    max_time: Optional[Positive] = None
    interactive_timeout: Optional[Time] = None

    def expected_jobs(self) -> float:
        return self.jobs


class ReplayWorkload(_Workload):
    """A recorded job trace replayed as load: SWF (Parallel Workloads Archive) or the project's
    own jobs.csv. The mapping is documented in engine/replay.py."""

    kind: Literal["replay"]
    trace: Annotated[str, Field(min_length=1)]   # a file path, relative to the scenario file
    format: Literal["swf", "jobs_csv"] = "swf"
    tenant_by: Literal["user", "group"] = "user"
    time_scale: Positive = 1.0
    limit: Optional[Annotated[int, Field(ge=1, le=MAX_JOBS)]] = None
    session_mode: Literal["dedicated", "batch"] = "dedicated"

    def expected_jobs(self) -> float:
        return self.limit or 0


Workload = Annotated[
    Union[BackgroundWorkload, InteractiveWorkload, BatchWorkload, ReplayWorkload],
    Field(discriminator="kind")
]


# --------------------------------------------------------------------------- scenario


class Scenario(_Model):
    name: Name = "scenario"
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    policy: Policy = Policy()
    backends: Annotated[list[Backend], Field(min_length=1)]
    tenants: Annotated[list[Tenant], Field(min_length=1)]
    sessions: list[SessionSpec] = []
    jobs: list[JobSpec] = []
    workloads: list[Workload] = []
    circuits: dict[Name, CircuitSpec] = {}
    # The folder of the file it was loaded from: relative QASM and trace paths start there.
    _base_dir: Optional[str] = PrivateAttr(default=None)

    @property
    def base_dir(self) -> Optional[str]:
        return self._base_dir

    def resolved_policy(self) -> ResolvedPolicy:
        return resolve_policy(self.policy)

    def workload_names(self) -> list[str]:
        return [w.name or f"{w.kind}{i + 1}" for i, w in enumerate(self.workloads)]


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def _key(loc: tuple) -> str:
    """A location as a path: ``jobs[3].submit``; odd keys quoted: ``policy['a b']``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{str(part)!r}]"
    return out or "(document)"


def _first_error(exc: ValidationError) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    # Drop the union tags pydantic inserts into locations (e.g. 'background', 'fixed').
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        return ScenarioError(_key(loc), MISSING, "required key is missing")
    elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx", {})
        key = _key(loc + (ctx.get("discriminator", "kind").strip("'"),))
        expected = ctx.get("expected_tags", "")
        if err["type"] == "union_tag_not_found":
            return ScenarioError(key, MISSING, "required key is missing")
        return ScenarioError(key, ctx.get("tag"), f"must be one of {expected}")
    msg = msg.removeprefix("Value error, ")
    return ScenarioError(_key(loc), err.get("input"), msg)


# Discriminator values pydantic puts into error locations of tagged unions.
_UNION_TAGS = {
    "fixed", "exponential", "uniform", "lognormal", "poisson", "periodic",
    "background", "interactive", "job_user", "batch",
}


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
    job_ids = unique(sc.jobs, "id", "jobs")
    policy = sc.resolved_policy()

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

    names = sc.workload_names()
    unique_names = set()
    total = len(sc.jobs)
    for i, (w, name) in enumerate(zip(sc.workloads, names)):
        if name in unique_names or name in sessions or name in job_ids:
            raise ScenarioError(f"workloads[{i}].name", name, "duplicate name")
        unique_names.add(name)
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
    for i, s in enumerate(sc.sessions):
        if s.max_time is not None and s.max_time > policy.system_max_time:
            # R9: a session's maximum time never exceeds the system limit; say so, don't clamp.
            raise ScenarioError(
                f"sessions[{i}].max_time",
                s.max_time,
                f"exceeds policy.system_max_time ({policy.system_max_time:g} s)",
            )


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


def validate_scenario(data: Any) -> Scenario:
    """Validate a parsed document; raise :class:`ScenarioError` on the first problem."""
    if not isinstance(data, dict):
        raise ScenarioError("(document)", data, "a scenario must be a mapping of keys")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_references(sc)
    return sc


def parse_text(text: str, fmt: str) -> Any:
    """Parse YAML or JSON text; syntax errors become a ScenarioError with line and column."""
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError("(file)", f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ScenarioError("(file)", where, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError("(file)", "nesting", "document is nested too deeply") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; the format follows the extension (.json, else YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("(file)", str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("(file)", str(path), f"cannot read: {exc}") from None
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    sc = validate_scenario(parse_text(text, fmt))
    sc._base_dir = str(path.resolve().parent)
    return sc


def scenario_to_dict(sc: Scenario) -> dict:
    """The scenario as plain data, as it would be written back to a file."""
    return sc.model_dump(mode="json", exclude_defaults=True)
