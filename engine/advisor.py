"""The execution-mode advisor: should an iterative workload run as a session, a batch or plain
jobs, on a backend others keep busy? Answered by simulation, in numbers and in words.

:func:`advise` builds one scenario per seed with three identical backends, one per mode, each
carrying the same background load (the same seed: common random numbers, so the modes are
compared on the same arrivals) from its own tenant, so the three worlds never share usage. On
each, the same user runs the workload: ``iterations`` jobs of ``qpu_time`` QPU seconds (and
``classical_time`` of classical work in the lane, R19), each submitted ``think_time`` after the
last one's result (a closed loop: engine/clients.py). From the runs: the time to solution (first
submit to last result), the usage charged to the user (R3: QPU time for batch and job mode; a
dedicated session's hold, idle waits included, R6), and what everyone else pays: the mean wait
of the others' jobs submitted while the user's work ran. Means over the seeds with 95%
confidence intervals (Student's t). The words say why, from the rules: the think time against
the interactive timeout (R6, R7), the batch's timeout (R14), the Open plan (R22).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

from .model import MISSING, PRESETS, ScenarioError

# The simulation's modules are imported where runs are made: the command line's parser reads
# Workload's defaults without loading pandas or SimPy.

MODES = ("dedicated", "batch", "job")
MODE_WORDS = {"dedicated": "a session", "batch": "a batch", "job": "plain jobs"}
RUN_AS = {"dedicated": "in a session", "batch": "as a batch", "job": "as plain jobs"}
WARM_UP = 1800.0          # seconds of background load before the user starts (a queue forms)


@dataclass(frozen=True)
class Workload:
    """What the user describes. Times in seconds; ``load``: the share of the backend's time the
    others keep it busy (their mean job ``others_job`` seconds, Poisson arrivals)."""

    iterations: int = 20
    think_time: float = 30.0
    qpu_time: float = 10.0
    classical_time: float = 0.0
    plan: str = "premium"
    preset: str = "ibm-2026"
    interactive_timeout: Optional[float] = None     # None: the preset's
    load: float = 0.7
    others_job: float = 60.0
    seeds: int = 5
    seed: int = 0

    def check(self) -> None:
        """One ScenarioError naming a value out of range."""
        rules = [("iterations", 1 <= self.iterations <= 10_000, "from 1 to 10,000"),
                 ("think_time", 0 <= self.think_time <= 86_400, "from 0 to 86,400 s"),
                 ("qpu_time", 0 < self.qpu_time <= 86_400, "above 0, at most 86,400 s"),
                 ("classical_time", 0 <= self.classical_time <= 86_400, "from 0 to 86,400 s"),
                 ("load", 0 <= self.load <= 0.95, "from 0 to 0.95 (a fuller queue never "
                                                  "drains)"),
                 ("others_job", 0 < self.others_job <= 86_400, "above 0, at most 86,400 s"),
                 ("seeds", 2 <= self.seeds <= 100, "from 2 to 100 (a confidence interval "
                                                   "needs two)"),
                 ("preset", self.preset in PRESETS, f"one of {', '.join(PRESETS)}"),
                 ("plan", self.plan in ("premium", "flex", "pay_as_you_go", "open"),
                  "premium, flex, pay_as_you_go or open")]
        for name, ok, what in rules:
            if not ok:
                raise ScenarioError(name, getattr(self, name), f"must be {what}")
        if self.interactive_timeout is not None and not 0 <= self.interactive_timeout <= 86_400:
            raise ScenarioError("interactive_timeout", self.interactive_timeout,
                                "must be from 0 to 86,400 s")
        if self.iterations * (self.qpu_time + self.think_time) > 30 * 86_400:
            raise ScenarioError("iterations", self.iterations,
                                "the workload would run past 30 days; fewer iterations")

    def timeout(self) -> float:
        """The interactive timeout the session gets (R6)."""
        return (PRESETS[self.preset]["interactive_timeout"] if self.interactive_timeout is None
                else self.interactive_timeout)


@dataclass
class Estimate:
    """A mean over seeds with its 95% confidence half-width."""

    mean: float
    half_width: float
    values: list = field(default_factory=list)

    @classmethod
    def of(cls, values: list) -> "Estimate":
        from .metrics import interval

        mean, half, _ = interval(values)
        return cls(mean, half, list(values))

    def __str__(self) -> str:
        return f"{self.mean:,.0f} s ± {self.half_width:,.0f}"


@dataclass
class ModeResult:
    mode: str
    time_to_solution: Optional[Estimate]
    charged: Optional[Estimate]
    others_wait: Optional[Estimate]
    refused: str = ""            # why the mode cannot run (the Open plan has no sessions)


@dataclass
class Advice:
    workload: Workload
    modes: dict                  # mode -> ModeResult
    best: str
    words: list                  # sentences, the answer first

    def table(self) -> list[dict]:
        rows = []
        for m, r in self.modes.items():
            row = {"mode": m}
            for name in ("time_to_solution", "charged", "others_wait"):
                est = getattr(r, name)
                row[name] = None if est is None else est.mean
                row[f"{name}_ci95"] = None if est is None else est.half_width
            row["refused"] = r.refused
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        return {"workload": asdict(self.workload), "best": self.best, "words": self.words,
                "modes": self.table()}


def scenario(w: Workload, seed: int) -> dict:
    """The scenario of one seed: a backend per mode, each with the same background load."""
    horizon = WARM_UP + 3 * w.iterations * (w.qpu_time + w.classical_time + w.think_time
                                            + w.others_job) + 3600
    modes = [m for m in MODES if not (m == "dedicated" and w.plan == "open")]
    doc = {"name": f"advice-seed{seed}", "seed": seed,
           "policy": {"preset": w.preset, "execution": "none"},
           "backends": [{"name": f"qpu_{m}"} for m in modes],
           "tenants": [t for m in modes for t in ({"name": f"others_{m}"},
                                                   {"name": f"you_{m}", "plan": w.plan})],
           "workloads": []}
    if w.interactive_timeout is not None:
        doc["policy"]["interactive_timeout"] = w.interactive_timeout
    for m in modes:
        if w.load > 0:
            doc["workloads"].append({
                "name": f"others-{m}", "kind": "background", "tenant": f"others_{m}",
                "backend": f"qpu_{m}", "seed": seed * 2 + 1,
                "arrivals": {"process": "poisson", "rate": w.load / w.others_job},
                "duration": {"dist": "exponential", "mean": w.others_job}, "until": horizon})
        doc["workloads"].append({
            "name": f"you-{m}", "kind": "interactive", "mode": m, "tenant": f"you_{m}",
            "backend": f"qpu_{m}", "seed": seed * 2 + 2, "start": WARM_UP,
            "iterations": w.iterations, "think_time": w.think_time, "duration": w.qpu_time,
            **({"classical_time": w.classical_time} if w.classical_time else {})})
    return doc


def _measure(result, mode: str) -> tuple:
    """(time to solution or NaN if the loop did not finish, charged, others' mean wait, why it
    did not finish or "")."""
    clients = result.clients[result.clients.workload == f"you-{mode}"]
    tts = float(clients.time_to_solution.iloc[0])
    tenants = result.tenants.set_index("tenant")
    charged = float(tenants.loc[f"you_{mode}", "charged"])
    jobs = result.jobs
    mine = jobs[jobs.tenant == f"you_{mode}"]
    begin, end = float(mine.submit_time.min()), float(mine.end_time.max())
    others = jobs[(jobs.tenant == f"others_{mode}") & (jobs.submit_time >= begin)
                  & (jobs.submit_time <= end)]
    wait = float(others.wait.mean()) if len(others) else 0.0
    why = ""
    if tts != tts:
        lost = mine[mine.status != "completed"]
        why = (f"{lost.job_id.iloc[0]} {lost.status.iloc[0]}: {lost.reason.iloc[0]}"
               if len(lost) else f"the loop ended {clients.status.iloc[0]}")
    return tts, charged, wait, why


def scenarios(w: Workload) -> list:
    """The validated scenarios of the seeds (what :func:`advise` runs; the dashboard runs them
    in its own processes)."""
    from .validation import validate_scenario

    w.check()
    return [validate_scenario(scenario(w, w.seed + i)) for i in range(w.seeds)]


def advise(w: Workload, progress=None) -> Advice:
    """Run the three modes over ``w.seeds`` seeds and answer."""
    from .run import run_scenario

    runs = []
    for i, sc in enumerate(scenarios(w)):
        runs.append(run_scenario(sc))
        if progress:
            progress(i + 1, w.seeds)
    return answer(w, runs)


def answer(w: Workload, runs: list) -> Advice:
    """The answer from the runs of :func:`scenarios`, in order."""
    modes = {}
    for m in MODES:
        if m == "dedicated" and w.plan == "open":
            modes[m] = ModeResult(m, None, None, None,
                                  refused="the Open plan has no sessions (R22)")
            continue
        tts, charged, wait, why = zip(*(_measure(r, m) for r in runs))
        lost = [y for y in why if y]
        if lost:   # a mean over unfinished loops would be no answer
            modes[m] = ModeResult(m, None, None, None, refused=(
                f"did not finish in {len(lost)} of {w.seeds} seeds ({lost[0]})"))
            continue
        modes[m] = ModeResult(m, Estimate.of(list(tts)), Estimate.of(list(charged)),
                              Estimate.of(list(wait)))
    fastest, cheapest = _best(modes)
    words = _words(w, modes, fastest.mode)
    if cheapest is not fastest:
        diff = Estimate.of([a - b for a, b in zip(cheapest.time_to_solution.values,
                                                  fastest.time_to_solution.values)])
        words.insert(1, f"If the charge matters more: run {RUN_AS[cheapest.mode]}: charged "
                        f"{fastest.charged.mean - cheapest.charged.mean:,.0f} s less, it takes "
                        f"{diff.mean:,.0f} s ± {diff.half_width:,.0f} longer (paired by seed).")
    return Advice(w, modes, fastest.mode, words)


SIMPLEST = {"job": 0, "batch": 1, "dedicated": 2}   # on a tie, the simpler way


def _best(modes: dict) -> tuple:
    """The fastest mode (mean time to solution; a tie goes to the one charged less, then the
    simpler) and the cheapest (charged least; a tie to the faster, then the simpler)."""
    able = [r for r in modes.values() if r.time_to_solution is not None]
    if not able:
        raise ScenarioError("(workload)", MISSING, "no mode finishes it: " + "; ".join(
            f"{MODE_WORDS[r.mode]} {r.refused}" for r in modes.values()))
    fastest = min(able, key=lambda r: (r.time_to_solution.mean, r.charged.mean,
                                       SIMPLEST[r.mode]))
    cheapest = min(able, key=lambda r: (r.charged.mean, r.time_to_solution.mean,
                                        SIMPLEST[r.mode]))
    return fastest, cheapest


def _words(w: Workload, modes: dict, best: str) -> list[str]:
    b = modes[best]
    out = [f"Fastest: run {RUN_AS[best]}: time to solution {b.time_to_solution}, charged "
           f"{b.charged}; others' mean wait meanwhile {b.others_wait} (means over {w.seeds} "
           f"seeds, 95% confidence)."]
    for m, r in modes.items():
        if m != best and r.time_to_solution is not None:
            out.append(f"{MODE_WORDS[m].capitalize()}: {r.time_to_solution} to solution, "
                       f"charged {r.charged}; others' mean wait {r.others_wait}.")
        elif r.refused and w.plan != "open" or (r.refused and m != "dedicated"):
            out.append(f"{MODE_WORDS[m].capitalize()} {r.refused}.")
    tau = w.timeout()
    T = w.think_time
    if w.plan == "open":
        out.append("The Open plan cannot open sessions (R22): only a batch or plain jobs.")
    elif T > tau:
        out.append(f"Your {T:g} s think time exceeds the {tau:g} s interactive timeout: the "
                   f"session deactivates every iteration (R6), so each next job waits in the "
                   f"fair-share queue like a plain job (R7), and you are charged the {tau:g} s "
                   f"it held the backend idle each time.")
    elif T >= 0.8 * tau:
        out.append(f"Your {T:g} s think time is near the {tau:g} s interactive timeout: the "
                   f"session holds the backend through each think time (R6), but an iteration "
                   f"slower by {tau - T:g} s lets it deactivate and the next job queue (R7).")
    else:
        out.append(f"Your {T:g} s think time is well under the {tau:g} s interactive timeout: "
                   f"the session holds the backend through every think time (R6), so after "
                   f"the first your jobs never queue; you are charged that held time.")
    bt = PRESETS[w.preset]["batch_interactive_timeout"]
    if bt is not None and T > bt:
        out.append(f"A batch deactivates after {bt:g} s with nothing queued (R14): with a "
                   f"think time between jobs it gives an iterative loop no priority; it suits "
                   f"jobs submitted together.")
    return out
