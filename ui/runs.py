"""Scenarios and runs for the dashboard, without Streamlit: built-in scenarios, canonical keys,
a process-wide cache of finished runs, YAML in and out, saved runs on disk.

A run is cached under the canonical JSON of its validated scenario, so the same scenario (however
it was written) is simulated once per server process, for every browser session.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import yaml

from engine import (RunResult, Scenario, ScenarioError, load_scenario, run_scenario,
                    validate_scenario)
from engine.document import parse_text
from engine.model import scenario_to_dict
from engine.run import load_run

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RUNS = ROOT / "runs"
DEFAULT = "seed-story"

_CACHE: "OrderedDict[str, RunResult]" = OrderedDict()
_CACHE_SIZE = 12
_LOCK = threading.Lock()


def builtin_names() -> list[str]:
    names = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    if DEFAULT in names:  # the default first
        names.remove(DEFAULT)
        names.insert(0, DEFAULT)
    return names


def builtin(name: str) -> dict:
    """A built-in scenario as a plain document."""
    return parse_text((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"), "yaml")


def starting_scenario() -> tuple[Scenario, str]:
    """The scenario the dashboard opens on, and where it came from: SESSION_LAB_SCENARIO (the
    name of a built-in scenario, or a scenario file), else the default built-in."""
    wanted = os.environ.get("SESSION_LAB_SCENARIO", "").strip() or DEFAULT
    if wanted in builtin_names():
        return validate(builtin(wanted)), f"built-in: {wanted}"
    return load_scenario(wanted), f"file: {Path(wanted).name}"


def with_folder(scenario: Scenario) -> Scenario:
    """A scenario as the dashboard runs it: its files come from its own folder if it was loaded
    from a file by the operator (SESSION_LAB_SCENARIO), else from the built-in scenarios' folder,
    and never from anywhere else (no folder can be added from a browser)."""
    if scenario.base_dir is not None:
        return scenario.with_files(scenario.base_dir)
    return scenario.with_files(SCENARIOS)


def validate(doc: dict, like: Optional[Scenario] = None) -> Scenario:
    """A document from the browser (form, YAML editor, upload), validated with its files read
    from one folder: that of ``like`` when it is an edit of a scenario the operator loaded from
    a file (its own folder, as it was loaded), else the built-in scenarios' folder. A browser
    can never add a folder."""
    base = like.base_dir if like is not None and like.base_dir is not None else SCENARIOS
    return validate_scenario(doc, base_dir=base)


def backend_lanes(scenario: Scenario) -> dict[str, int]:
    """Each backend's lanes (R19): its own ``lanes``, else the policy's (its preset's)."""
    return scenario.lanes()


def system_of(result: RunResult):
    """The run's system table (R20, R21; empty for older runs), or None when it is empty."""
    table = result.system
    return table if len(table) else None


def key_of(scenario: Scenario) -> str:
    """The canonical identity of a scenario (defaults filled in, keys sorted)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cached(scenario: Scenario) -> Optional[RunResult]:
    key = key_of(scenario)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
        return hit


class Stopped(Exception):
    """A run was stopped before it finished."""


# Every simulation runs on this one long-lived thread. Streamlit runs each script rerun on a new
# thread, and qiskit's compiled core crashed (a segfault, in gate construction) when a second
# script thread built circuits after the first had; one engine thread for the whole server
# avoids that, and lets a page poll progress and stop a run.
_ENGINE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-lab-engine")


class RunHandle:
    """A run in progress on the engine thread: poll ``progress``, ``stop()`` it, ``result()``."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.done_jobs = 0
        self.total_jobs = 0
        self.fresh = False           # simulated now (not fetched from the cache)
        self._stop = threading.Event()
        self.future = _ENGINE.submit(self._work)

    def _tick(self, done: int, total: int) -> None:
        self.done_jobs, self.total_jobs = done, total
        if self._stop.is_set():
            raise Stopped()

    def _work(self) -> RunResult:
        hit = cached(self.scenario)
        if hit is not None:
            return hit
        result = run_scenario(with_folder(self.scenario), progress=self._tick)
        self.fresh = True
        with _LOCK:
            _CACHE[key_of(self.scenario)] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return result

    @property
    def fraction(self) -> float:
        return min(self.done_jobs / self.total_jobs, 1.0) if self.total_jobs else 0.0

    def stop(self) -> None:
        self._stop.set()

    def done(self) -> bool:
        return self.future.done()

    def result(self, timeout: Optional[float] = None) -> RunResult:
        return self.future.result(timeout)


def on_engine(fn, *args, **kwargs):
    """Run ``fn`` on the engine thread and wait for it (anything that builds circuits)."""
    return _ENGINE.submit(fn, *args, **kwargs).result()


def store():
    """The run store (SESSION_LAB_STORE or the user data directory)."""
    from engine.store import RunStore

    return RunStore()


def start(scenario: Scenario) -> RunHandle:
    return RunHandle(scenario)


def run(scenario: Scenario) -> RunResult:
    """Simulate (or fetch from the cache) on the engine thread and wait for the run."""
    return start(scenario).result()


def to_yaml(doc_or_scenario) -> str:
    doc = (scenario_to_dict(doc_or_scenario) if isinstance(doc_or_scenario, Scenario)
           else doc_or_scenario)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def from_text(text: str, filename: str = "scenario.yaml") -> Scenario:
    """A scenario from uploaded or typed text; ScenarioError names what is wrong."""
    fmt = "json" if filename.lower().endswith(".json") else "yaml"
    return validate(parse_text(text, fmt))


def saved_runs(folder: Path = RUNS) -> list[Path]:
    """Saved run folders (from ``service.save_run`` or the CLI's --out under runs/)."""
    if not folder.is_dir():
        return []
    # Hidden folders are a run being written (or one a killed write left): never a saved run.
    return sorted((p for p in folder.iterdir()
                   if not p.name.startswith(".") and (p / "jobs.csv").exists()),
                  key=lambda p: p.stat().st_mtime, reverse=True)


def tables_zip(result: RunResult, fmt: str = "csv") -> bytes:
    """Every table of a run (CSV or Parquet) and its scenario as YAML, in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in result.tables().items():
            if fmt == "parquet":
                zf.writestr(f"{name}.parquet", df.to_parquet(index=False))
            else:
                zf.writestr(f"{name}.csv", df.to_csv(index=False))
        zf.writestr("scenario.yaml", to_yaml(result.scenario))
        zf.writestr("summary.json", json.dumps(result.summary, indent=2, default=str))
    return buf.getvalue()


__all__ = ["ScenarioError", "Stopped", "RunHandle", "start", "builtin", "builtin_names", "run",
           "cached", "key_of", "to_yaml",
           "from_text", "saved_runs", "load_run", "tables_zip"]
