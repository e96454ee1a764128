"""Scenarios and runs for the dashboard, without Streamlit: built-in scenarios, canonical keys,
a process-wide cache of finished runs, YAML in and out, saved runs on disk.

A run is cached under the canonical JSON of its validated scenario, so the same scenario (however
it was written) is simulated once per server process, for every browser session.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Optional

import yaml

from engine import RunResult, Scenario, ScenarioError, run_scenario, validate_scenario
from engine.model import parse_text, scenario_to_dict
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


def describe(name: str) -> str:
    return " ".join(str(builtin(name).get("description", "")).split())


def key_of(scenario: Scenario) -> str:
    """The canonical identity of a scenario (defaults filled in, keys sorted)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cached(scenario: Scenario) -> Optional[RunResult]:
    with _LOCK:
        hit = _CACHE.get(key_of(scenario))
        if hit is not None:
            _CACHE.move_to_end(key_of(scenario))
        return hit


def run(scenario: Scenario, progress: Optional[Callable[[int, int], None]] = None) -> RunResult:
    """Simulate (or fetch from the cache) and return the run."""
    hit = cached(scenario)
    if hit is not None:
        return hit
    result = run_scenario(scenario, progress=progress, base_dir=SCENARIOS)
    with _LOCK:
        _CACHE[key_of(scenario)] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def to_yaml(doc_or_scenario) -> str:
    doc = (scenario_to_dict(doc_or_scenario) if isinstance(doc_or_scenario, Scenario)
           else doc_or_scenario)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def from_text(text: str, filename: str = "scenario.yaml") -> Scenario:
    """A scenario from uploaded or typed text; ScenarioError names what is wrong."""
    fmt = "json" if filename.lower().endswith(".json") else "yaml"
    return validate_scenario(parse_text(text, fmt))


def saved_runs(folder: Path = RUNS) -> list[Path]:
    """Saved run folders (from ``service.save_run`` or the CLI's --out under runs/)."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if (p / "jobs.csv").exists()),
                  key=lambda p: p.stat().st_mtime, reverse=True)


def open_saved(path: Path) -> RunResult:
    return load_run(path)


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


__all__ = ["ScenarioError", "builtin", "builtin_names", "run", "cached", "key_of", "to_yaml",
           "from_text", "saved_runs", "open_saved", "tables_zip", "describe"]
