"""Wait-time estimates: when would a job, or a whole session, submitted at a moment start and
finish, given the load a scenario describes? Answered by seeded replications.

The *probe* is the user's work: ``iterations`` jobs of ``duration`` QPU seconds (after
``classical_time`` in a lane, R19) on one backend,
the first submitted at ``at`` seconds, each next one ``think_time`` after the last one's result
(a closed loop, engine/clients.py), as plain jobs, in a session (``dedicated``) or a batch. One
job is the default. Its tenant is the scenario's tenant of that name, whose usage it shares for
fair share (R3), or a new one with ``share`` and ``plan``.

Replication ``i`` is the scenario with ``seed + i`` (every random workload draws new arrivals and
durations from it, R17) and the probe added; each runs only until the probe's loop ends (what
comes after cannot change it). Same scenario, probe and replications: the same estimate, bit for
bit. A workload that names its own ``seed`` draws the same load in every replication; the
estimate says so. From the replications: the start of the probe's first job and the end of its
last (its result), as quantiles (P50, P90: numpy's linear interpolation between order
statistics) and as the wait (start - at) and the time to result (end - at). A replication whose
probe did not finish (rejected, failed, its session expired) is counted and named, never
averaged in: the quantiles are over those that finished, and the words say how many did not.
About 330 lines: the probe and its checks, the replications, and the sentences that say the
answer with every caveat it needs (work that never started, equal times, fixed seeds).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

from .job import TERMINAL
from .model import Scenario, ScenarioError, scenario_to_dict
from .validation import validate_scenario

MODES = ("job", "dedicated", "batch")
IN_MODE = {"job": "", "dedicated": " in a session", "batch": " in a batch"}
QUANTILES = (0.5, 0.9)
MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class Probe:
    """The work whose times are estimated. Times in seconds."""

    backend: str
    at: float = 0.0
    duration: float = 10.0
    classical_time: float = 0.0  # per job, in its lane before the QPU (R19)
    iterations: int = 1
    think_time: float = 0.0
    mode: str = "job"
    tenant: str = "you"
    share: float = 1.0           # a new tenant's share (an existing tenant keeps its own)
    plan: str = "premium"        # a new tenant's plan

    def check(self, scenario: Scenario) -> None:
        """One ScenarioError naming a value that cannot be estimated on ``scenario``."""
        names = [b.name for b in scenario.backends]
        rules = [("backend", self.backend in names, "one of the scenario's backends: "
                  + ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")),
                 ("at", _finite(self.at) and 0 <= self.at <= 10 ** 9,
                  "a time from 0 to 1e9 s"),
                 ("duration", _finite(self.duration) and 0 < self.duration <= 86_400,
                  "above 0, at most 86,400 s"),
                 ("classical_time", _finite(self.classical_time)
                  and 0 <= self.classical_time <= 86_400, "from 0 to 86,400 s"),
                 ("iterations", 1 <= self.iterations <= 10_000, "from 1 to 10,000"),
                 ("think_time", _finite(self.think_time) and 0 <= self.think_time <= 86_400,
                  "from 0 to 86,400 s"),
                 ("mode", self.mode in MODES, "job, dedicated or batch"),
                 ("share", _finite(self.share) and 0 < self.share <= 1e9,
                  "above 0, at most 1e9"),
                 ("plan", self.plan in ("premium", "flex", "pay_as_you_go", "open"),
                  "premium, flex, pay_as_you_go or open")]
        for name, ok, what in rules:
            if not ok:
                raise ScenarioError(name, getattr(self, name), f"must be {what}")
        if not self.tenant or len(self.tenant) > 200:
            raise ScenarioError("tenant", self.tenant, "must be a name of 1 to 200 characters")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


@dataclass
class Replication:
    seed: int
    start: Optional[float]       # the first job's start, seconds (None: it never started)
    end: Optional[float]         # the last job's result (None: the loop did not finish)
    why: str = ""                # why it did not finish


@dataclass
class Quantiles:
    p50: float
    p90: float
    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: list) -> Optional["Quantiles"]:
        if not values:
            return None
        import numpy as np   # here: the command line's parser reads Probe without numpy

        a = np.asarray(values, dtype=float)
        p50, p90 = np.quantile(a, QUANTILES)
        return cls(float(p50), float(p90), float(a.mean()), float(a.min()), float(a.max()),
                   len(a))


@dataclass
class WaitEstimate:
    probe: Probe
    scenario: str
    replications: list = field(default_factory=list)
    fixed_seed_workloads: list = field(default_factory=list)
    scenario_tenants: list = field(default_factory=list)

    def _values(self, attr: str, minus_at: bool = False) -> list:
        at = self.probe.at if minus_at else 0.0
        return [getattr(r, attr) - at for r in self.replications if getattr(r, attr) is not None]

    @property
    def start(self) -> Optional[Quantiles]:
        return Quantiles.of(self._values("start"))

    @property
    def completion(self) -> Optional[Quantiles]:
        return Quantiles.of(self._values("end"))

    @property
    def wait(self) -> Optional[Quantiles]:
        return Quantiles.of(self._values("start", True))

    @property
    def time_to_result(self) -> Optional[Quantiles]:
        return Quantiles.of(self._values("end", True))

    @property
    def unfinished(self) -> list:
        return [r for r in self.replications if r.end is None]

    def words(self) -> list[str]:
        """The answer in sentences, the estimate first."""
        p, n = self.probe, len(self.replications)
        what = (f"your {p.duration:g} s job" if p.iterations == 1 else
                f"your {p.iterations} jobs of {p.duration:g} s") + IN_MODE[p.mode]
        if p.iterations > 1 and p.think_time:
            what += f", {p.think_time:g} s from each result to the next"
        out = []
        s, c = self.start, self.completion
        at = f"{p.at:,.0f}".replace("-0", "0")
        if s is None:
            out.append(f"Submitted at {at} s on {p.backend}, {what} never started in "
                       f"{_count(n, 'replication')}: {self.replications[0].why}.")
            return out
        w, t = self.wait, self.time_to_result
        first, result = ("it", "Its result") if p.iterations == 1 else ("the first",
                                                                         "The last result")
        over = (f"over the {_count(n, 'replication')}" if s.n == n else
                f"over the {s.n} of {n} replications in which it started")
        out.append(f"Submitted at {at} s on {p.backend}, {what}: {first} starts at "
                   f"{s.p50:,.0f} s at the median (P50, a wait of {w.p50:,.0f} s) and by "
                   f"{s.p90:,.0f} s at P90 (a wait of {w.p90:,.0f} s), {over}.")
        if c is not None:
            over = "" if c.n == n else f", over the {c.n} in which it finished"
            out.append(f"{result} at {c.p50:,.0f} s at the median ({t.p50:,.0f} s after "
                       f"submitting) and by {c.p90:,.0f} s at P90 ({t.p90:,.0f} s after){over}.")
        lost = self.unfinished
        if lost:
            out.append(f"In {len(lost)} of {n} replications it did not finish "
                       f"(seed {lost[0].seed}: {lost[0].why}); they are in no quantile.")
        elif s.low == s.high and c.low == c.high and n > 1:
            out.append("Every replication gave your work the same times: what the seeds "
                       "change did not reach it.")
        if self.fixed_seed_workloads:
            out.append("Workloads with their own seed draw the same load in every replication: "
                       + ", ".join(self.fixed_seed_workloads[:5]) + ".")
        if p.tenant in self.scenario_tenants:
            out.append(f"{p.tenant} is the scenario's tenant: its own share and plan apply, "
                       f"and its usage counts for fair share (R3).")
        out.append(f"From {_count(n, 'replication')} (seeds {self.replications[0].seed} to "
                   f"{self.replications[-1].seed}).")
        return out

    def table(self) -> list[dict]:
        """One row per measure: its P50, P90, mean, least and most, in seconds."""
        rows = []
        for name in ("start", "completion", "wait", "time_to_result"):
            q = getattr(self, name)
            rows.append({"measure": name, **({k: None for k in ("p50", "p90", "mean", "low",
                                                                  "high", "n")}
                                             if q is None else asdict(q))})
        return rows

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "probe": asdict(self.probe), "words": self.words(),
                "quantiles": self.table(),
                "replications": [asdict(r) for r in self.replications]}


def probe_document(scenario: Scenario, probe: Probe, seed: int) -> tuple[dict, str]:
    """The scenario of one replication as plain data, and the probe workload's name."""
    doc = scenario_to_dict(scenario)
    doc["seed"] = seed
    tenants = doc.setdefault("tenants", [])
    if all(t["name"] != probe.tenant for t in tenants):
        tenants.append({"name": probe.tenant, "share": probe.share, "plan": probe.plan})
    taken = set(scenario.workload_names())
    name, k = "estimate-probe", 1
    while name in taken:
        k += 1
        name = f"estimate-probe-{k}"
    work = {"name": name, "kind": "interactive", "mode": probe.mode, "tenant": probe.tenant,
            "backend": probe.backend, "start": probe.at, "iterations": probe.iterations,
            "think_time": probe.think_time, "duration": probe.duration}
    if probe.classical_time:
        work["classical_time"] = probe.classical_time
    doc.setdefault("workloads", []).append(work)
    return doc, name


def replication_scenario(scenario: Scenario, probe: Probe, seed: int) -> tuple[Scenario, str]:
    """The validated scenario of one replication (reading files from the scenario's folders)."""
    doc, name = probe_document(scenario, probe, seed)
    try:
        if scenario.base_dir is None:
            return validate_scenario(doc), name
        return validate_scenario(doc, base_dir=scenario.roots[0],
                                 roots=scenario.roots[1:]), name
    except ScenarioError as exc:
        raise ScenarioError("(probe)", f"{probe.tenant} on {probe.backend}",
                            f"cannot be added to the scenario: {exc}") from None


def replicate(scenario: Scenario, probe: Probe, seed: int,
              allow_code: Optional[bool] = None) -> Replication:
    """One replication: run until the probe's loop ends and read its first start and last
    result."""
    from .sim import Simulation

    sc, name = replication_scenario(scenario, probe, seed)
    sim = Simulation(sc, allow_code)
    client = next(c for c in sim.clients if c.workload == name)
    running = ("waiting", "running")
    sim.advance(None, lambda: client.status not in running)
    if client.status in running:   # the run ran out of events: R22's end, R16's check
        sim.run()
    jobs = [sim.jobs[j] for j in client.job_ids]
    return _replication(seed, client.status == "done", jobs[0].start_time if jobs else None,
                        jobs[-1].end_time if jobs else None,
                        (jobs[-1].id, jobs[-1].status, jobs[-1].reason) if jobs else None)


def _replication(seed: int, done: bool, start: Optional[float], end: Optional[float],
                 last: Optional[tuple]) -> Replication:
    """A replication from its work's first start, last end, whether its loop finished and its
    last job ``(id, status, reason)``: why it did not finish, if it did not."""
    if done:
        return Replication(seed, start, end)
    if last is None:
        why = "its loop never submitted a job"
    elif last[1] not in TERMINAL:
        why = f"{last[0]} still {last[1]} when the data center ran out of work"
    else:
        why = f"{last[0]} {last[1]}" + (f": {last[2]}" if last[2] else "")
    return Replication(seed, start, None, why)


def replications_of(scenario: Scenario, probe: Probe, replications: int) -> list:
    """The validated scenarios of the replications, for running elsewhere (the dashboard's run
    processes); :func:`from_runs` reads their results."""
    _check(scenario, probe, replications)
    return [replication_scenario(scenario, probe, scenario.seed + i)[0]
            for i in range(replications)]


def from_runs(scenario: Scenario, probe: Probe, results: list) -> WaitEstimate:
    """The estimate from whole runs of :func:`replications_of`, in order (the same numbers as
    :func:`estimate`, which stops each run when the probe is done)."""
    name = probe_document(scenario, probe, scenario.seed)[1]
    out = _empty(scenario, probe)
    for i, r in enumerate(results):
        jobs = r.jobs[r.jobs.workload == name].sort_values("iteration")
        status = r.clients.loc[r.clients.workload == name, "status"].iloc[0]
        first = jobs.start_time.iloc[0] if len(jobs) else None
        last = jobs.iloc[-1] if len(jobs) else None
        out.replications.append(_replication(
            scenario.seed + i, status == "done",
            None if first is None or first != first else float(first),
            None if last is None else float(last.end_time),
            None if last is None else (last.job_id, last.status, last.reason)))
    return out


def _check(scenario: Scenario, probe: Probe, replications: int) -> None:
    probe.check(scenario)
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ScenarioError("replications", replications,
                            f"must be from 1 to {MAX_REPLICATIONS}")
    if scenario.seed + replications - 1 >= 2 ** 63:
        raise ScenarioError("replications", replications,
                            f"seeds from the scenario's {scenario.seed} on would pass 2**63 - 1")


def _empty(scenario: Scenario, probe: Probe) -> WaitEstimate:
    names = scenario.workload_names()
    return WaitEstimate(probe, scenario.name, fixed_seed_workloads=[
        n for n, w in zip(names, scenario.workloads) if getattr(w, "seed", None) is not None],
        scenario_tenants=[t.name for t in scenario.tenants])


def estimate(scenario: Scenario, probe: Probe, replications: int = 20,
             progress: Optional[Callable[[int, int], None]] = None,
             allow_code: Optional[bool] = None) -> WaitEstimate:
    """The probe's start and result times over ``replications`` seeds (``scenario.seed``,
    ``+1``, ...). ``progress(done, total)`` after each."""
    _check(scenario, probe, replications)
    out = _empty(scenario, probe)
    for i in range(replications):
        out.replications.append(replicate(scenario, probe, scenario.seed + i, allow_code))
        if progress is not None:
            progress(i + 1, replications)
    return out
