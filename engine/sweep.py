"""Sweeps: one scenario, one or more fields varied over values, every variant run.

``--set interactive_timeout=0,60,300`` varies ``policy.interactive_timeout``; a field is a short
name (below) or a dotted path into the scenario document (``tenants[1].share``,
``workloads[0].arrivals.rate``). Several ``--set`` make the full factorial. Variants run in
parallel on local processes by default, or on a Dask cluster when an address is given (the
``SESSION_LAB_DASK`` environment variable, ``--dask``, or the dashboard's setting). Every variant is
a whole simulation with its own seed stream, so results do not depend on where it ran.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Optional

import pandas as pd

from .model import Scenario, ScenarioError, scenario_to_dict, validate_scenario
from .run import RunResult, run_scenario

# Short names for the fields people sweep most.
SHORT = {
    "interactive_timeout": "policy.interactive_timeout",
    "max_time": "policy.system_max_time",
    "system_max_time": "policy.system_max_time",
    "preset": "policy.preset",
    "execution": "policy.execution",
    "window": "policy.fair_share.window",
    "half_life": "policy.fair_share.half_life",
    "seed": "seed",
}
# "mode" sets every interactive workload's mode (dedicated, batch or job).
MODE = "mode"

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]")


def parse_value(text: str) -> Any:
    """``60`` -> 60, ``0.5`` -> 0.5, ``none`` -> None, ``true`` -> True, else the string."""
    t = text.strip()
    low = t.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def parse_set(spec: str) -> tuple[str, list]:
    """``field=v1,v2,...`` -> (field, [values])."""
    if "=" not in spec:
        raise ScenarioError("--set", spec, "expected FIELD=VALUE,VALUE,...")
    field, _, values = spec.partition("=")
    field = field.strip()
    vals = [parse_value(v) for v in values.split(",") if v.strip() != ""]
    if not field or not vals:
        raise ScenarioError("--set", spec, "expected FIELD=VALUE,VALUE,...")
    return field, vals


def _steps(path: str) -> list:
    steps = []
    for part in path.split("."):
        for m in _STEP.finditer(part):
            steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return steps


def set_field(doc: dict, field: str, value: Any) -> dict:
    """A copy of ``doc`` with ``field`` (short name or dotted path) set to ``value``."""
    out = copy.deepcopy(doc)
    if field == MODE:
        hits = 0
        for w in out.get("workloads", []):
            if w.get("kind") in ("interactive", "batch"):
                w["mode"] = value
                hits += 1
        if not hits:
            raise ScenarioError("--set", f"mode={value}", "the scenario has no interactive or "
                                                          "batch workload to change")
        return out
    path = SHORT.get(field, field)
    steps = _steps(path)
    if not steps:
        raise ScenarioError("--set", field, "not a field path")
    node = out
    for i, step in enumerate(steps[:-1]):
        nxt = steps[i + 1]
        try:
            if isinstance(step, int):
                node = node[step]
            else:
                if step not in node or node[step] is None:
                    node[step] = [] if isinstance(nxt, int) else {}
                node = node[step]
        except (IndexError, KeyError, TypeError):
            raise ScenarioError("--set", field, f"no such field in the scenario "
                                                f"(stopped at {step!r})") from None
    last = steps[-1]
    try:
        node[last] = value
    except (IndexError, TypeError):
        raise ScenarioError("--set", field, "no such field in the scenario") from None
    return out


def variants(scenario: Scenario, sets: Iterable[tuple[str, list]]) -> list[tuple[dict, Scenario]]:
    """Every combination of the values, validated: [(assignment, scenario), ...]."""
    sets = list(sets)
    base = scenario_to_dict(scenario)
    out = []
    for combo in itertools.product(*[vals for _, vals in sets]):
        assignment = {f: v for (f, _), v in zip(sets, combo)}
        doc = base
        for f, v in assignment.items():
            doc = set_field(doc, f, v)
        label = ", ".join(f"{f}={v}" for f, v in assignment.items())
        doc["name"] = f"{scenario.name} [{label}]"
        try:
            sc = validate_scenario(doc)
        except ScenarioError as exc:
            raise ScenarioError("--set", label, f"gives an invalid scenario: {exc}") from None
        out.append((assignment, sc))
    return out


def _run_one(doc: dict) -> RunResult:
    # Picklable for processes and Dask: a plain document in, a RunResult out.
    return run_scenario(validate_scenario(doc))


def run_variants(scens: list[Scenario], *, workers: Optional[int] = None,
                 dask: Optional[str] = None,
                 progress: Optional[Callable[[int, int], None]] = None) -> list[RunResult]:
    """Run each scenario; local processes (``workers``, default: the CPU count), one process
    (``workers=1``), or the Dask scheduler at ``dask`` (default: SESSION_LAB_DASK)."""
    docs = [scenario_to_dict(s) for s in scens]
    dask = dask if dask is not None else os.environ.get("SESSION_LAB_DASK") or None
    n = len(docs)
    if dask:
        return _run_dask(docs, dask, progress)
    workers = workers or min(n, os.cpu_count() or 1)
    if workers <= 1 or n <= 1:
        out = []
        for i, d in enumerate(docs):
            out.append(_run_one(d))
            if progress:
                progress(i + 1, n)
        return out
    results: list = [None] * n
    # Spawned, not forked: a fork of a process whose threads (Aer's, the engine's) hold locks
    # can deadlock in the child.
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_run_one, d): i for i, d in enumerate(docs)}
        done = 0
        from concurrent.futures import as_completed

        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            done += 1
            if progress:
                progress(done, n)
    return results


def _run_dask(docs: list[dict], address: str, progress) -> list[RunResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - pinned in requirements
        raise ScenarioError("--dask", address, "dask.distributed is not installed") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError("--dask", address, f"cannot reach the Dask scheduler: {exc}") from None
    try:
        futures = client.map(_run_one, docs, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(docs)
        for done, fut in enumerate(as_completed(futures), 1):
            results[index[fut.key]] = fut.result()
            if progress:
                progress(done, len(docs))
        return results
    finally:
        client.close()


def table(assignments: list[dict], results: list[RunResult]) -> pd.DataFrame:
    """One row per variant: the swept values and the headline metrics."""
    rows = []
    for a, r in zip(assignments, results):
        s = r.summary
        b = r.backends
        sm = r.session_metrics
        jobs = r.jobs
        bg = jobs[jobs["session_id"].isna() & jobs["wait"].notna()]["wait"]
        rows.append({
            **a,
            "jobs": s["jobs"], "completed": s["status"]["completed"],
            "wait_mean": s["wait_mean"], "wait_p50": s["wait_p50"], "wait_p95": s["wait_p95"],
            "time_to_solution": s.get("time_to_solution_mean"),
            "utilisation": float(b["utilisation"].mean()) if len(b) else None,
            "reserved_idle": float(b["reserved_idle"].sum()) if len(b) else 0.0,
            "background_wait_p95": float(bg.quantile(0.95)) if len(bg) else None,
            "session_wait_p95": float(sm["wait_p95"].max()) if len(sm) else None,
            "last_job_end": s["last_job_end"],
        })
    return pd.DataFrame(rows)
