"""Scenario types and policy presets: what a scenario document may hold, field by field.

A scenario is plain data (YAML or JSON, engine/document.py). These pydantic types give each key
its type and range, and :class:`ScenarioError` names an offending key and value in one line (the
contract in SCENARIO_FORMAT.md); engine/validation.py adds the checks across fields. Keys outside
the contract (workload generators, timing fields, ``open_at``, fair-share options) are
extensions; none changes a contract key's meaning. About 600 lines: one type per section of the
document, kept together because together they are the format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    PrivateAttr,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

# The largest number of jobs one scenario may generate. A document asking for more (a huge count,
# or a rate times a horizon) is refused up front instead of exhausting memory.
MAX_JOBS = 2_000_000
# The largest time a scenario may give or a generator may draw, in seconds (about 31.7 years).
MAX_TIME = 1e9
# A scenario document: at most this many bytes, values (counting each use of a YAML alias) and
# levels of nesting. A few hundred bytes of aliases can otherwise stand for billions of values.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_VALUES = 3_000_000
MAX_DEPTH = 64
# Estimator precision: 1e-4 already asks for 10^8 shots per measurement setting.
MIN_PRECISION = 1e-4

DAY = 86_400.0


class ScenarioError(ValueError):
    """A scenario document that breaks the format: ``key`` and ``value`` name what is wrong."""

    def __init__(self, key: str, value: Any, message: str):
        self.key = key
        self.value = value
        self.message = message
        text = key if value is MISSING else f"{key} = {_show(value)}"
        super().__init__(f"{text}: {message}")


MISSING = object()  # the value of a key that is not there


def _show(value: Any, width: int = 80) -> str:
    """A short rendering of a value for a message: strings quoted, numbers and containers as
    JSON, cut at ``width``. Bounded work, whatever the value's size (a YAML alias bomb expands
    to billions of values if serialised whole)."""
    parts: list[str] = []
    room = [width + 1]

    def put(text: str) -> bool:
        parts.append(text)
        room[0] -= len(text)
        return room[0] > 0

    def walk(v: Any, top: bool) -> bool:
        if isinstance(v, str):
            return put(repr(v[:width + 1]) if top else json.dumps(v[:width + 1]))
        if isinstance(v, dict):
            if not put("{"):
                return False
            for i, (k, item) in enumerate(v.items()):
                if (i and not put(", ")) or not put(json.dumps(str(k)[:width + 1]) + ": "):
                    return False
                if not walk(item, False):
                    return False
            return put("}")
        if isinstance(v, (list, tuple)):
            if not put("["):
                return False
            for i, item in enumerate(v):
                if (i and not put(", ")) or not walk(item, False):
                    return False
            return put("]")
        if isinstance(v, float) or isinstance(v, (bool, int)) or v is None:
            if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 256:
                return put(f"<an integer of {v.bit_length()} bits>")
            return put(json.dumps(v))
        return put(str(v)[:width + 1])

    walk(value, True)
    text = "".join(parts)
    return text if len(text) <= width else text[:width - 3] + "..."


def _number(value: Any) -> Any:
    """Numbers only: a boolean (``submit: true``) or a string (``submit: "10"``) is refused, not
    read as 1 or 10."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    return value


def _integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return value


_STRICT = ConfigDict(extra="forbid", coerce_numbers_to_str=True, allow_inf_nan=False, frozen=True)

Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
# A time or span in seconds: finite, not negative, at most MAX_TIME.
Time = Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_TIME, allow_inf_nan=False)]
Positive = Annotated[float, BeforeValidator(_number),
                     Field(gt=0, le=MAX_TIME, allow_inf_nan=False)]
# A fair-share window or half-life: never a point on the clock, so it may be longer (1e12 s
# stands for "for ever").
LongSpan = Annotated[float, BeforeValidator(_number), Field(gt=0, le=1e15, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
FilePath = Annotated[str, Field(min_length=1, max_length=4096)]


def Int(**bounds):
    """A whole number within ``bounds`` (pydantic's ge/le/lt...); booleans and strings refused."""
    return Annotated[int, BeforeValidator(_integer), Field(**bounds)]


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
    sigma: Annotated[float, BeforeValidator(_number), Field(ge=0, le=5, allow_inf_nan=False)]


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
    window: LongSpan = 28 * DAY
    half_life: LongSpan = 7 * DAY


class Timing(_Model):
    """The timing model for jobs without an explicit ``duration`` (QPU seconds)."""

    per_job_overhead: Time = 2.0
    rep_delay: Time = 250e-6
    circuit_duration: Time = 5e-6
    # Compiling a job's circuit; skipped when the session or batch compiled it before (R15).
    compile_time: Time = 1.0
    # R19: the compile time is part of the QPU time ("qpu") or the job's classical stage
    # ("classical"); null: the preset's (classical in ibm-2026).
    compile_stage: Optional[Literal["qpu", "classical"]] = None


Lanes = Int(ge=1, le=1000)


# R3's choice among the queued jobs: a built-in scheduler by name, or one of your own by import
# path ("package.module:Class"; it runs Python code, so only where code is allowed). The
# schedulers themselves are in engine/schedulers.py.
SCHEDULERS = ("fair_share", "hierarchical_fair_share", "fifo", "priority", "sjf", "slurm")
_IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
Weight = Annotated[float, BeforeValidator(_number), Field(ge=0, le=1e6, allow_inf_nan=False)]
OptionValue = Union[bool, int, float, Annotated[str, Field(max_length=1000)]]


def _scheduler_name(name: str) -> str:
    if name not in SCHEDULERS and not _IMPORT_PATH.fullmatch(name):
        raise ValueError(f"not a scheduler: one of {', '.join(SCHEDULERS)}, or your own as "
                         f"'package.module:Class'")
    return name


SchedulerName = Annotated[str, Field(min_length=1, max_length=300),
                          AfterValidator(_scheduler_name)]


class SchedulerSpec(_Model):
    """A scheduler with settings: Slurm's (``half_life``, ``weight_fairshare``, ``weight_age``,
    ``max_age``) or your own's (``options``, given to its constructor as keywords)."""

    name: SchedulerName
    half_life: Optional[LongSpan] = None         # slurm: usage decays by half this often
    weight_fairshare: Optional[Weight] = None    # slurm: PriorityWeightFairshare
    weight_age: Optional[Weight] = None          # slurm: PriorityWeightAge
    max_age: Optional[LongSpan] = None           # slurm: PriorityMaxAge (seconds)
    options: Annotated[dict[Annotated[str, Field(max_length=100)], OptionValue],
                       Field(max_length=100)] = {}

    @model_validator(mode="after")
    def _fits(self):
        slurm = [k for k in ("half_life", "weight_fairshare", "weight_age", "max_age")
                 if getattr(self, k) is not None]
        if slurm and self.name != "slurm":
            raise ValueError(f"{slurm[0]} is a setting of the slurm scheduler, not of "
                             f"{self.name}")
        if self.options and self.name in SCHEDULERS:
            raise ValueError(f"options are for a scheduler of your own; {self.name} has none")
        return self


class Policy(_Model):
    preset: Literal["ibm-2022", "ibm-2024", "ibm-2026"] = "ibm-2022"
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
    # R3's choice among queued jobs (engine/schedulers.py): IBM's fair share unless said.
    scheduler: Annotated[
        Union[Annotated[SchedulerName, Tag("scheduler_name")],
              Annotated[SchedulerSpec, Tag("scheduler_spec")]],
        Discriminator(lambda v: "scheduler_spec" if isinstance(v, (dict, SchedulerSpec))
                      else "scheduler_name")] = "fair_share"
    timing: Timing = Timing()
    # R14: seconds a started batch may have nothing queued or running before it deactivates.
    # The next three: absent = the preset's value; an explicit null = none (never, no cap).
    batch_interactive_timeout: Optional[Time] = None
    # R12: a job's QPU usage cap (seconds).
    job_max_usage: Optional[Positive] = None
    # R22: an Open-plan batch's maximum time (seconds).
    open_batch_max_time: Optional[Positive] = None
    # R19: lanes of a backend that does not say (the preset's: 1, or 5 in ibm-2026).
    lanes: Optional[Lanes] = None

    def given(self, name: str) -> bool:
        """Whether the file set ``name`` (an explicit null included)."""
        return name in self.model_fields_set


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
    scheduler: Any = "fair_share"                       # a name or a SchedulerSpec
    batch_interactive_timeout: Optional[float] = None   # R14; None: a batch never deactivates
    job_max_usage: Optional[float] = None               # R12 cap; None: none
    open_batch_max_time: Optional[float] = None         # R22
    open_usage_limit: Optional[tuple] = None            # R22: (seconds, window) for plan open
    lanes: int = 1                                      # R19
    compile_stage: str = "qpu"                          # R19: "qpu" or "classical"


PRESETS: dict[str, dict[str, Any]] = {
    "ibm-2022": {
        "interactive_timeout": 300.0,
        "system_max_time": 8 * 3600.0,
        "max_time_rule": "first_job",
        "open_timeout": None,
        "batch_interactive_timeout": None,
        "job_max_usage": None,
        "open_batch_max_time": None,
        "open_usage_limit": None,
        "lanes": 1,
        "compile_stage": "qpu",
    },
    "ibm-2024": {
        "interactive_timeout": 60.0,
        "system_max_time": 8 * 3600.0,
        "max_time_rule": "system",
        "open_timeout": 1800.0,
        "batch_interactive_timeout": 1.0,
        "job_max_usage": None,
        "open_batch_max_time": None,
        "open_usage_limit": None,
        "lanes": 1,
        "compile_stage": "qpu",
    },
    "ibm-2026": {
        "interactive_timeout": 60.0,
        "system_max_time": 8 * 3600.0,
        "max_time_rule": "system",
        "open_timeout": 1800.0,
        "batch_interactive_timeout": 1.0,
        "job_max_usage": 10800.0,
        "open_batch_max_time": 600.0,
        "open_usage_limit": (600.0, 28 * DAY),
        "lanes": 5,
        "compile_stage": "classical",
    },
}


def resolve_policy(policy: Policy) -> ResolvedPolicy:
    preset = PRESETS[policy.preset]

    def pick(name: str):
        own = getattr(policy, name)
        return preset[name] if own is None else own

    def nullable(name: str):
        # An explicit null means "none"; only an absent key takes the preset's value.
        return getattr(policy, name) if policy.given(name) else preset[name]

    return ResolvedPolicy(
        preset=policy.preset,
        interactive_timeout=float(pick("interactive_timeout")),
        system_max_time=float(pick("system_max_time")),
        max_time_rule=pick("max_time_rule"),
        default_max_execution_time=policy.default_max_execution_time,
        open_timeout=pick("open_timeout"),
        fair_share=policy.fair_share,
        scheduler=policy.scheduler,
        timing=policy.timing,
        execution=policy.execution,
        batch_interactive_timeout=nullable("batch_interactive_timeout"),
        job_max_usage=nullable("job_max_usage"),
        open_batch_max_time=nullable("open_batch_max_time"),
        open_usage_limit=preset["open_usage_limit"],
        lanes=pick("lanes"),
        compile_stage=policy.timing.compile_stage or preset["compile_stage"],
    )


# --------------------------------------------------------------------------- data center


Qubits = Int(ge=1, le=156)
Seed31 = Int(ge=0, lt=2**31)
Seed63 = Int(ge=0, lt=2**63)
Shots = Int(ge=1, le=10_000_000)


class Calibration(_Model):
    """R20: a calibration of ``duration`` QPU seconds due at ``first`` (default ``every``), then
    ``every`` seconds after each one ended."""

    # At least a second apart; a run's system jobs are also held under the job limit (MAX_JOBS).
    every: Annotated[float, BeforeValidator(_number), Field(ge=1, le=MAX_TIME,
                                                            allow_inf_nan=False)]
    duration: Positive
    first: Optional[Time] = None


class Maintenance(_Model):
    """R20: a maintenance window: a system job of ``duration`` seconds due at ``start``."""

    start: Time
    duration: Positive


class Backend(_Model):
    """A QPU. Built as qiskit's GenericBackendV2 (or a device snapshot) when circuits need it."""

    name: Name
    num_qubits: Qubits = 5
    # "full", "line", "ring", "grid" or "heavy_hex" (sized to num_qubits), or explicit pairs.
    coupling: Union[Literal["full", "line", "ring", "grid", "heavy_hex"],
                    list[Annotated[list[Int(ge=0, le=155)], Field(min_length=2,
                                                                              max_length=2)]]
                    ] = "line"
    basis_gates: Optional[list[Name]] = None
    noise: bool = False          # run on Aer with the backend's noise model
    # A real device snapshot from qiskit-ibm-runtime's fake provider, e.g. "fake_manila".
    device: Optional[Annotated[str, Field(pattern=r"^fake_[a-z0-9_]+$")]] = None
    seed: Seed31 = 0   # GenericBackendV2's random properties
    lanes: Optional[Lanes] = None               # R19; null: the policy's
    calibration: Optional[Calibration] = None   # R20
    maintenance: Annotated[list[Maintenance], Field(max_length=10_000)] = []   # R20


Family = Literal["ghz", "qft", "random", "hea", "qaoa"]


class CircuitSpec(_Model):
    """A named circuit: a built-in family, an OpenQASM 2/3 file, or inline OpenQASM."""

    family: Optional[Family] = None
    num_qubits: Optional[Qubits] = None
    reps: Int(ge=1, le=20) = 1
    depth: Int(ge=1, le=500) = 5
    seed: Seed31 = 0
    graph: Optional[Annotated[list[Annotated[list[Int(ge=0, le=155)],
                                             Field(min_length=2, max_length=2)]],
                              Field(min_length=1)]] = None
    qasm: Optional[FilePath] = None      # a file path, relative to the scenario file
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
Parameters = Union[Literal["random"], Annotated[list[Number], Field(max_length=10_000)]]
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
    precision: Optional[Annotated[float, BeforeValidator(_number),
                                  Field(ge=MIN_PRECISION, le=1, allow_inf_nan=False)]] = None


class UsageLimit(_Model):
    """R22: none of the tenant's jobs starts while its usage in ``window`` exceeds ``seconds``.
    ``window`` absent: 28 days; an explicit null: all usage ever (the Flex plan's)."""

    seconds: Time
    window: Optional[LongSpan] = 28 * DAY

    @property
    def ever(self) -> bool:
        return self.window is None


Plan = Literal["premium", "flex", "pay_as_you_go", "open"]


class Tenant(_Model):
    name: Name
    share: Positive = 1.0
    # For the priority scheduler: a higher priority's jobs start first (engine/schedulers.py).
    priority: Annotated[int, Field(ge=-10**6, le=10**6)] = 0
    # For hierarchical fair share: the organisation whose allocation it shares.
    organisation: Optional[Name] = None
    plan: Plan = "premium"                       # R22
    usage_limit: Optional[UsageLimit] = None     # R22; null: the plan's (Open in ibm-2026)


class Reservation(_Model):
    """R21: from ``start`` to ``end`` only ``tenant``'s jobs start on ``backend``."""

    id: Name
    tenant: Name
    backend: Name
    start: Time
    end: Time

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


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
    classical_time: Time = 0.0        # R19: the classical stage, in its lane
    # Extensions for the timing model when `duration` is absent.
    shots: Shots = 4000
    num_circuits: Int(ge=1, le=100_000) = 1
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
    shots: Shots = 4000
    max_execution_time: Optional[Positive] = None
    # R19: each job's classical stage (seconds; a number or a distribution); default none.
    classical_time: Optional[Dist] = None
    # Extension: the random stream; workloads with equal seeds draw identical numbers.
    seed: Optional[Seed63] = None

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
    count: Optional[Int(ge=0, le=MAX_JOBS)] = None
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
    maxiter: Int(ge=1, le=10_000) = 30
    x0: Union[Literal["zeros", "random"], Annotated[list[Number], Field(max_length=10_000)]] = "zeros"
    # Time-to-solution: the first result within `tolerance` of `target` (else the last one).
    target: Optional[Number] = None
    tolerance: Annotated[float, BeforeValidator(_number), Field(gt=0, allow_inf_nan=False)] = 0.05


class InteractiveWorkload(_Workload):
    """Closed-loop clients: submit, wait for the result, think, submit again; close at the end.

    ``mode`` runs the same loop as a dedicated session, a batch, or plain job mode.
    """

    kind: Literal["interactive", "job_user"]
    mode: Literal["dedicated", "batch", "job"] = "dedicated"
    iterations: Int(ge=1, le=100_000) = 10
    think_time: Dist = FixedDist(dist="fixed", value=5.0)
    clients: Int(ge=1, le=100_000) = 1
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
    jobs: Int(ge=1, le=MAX_JOBS) = 10
    interval: Time = 0.0
    max_time: Optional[Positive] = None
    interactive_timeout: Optional[Time] = None

    def expected_jobs(self) -> float:
        return self.jobs


class ReplayWorkload(_Workload):
    """A recorded job trace replayed as load: SWF (Parallel Workloads Archive) or the project's
    own jobs.csv. The mapping is documented in engine/replay.py."""

    kind: Literal["replay"]
    trace: FilePath   # a file path, relative to the scenario file
    format: Literal["swf", "jobs_csv"] = "swf"
    tenant_by: Literal["user", "group"] = "user"
    time_scale: Positive = 1.0
    limit: Optional[Int(ge=1, le=MAX_JOBS)] = None
    session_mode: Literal["dedicated", "batch"] = "dedicated"

    def expected_jobs(self) -> float:
        return 0   # unknown until the trace is read: counted then against MAX_JOBS


Workload = Annotated[
    Union[BackgroundWorkload, InteractiveWorkload, BatchWorkload, ReplayWorkload],
    Field(discriminator="kind")
]


# --------------------------------------------------------------------------- scenario


class Scenario(_Model):
    name: Name = "scenario"
    description: str = ""
    seed: Seed63 = 0
    policy: Policy = Policy()
    backends: Annotated[list[Backend], Field(min_length=1)]
    tenants: Annotated[list[Tenant], Field(min_length=1)]
    sessions: list[SessionSpec] = []
    jobs: list[JobSpec] = []
    workloads: list[Workload] = []
    circuits: dict[Name, CircuitSpec] = {}
    reservations: Annotated[list[Reservation], Field(max_length=100_000)] = []   # R21
    # The folder of the file it was loaded from: relative QASM and trace paths start there, and
    # no file outside it (or outside ``_roots``, folders a command line may add) is read.
    _base_dir: Optional[str] = PrivateAttr(default=None)
    _roots: tuple = PrivateAttr(default=())

    @property
    def base_dir(self) -> Optional[str]:
        return self._base_dir

    @property
    def extra_roots(self) -> tuple:
        """Folders besides its own that its files may come from (a command line's --data-dir)."""
        return tuple(self._roots)

    @property
    def roots(self) -> tuple:
        """The folders its ``qasm:`` and ``trace:`` files may come from: its own, then more."""
        return ((self._base_dir,) if self._base_dir else ()) + self.extra_roots

    def with_files(self, base_dir, roots=()) -> "Scenario":
        """The same scenario, reading its files from ``base_dir`` (and the extra ``roots``)."""
        out = self.model_copy()
        out._base_dir = None if base_dir is None else str(Path(base_dir).resolve())
        out._roots = tuple(str(Path(r).resolve()) for r in roots)
        return out

    def resolved_policy(self) -> ResolvedPolicy:
        return resolve_policy(self.policy)

    def lanes(self) -> dict[str, int]:
        """Each backend's execution lanes (R19): its own ``lanes``, else the policy's."""
        default = self.resolved_policy().lanes
        return {b.name: b.lanes or default for b in self.backends}

    def expected_jobs(self) -> float:
        """Jobs it will submit, as far as is known before reading its traces."""
        return len(self.jobs) + sum(w.expected_jobs() for w in self.workloads)

    def workload_names(self) -> list[str]:
        return [w.name or f"{w.kind}{i + 1}" for i, w in enumerate(self.workloads)]


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def key_path(loc: tuple) -> str:
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


def scenario_to_dict(sc: Scenario) -> dict:
    """The scenario as plain data, as it would be written back to a file."""
    return sc.model_dump(mode="json", exclude_defaults=True)
