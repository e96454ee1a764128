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
import re
import shutil
import tempfile
import threading
import weakref
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import yaml

from engine import RunResult, Scenario, ScenarioError, load_scenario, validate_scenario
from engine.document import parse_text
from engine.model import scenario_to_dict
from engine.run import load_run

from . import runner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RUNS = ROOT / "runs"
DEFAULT = "seed-story"

# Finished runs, most recently used last, with their size in memory; at most CACHE_BYTES in
# all (SESSION_LAB_CACHE_MB, default 1024): the oldest go first, and a run larger than the
# whole budget is shown to the browser that asked for it but not kept.
_CACHE: "OrderedDict[str, tuple[RunResult, int]]" = OrderedDict()
_LOCK = threading.Lock()


def _cache_bytes() -> int:
    try:
        mb = float(os.environ.get("SESSION_LAB_CACHE_MB", "1024"))
    except ValueError:
        mb = 1024.0
    return int(max(mb, 0.0) * 2**20)


CACHE_BYTES = _cache_bytes()


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
    # Extra roots are folders the server itself gave the scenario (a browser session's own
    # upload folder); a browser can never name one.
    if scenario.base_dir is not None:
        return scenario.with_files(scenario.base_dir, scenario.extra_roots)
    return scenario.with_files(SCENARIOS, scenario.extra_roots)


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
            return hit[0]
        return None


def keep(scenario: Scenario, result: RunResult, nbytes: int) -> None:
    """Cache a finished run under its scenario's key, within the memory budget."""
    if nbytes > CACHE_BYTES:
        return
    with _LOCK:
        _CACHE[key_of(scenario)] = (result, nbytes)
        _CACHE.move_to_end(key_of(scenario))
        while sum(n for _, n in _CACHE.values()) > CACHE_BYTES:
            _CACHE.popitem(last=False)


def cache_use() -> tuple[int, int]:
    """(runs cached, bytes they take)."""
    with _LOCK:
        return len(_CACHE), sum(n for _, n in _CACHE.values())


Stopped = runner.Stopped
RunFailed = runner.RunFailed


class Finished:
    """A run fetched from the cache: the face of a :class:`runner.RunHandle`, done already."""

    fresh = False
    phase = runner.DONE
    fraction = 1.0

    def __init__(self, scenario: Scenario, result: RunResult):
        self.scenario = scenario
        self.done_jobs = self.total_jobs = len(result.jobs)
        self._result = result

    def stop(self) -> None:
        pass

    def done(self) -> bool:
        return True

    def result(self, timeout: Optional[float] = None) -> RunResult:
        return self._result


class RunHandle(runner.RunHandle):
    """A run of ``scenario`` simulated now, in its own process (ui/runner.py); kept in the
    cache when it finishes, and in ``private`` (a browser's own runs) when given.
    ``scenario`` stays as given (the page compares it by identity)."""

    fresh = True

    def __init__(self, scenario: Scenario, private: Optional["PrivateStore"] = None):
        super().__init__(scenario, run_as=with_folder(scenario),
                         on_result=lambda result, nbytes: keep(scenario, result, nbytes),
                         keep_in=private.claim(scenario) if private is not None else None)


MAX_PRIVATE = 12   # a browser session keeps its last 12 runs


class PrivateStore:
    """One browser session's own runs: a run store in a private temporary folder, which no
    other session is told of, removed when the session's state is dropped. It keeps the last
    :data:`MAX_PRIVATE` runs. Runs reach the shared store only when saved there on purpose."""

    def __init__(self):
        from engine.store import RunStore

        self.folder = Path(tempfile.mkdtemp(prefix="session-lab-browser-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self.store = RunStore(self.folder / "runs.sqlite")
        self._keys: set[str] = set()
        self._pending: list = []    # (result, name) of cached runs to write (add, flush)
        self._lock = threading.Lock()

    def claim(self, scenario: Scenario) -> Optional[tuple]:
        """Where a run of ``scenario`` is to be kept (a RunHandle's ``keep_in``), or None when
        this session keeps one already."""
        key = key_of(scenario)
        with self._lock:
            if key in self._keys:
                return None
            self._keys.add(key)
        return (str(self.store.path), scenario.name, "dashboard")

    def add(self, scenario: Scenario, result: RunResult) -> None:
        """Keep a run this session did not simulate itself (one from the cache), unless it
        keeps one of that scenario already. It is written later (:meth:`flush`), not while the
        page that shows it is being drawn."""
        where = self.claim(scenario)
        if where is not None:
            with self._lock:
                self._pending.append((result, where[1]))

    def flush(self, keep_back: Optional[RunResult] = None, wait: bool = True) -> None:
        """Write the runs :meth:`add` put aside (all but ``keep_back``, the run on screen, when
        given): now, or in the background with ``wait=False``."""
        with self._lock:
            now = [p for p in self._pending if p[0] is not keep_back]
            self._pending = [p for p in self._pending if p[0] is keep_back]
        if not now:
            return
        if wait:
            self._save_all(now)
        else:
            threading.Thread(target=self._save_all, args=(now,), daemon=True).start()

    def _save_all(self, pending: list) -> None:
        for result, name in pending:
            try:
                self.store.save(result, name=name, source="dashboard")
            except ScenarioError:
                pass   # the run was on screen; the list of this session's runs lacks it

    def trim(self) -> None:
        """Forget all but the newest MAX_PRIVATE runs (after writing those put aside)."""
        self.flush()
        listing = self.store.list()
        for run_id in list(listing.sort_values("id")["id"])[:-MAX_PRIVATE]:
            self.store.delete(int(run_id))

    def close(self) -> None:
        self._cleanup()


def store():
    """The run store (SESSION_LAB_STORE or the user data directory)."""
    from engine.store import RunStore

    return RunStore()


def start(scenario: Scenario, private: Optional[PrivateStore] = None):
    """The run of ``scenario``: from the cache (a :class:`Finished`), else a new
    :class:`RunHandle`; kept in ``private`` (a browser session's own runs) when given."""
    hit = cached(scenario)
    if hit is None:
        return RunHandle(scenario, private)
    if private is not None:
        private.add(scenario, hit)
    return Finished(scenario, hit)


def run(scenario: Scenario) -> RunResult:
    """Simulate (or fetch from the cache) in a run process and wait for the run."""
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


def export_name(result: RunResult, ext: str, what: str = "run") -> str:
    """A descriptive file name for an export: ``session-lab_<scenario>_<what>_<key>.<ext>``
    (the key: 8 characters of the scenario's canonical identity)."""
    safe = re.sub(r"[^A-Za-z0-9_]+", "-", result.scenario.name).strip("-") or "scenario"
    return f"session-lab_{safe[:60]}_{what}_{key_of(result.scenario)[:8]}.{ext}"


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


__all__ = ["ScenarioError", "Stopped", "RunFailed", "RunHandle", "PrivateStore", "keep", "cache_use", "start", "builtin", "builtin_names", "run",
           "cached", "key_of", "to_yaml",
           "from_text", "saved_runs", "load_run", "tables_zip"]
