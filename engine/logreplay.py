"""Replaying a job log (engine/joblog.py reads it) and reporting how close the simulated queue
times come to the observed ones.

:func:`replay_scenario` makes the log's jobs explicit jobs of one tenant (submitted at their
recorded instants, from ``start`` seconds on, each running its recorded run time on a backend
named by its machine), on their own (preset ``ibm-2022`` for Ravi et al.'s log of 2020: one job
at a time, no lanes; ``ibm-2026`` for a service export, whose ``quantum_seconds`` is the QPU
time) or on top of a scenario's load; a job's queue time in the simulation is from its
submission to its start (IBM's QUEUED to RUNNING); :func:`report` compares, per
machine and in all, the observed and simulated queue times' median, P90 and P99, the share of
jobs that queued longer than they ran, and the two-sample Kolmogorov-Smirnov distance, and says
in words how close they are.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from .joblog import JobLog
from .model import MAX_TIME, Scenario, ScenarioError, scenario_to_dict
from .validation import validate_scenario

# Ravi et al.'s figures for their whole log (5,704 jobs), in minutes, for reference.
RAVI_PUBLISHED = {"jobs": 5704, "queue median": 9.4, "queue mean": 222, "queue p90": 857,
                  "run median": 1.05, "queued longer than ran": 0.61}
# Kolmogorov-Smirnov distances read as words.
CLOSE, ALIKE = 0.1, 0.25
ALL = "(all)"   # the row of every machine together


def replay_scenario(log: JobLog, load: Optional[Scenario] = None, start: float = 0.0,
                    tenant: str = "logged") -> tuple[Scenario, list, list]:
    """The log's jobs as explicit jobs of ``tenant``, the first at ``start`` seconds, on
    ``load``'s backends and among its work (or alone: one backend per machine); their ids in
    the scenario, in the log's order; and the machines added as backends of their own."""
    if not (math.isfinite(start) and 0 <= start <= MAX_TIME):
        raise ScenarioError("start", start, f"must be from 0 to {MAX_TIME:g} s")
    if load is None:   # Ravi et al.'s log is of 2020: no lanes, a job's run its QPU time
        doc = {"name": f"replay of {Path(log.source).name}", "seed": 0,
               "policy": {"preset": "ibm-2022" if log.layout == "ravi" else "ibm-2026",
                          "execution": "none"}}
    else:
        doc = scenario_to_dict(load)
        doc["name"] = f"{load.name} + {Path(log.source).name}"
    backends = doc.setdefault("backends", [])
    known = {b["name"] for b in backends}
    added = []
    for j in log.jobs:
        if j.machine not in known:
            known.add(j.machine)
            added.append(j.machine)
            backends.append({"name": j.machine})
    tenants = doc.setdefault("tenants", [])
    if all(t["name"] != tenant for t in tenants):
        tenants.append({"name": tenant})
    t0 = min(j.submit for j in log.jobs)
    taken = {j.get("id") for j in doc.get("jobs", [])}
    jobs = doc.setdefault("jobs", [])
    ids = []
    for j in log.jobs:
        jid = j.id if j.id not in taken else f"log:{j.id}"
        ids.append(jid)
        submit = start + (j.submit - t0).total_seconds()
        if submit > MAX_TIME:
            raise ScenarioError("log", log.source, f"job {j.id} would come at {submit:g} s, "
                                                   f"past the {MAX_TIME:g} s limit (the start, "
                                                   f"{start:g} s, plus its time after the "
                                                   f"first job)")
        jobs.append({"id": jid, "tenant": tenant, "backend": j.machine, "submit": submit,
                     "duration": max(j.run, 1e-6)})
    try:
        if load is not None and load.base_dir is not None:
            return validate_scenario(doc, base_dir=load.roots[0],
                                     roots=load.roots[1:]), ids, added
        return validate_scenario(doc), ids, added
    except ScenarioError as exc:
        raise ScenarioError("log", log.source, f"cannot be replayed: {exc}") from None


# --------------------------------------------------------------------------- the report

@dataclass
class Side:
    """Queue times of one set of jobs, seconds."""
    n: int
    median: float
    p90: float
    p99: float
    mean: float
    longer_than_run: float    # share of jobs that queued longer than they ran

    @classmethod
    def of(cls, queue: list, run: list) -> Optional["Side"]:
        if not queue:
            return None
        import numpy as np

        q = np.asarray(queue, dtype=float)
        med, p90, p99 = np.quantile(q, (0.5, 0.9, 0.99))
        longer = float(np.mean(q > np.asarray(run, dtype=float)))
        return cls(len(q), float(med), float(p90), float(p99), float(q.mean()), longer)


@dataclass
class Row:
    machine: str              # or "all"
    observed: Side
    simulated: Optional[Side]
    ks: Optional[float]       # two-sample Kolmogorov-Smirnov distance
    ks_p: Optional[float]


@dataclass
class Report:
    source: str
    layout: str
    rows: list
    skipped: int
    not_run: list = field(default_factory=list)    # log job ids that never ran in the replay
    alone: Optional[list] = None      # machines that were not backends of the load given
    beyond_qpu: int = 0               # jobs whose running-to-finished time passes their QPU time

    @property
    def overall(self) -> Row:
        return self.rows[0]

    def words(self) -> list[str]:
        r = self.overall
        out = []
        if r.simulated is None:
            return [f"None of the {r.observed.n} jobs ran in the simulation."]
        close = ("close to" if r.ks <= CLOSE else "roughly like" if r.ks <= ALIKE
                 else "far from")
        out.append(f"Simulated queue times are {close} the observed ones: Kolmogorov-Smirnov "
                   f"distance {r.ks:.3f} over {r.observed.n:,} jobs (0 is the same "
                   f"distribution; {CLOSE} or less reads close, over {ALIKE} far).")
        out.append(f"Median {_m(r.simulated.median)} simulated against {_m(r.observed.median)} "
                   f"observed; P90 {_m(r.simulated.p90)} against {_m(r.observed.p90)}; P99 "
                   f"{_m(r.simulated.p99)} against {_m(r.observed.p99)}.")
        out.append(f"Queued longer than they ran: {r.simulated.longer_than_run:.0%} simulated, "
                   f"{r.observed.longer_than_run:.0%} observed.")
        worst = max((x for x in self.rows[1:] if x.ks is not None), key=lambda x: x.ks,
                    default=None)
        if worst is not None and len(self.rows) > 2:
            out.append(f"Farthest machine: {worst.machine} (distance {worst.ks:.3f}, median "
                       f"{_m(worst.simulated.median)} simulated against "
                       f"{_m(worst.observed.median)}).")
        if self.not_run:
            out.append(f"{len(self.not_run)} jobs never ran in the simulation (first: "
                       f"{self.not_run[0]}); they are left out of the simulated side.")
        if self.alone:
            out.append(f"Not backends of the load: {', '.join(self.alone[:5])}"
                       + (f" and {len(self.alone) - 5} more" if len(self.alone) > 5 else "")
                       + ": their jobs ran there alone, meeting none of the load.")
        if self.beyond_qpu:
            out.append(f"For {self.beyond_qpu} jobs the time from running to finished passes "
                       f"their QPU time (a classical stage in a lane and a wait for the QPU, "
                       f"R19, which the export cannot tell apart): the replay gives each only "
                       f"its QPU time, so with lanes its queue times come out shorter.")
        if self.skipped:
            out.append(f"{self.skipped} rows of the log had no queue or run time and were "
                       f"skipped.")
        return out

    def table(self) -> list[dict]:
        out = []
        for r in self.rows:
            row = {"machine": r.machine, "jobs": r.observed.n}
            for side in ("observed", "simulated"):
                s = getattr(r, side)
                for k in ("median", "p90", "p99", "mean", "longer_than_run"):
                    row[f"{side}_{k}"] = None if s is None else getattr(s, k)
            row["ks"], row["ks_p"] = r.ks, r.ks_p
            out.append(row)
        return out

    def markdown(self) -> str:
        lines = [f"# Queue times: simulated against observed ({Path(self.source).name})", ""]
        lines += [f"- {w}" for w in self.words()] + ["", "Minutes:", ""]
        lines.append("| machine | jobs | median obs | median sim | P90 obs | P90 sim | P99 obs "
                     "| P99 sim | KS |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in self.rows:
            o, s = r.observed, r.simulated
            cells = [_mm(o.median), _mm(s and s.median), _mm(o.p90), _mm(s and s.p90),
                     _mm(o.p99), _mm(s and s.p99), "-" if r.ks is None else f"{r.ks:.3f}"]
            name = r.machine.replace("|", "\\|")
            lines.append(f"| {name} | {o.n:,} | " + " | ".join(cells) + " |")
        if self.layout == "ravi":
            p = RAVI_PUBLISHED
            lines += ["", f"For reference, Ravi et al. (IISWC 2021) published for their whole "
                          f"log of {p['jobs']:,} jobs: queue time median {p['queue median']} "
                          f"min, mean {p['queue mean']} min, P90 {p['queue p90']} min; run "
                          f"time median {p['run median']} min; {p['queued longer than ran']:.0%}"
                          f" of jobs queued longer than they ran."]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return {"source": self.source, "layout": self.layout, "words": self.words(),
                "table": self.table(), "not_run": self.not_run, "skipped": self.skipped,
                "rows": [asdict(r) for r in self.rows]}


def _m(seconds: float) -> str:
    return f"{seconds / 60:,.2f} min"


def _mm(seconds: Optional[float]) -> str:
    return "-" if seconds is None else f"{seconds / 60:,.2f}"


def report(log: JobLog, ids: list, result, alone: Optional[list] = None) -> Report:
    """Observed against simulated queue times of the log's jobs in ``result``, a run of the
    scenario :func:`replay_scenario` made (``ids``: the jobs' ids there; ``alone``: machines
    not in the load it was given)."""
    from scipy.stats import ks_2samp

    jobs = result.jobs.set_index("job_id")
    sim: dict = {}
    not_run = []
    for j, jid in zip(log.jobs, ids):
        start = jobs.at[jid, "start_time"]
        if start != start:   # NaN: it never started
            not_run.append(j.id)
        else:
            sim[j.id] = float(jobs.at[jid, "wait"])   # start - submit, exact in ticks
    rows = []
    by_machine: dict = {}
    for j in log.jobs:
        by_machine.setdefault(j.machine, []).append(j)
    for m in [None] + sorted(by_machine):
        mine = log.jobs if m is None else by_machine[m]
        obs = Side.of([j.queue for j in mine], [j.run for j in mine])
        ran = [j for j in mine if j.id in sim]
        s = Side.of([sim[j.id] for j in ran], [j.run for j in ran])
        ks = ks_p = None
        if s is not None:
            test = ks_2samp([j.queue for j in mine], [sim[j.id] for j in ran])
            ks, ks_p = float(test.statistic), float(test.pvalue)
        rows.append(Row(ALL if m is None else m, obs, s, ks, ks_p))
    return Report(log.source, log.layout, rows, log.skipped, not_run, alone=alone,
                  beyond_qpu=sum(1 for j in log.jobs if j.beyond_qpu > 1e-6))


def validate_log(log: JobLog, load: Optional[Scenario] = None, start: float = 0.0) -> Report:
    """Replay the log (on ``load``, or alone) and report."""
    from .run import run_scenario

    replayed, ids, added = replay_scenario(log, load, start)
    return report(log, ids, run_scenario(replayed), added if load is not None else None)
