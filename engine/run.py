"""One call from a scenario to its results: simulate, then tabulate and measure.

A :class:`RunResult` carries the scenario that produced it (a result embeds its config), the trace
tables and the metrics, and writes them to a folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

from . import metrics, output, trace
from .kernel import TICKS_PER_SECOND
from .model import Scenario, scenario_to_dict
from .sim import Simulation
from .tables import SpilledTable, Table


# Every table of a run, by file name; the three contract files first.
TABLE_NAMES = ("jobs", "sessions", "events", "spans", "system", "clients", "iterations",
               "results", "tenants", "backends", "session_metrics")
# Every file a run's folder may hold: the only names a folder may have for a run to replace it.
RUN_FILES = frozenset({f"{t}.{fmt}" for t in TABLE_NAMES for fmt in ("csv", "parquet")}
                      | {"scenario.json", "summary.json"})


class RunResult:
    """A run: its scenario, every table by file name (engine/tables.py Tables, or DataFrames for
    a run read back from disk or the store), its summary and when it ended. Each table reads as
    a DataFrame (``result.jobs``), made on first use; files are written from the Tables while
    they are held (engine/tables.py, faster than pandas and the same bytes)."""

    def __init__(self, scenario: Scenario, tables: dict, summary: dict, end_time: float,
                 wall_seconds: float = 0.0):
        self.scenario = scenario
        self.summary = summary
        self.end_time = end_time
        self.wall_seconds = wall_seconds
        self._tables = dict(tables)
        self._frames: dict = {}

    def table(self, name: str):
        """The table as it is held: a Table (fresh runs) or a DataFrame."""
        return self._tables[name]

    def frame(self, name: str):
        """The table as a DataFrame (converted once; the DataFrame then replaces the Table)."""
        t = self._tables[name]
        if isinstance(t, (Table, SpilledTable)):
            t = self._frames.pop(name, None)
            t = self._tables[name] = t if t is not None else self._tables[name].to_pandas()
        return t

    def keep_frame(self, name: str, frame) -> None:
        """``frame`` is table ``name`` as a DataFrame, made already. The Table stays until the
        DataFrame is first asked for: files written before then are written from the Table,
        which is faster."""
        self._frames[name] = frame

    def tables(self) -> dict:
        """Every table by its file name, as DataFrames; the three contract files first."""
        return {name: self.frame(name) for name in TABLE_NAMES}

    def write(self, out_dir: str | Path, formats: Iterable[str] = ("csv",)) -> list[Path]:
        """Write the tables, ``scenario.json`` and ``summary.json`` to ``out_dir``, whole or not
        at all: a folder already there is replaced in one step, and only if it is empty or
        holds nothing but a run's files (else :class:`output.FolderRefused`). An error leaves it
        as it was."""
        formats = list(formats)

        def fill(folder: Path) -> list[Path]:
            written = output.write_tables({n: self._tables[n] for n in TABLE_NAMES}, folder,
                                          formats)
            written.append(output.write_json(scenario_to_dict(self.scenario),
                                            folder / "scenario.json"))
            written.append(output.write_json(self.summary, folder / "summary.json"))
            return written

        return output.write_folder(Path(out_dir), fill, RUN_FILES)


def _table_property(name: str) -> property:
    def get(self):
        return self.frame(name)

    def put(self, value):
        self._tables[name] = value

    return property(get, put, doc=f"The {name} table as a DataFrame.")


for _name in TABLE_NAMES:  # result.jobs, result.sessions, ...: DataFrames on first use
    setattr(RunResult, _name, _table_property(_name))


def check_out(out_dir: str | Path) -> None:
    """Raise :class:`output.FolderRefused` now if :meth:`RunResult.write` would refuse
    ``out_dir`` (so a long run is not simulated for nothing)."""
    output.check_folder(Path(out_dir), RUN_FILES)


def collect(sim: Simulation, wall_seconds: float = 0.0,
            spill: Optional[trace.EventSpill] = None) -> RunResult:
    """Tabulate a simulation's state (usually after ``sim.run()``); ``spill``: where its events
    went during the run, if they did."""
    tables = {"jobs": trace.jobs_table(sim), "sessions": trace.sessions_table(sim),
              "events": trace.events_table(sim) if spill is None else spill.finish(),
              "spans": trace.spans_table(sim),
              "system": trace.system_table(sim), "clients": trace.clients_table(sim), "iterations": trace.iterations_table(sim),
              "results": trace.results_table(sim)}
    jobs = tables["jobs"].to_pandas(metrics.JOBS_READ)   # what the metrics read, no more
    sessions = tables["sessions"].to_pandas()
    clients = tables["clients"].to_pandas()
    contended = metrics.contended_usage(jobs, list(sim.shares))   # once, for both uses
    now = sim.env._now
    charged = {t: m.total(now) / TICKS_PER_SECOND for t, m in sim.meters.items()}
    held = {t: v / TICKS_PER_SECOND for t, v in sim.limit_held.items()}
    tables.update(tenants=metrics.tenants_table(jobs, sessions, sim.shares, contended,
                                                charged, held),
                  backends=metrics.backends_table(
                      jobs, sessions, list(sim.backends), tables["system"].to_pandas(),
                      {n: b.lanes for n, b in sim.backends.items()}),
                  session_metrics=metrics.session_metrics(jobs, sessions))
    summary = metrics.summary(jobs, sessions, clients, contended[1])
    result = RunResult(sim.scenario, tables, summary, sim.now, wall_seconds)
    for name, frame in (("sessions", sessions), ("clients", clients)):
        result.keep_frame(name, frame)
    return result


def run_scenario(scenario: Scenario,
                 progress: Optional[Callable[[int, int], None]] = None,
                 allow_code: Optional[bool] = None,
                 events_file: Optional[str | Path] = None) -> RunResult:
    """Simulate ``scenario`` to the end and return its tables and metrics. The scenario reads
    its files from its own folder (``load_scenario`` or ``validate_scenario(base_dir=)`` sets
    it). ``allow_code``: whether ``policy.scheduler`` may name a scheduler of the user's own
    (None: SESSION_LAB_ALLOW_CODE=1 says; engine/schedulers.py). ``events_file``: a file the
    events are written to as the run goes, never held whole (the command line's big runs);
    the result's events table is then that file, the caller's to delete once written."""
    t0 = time.perf_counter()
    sim = Simulation(scenario, allow_code=allow_code)
    spill = None if events_file is None else trace.EventSpill(sim, events_file)
    sim.run(progress=progress, tick=spill)
    return collect(sim, time.perf_counter() - t0, spill)


def with_spans(tables: dict) -> dict:
    """A run's tables, with spans worked out from its jobs, sessions and events when it was
    saved before the engine recorded them."""
    if tables.get("spans") is None and tables.get("jobs") is not None:
        tables["spans"] = trace.spans_from_events(tables["jobs"], tables["sessions"],
                                                  tables["events"])
    if tables.get("system") is None:   # saved before system work (R20, R21) was modelled
        import pandas as pd

        from .events import SYSTEM_FIELDS
        tables["system"] = pd.DataFrame({c: pd.Series(dtype=float if c in ("start", "end")
                                                      else object) for c in SYSTEM_FIELDS})
    return tables


def load_run(folder: str | Path) -> RunResult:
    """A run written by :meth:`RunResult.write` (the CLI, ``service.save_run``), read back.

    Raises ScenarioError naming the file when something is missing or unreadable."""
    import pandas as pd

    from .model import ScenarioError
    from .validation import validate_scenario

    folder = Path(folder)
    if not (folder / "jobs.csv").exists():
        raise ScenarioError("(run)", str(folder), "no jobs.csv here: not a saved run")
    try:
        scenario = validate_scenario(json.loads((folder / "scenario.json").read_text()))
        summary = (json.loads((folder / "summary.json").read_text())
                   if (folder / "summary.json").exists() else {})
    except (OSError, ValueError) as exc:
        raise ScenarioError("(run)", str(folder / "scenario.json"), f"unreadable: {exc}") from None
    tables = {}
    for name in TABLE_NAMES:
        path = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(path) if path.exists() else None
        except (OSError, ValueError) as exc:
            raise ScenarioError("(run)", str(path), f"unreadable: {exc}") from None
    tables = with_spans(tables)
    tables = {k: pd.DataFrame() if v is None else v for k, v in tables.items()}
    jobs = tables["jobs"]
    end = float(jobs["end_time"].max()) if len(jobs) and jobs["end_time"].notna().any() else 0.0
    return RunResult(scenario, tables, summary, end)
