"""The run store: every run kept whole in an embedded SQLite database.

A run is its scenario, its summary and its trace tables (Parquet blobs), saved in one transaction
or not at all. The database lives at ``SESSION_LAB_STORE`` if set, else in the user's data
directory (``platformdirs``); the command line's ``--store`` overrides both. Several processes
may save at once (WAL journal, a busy timeout); a corrupt or foreign file is reported, never
overwritten.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from .model import ScenarioError, scenario_to_dict, validate_scenario
from .run import TABLE_NAMES, RunResult

APP = "session-lab"
SCHEMA_VERSION = 1


class StoreError(ScenarioError):
    """The store file or a stored run cannot be used; the message names it."""


def default_path() -> Path:
    env = os.environ.get("SESSION_LAB_STORE")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("session-lab", appauthor=False)) / "runs.sqlite"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    source TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario TEXT NOT NULL,
    summary TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    end_time REAL NOT NULL,
    wall_seconds REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""


class RunStore:
    """``RunStore(path)``: save, list, load, rename, delete and export runs."""

    def __init__(self, path: Union[str, Path, None] = None):
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("store", str(self.path), f"cannot create its folder: {exc}") from None
        self._check()

    # ------------------------------------------------------------------ connection

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def _check(self) -> None:
        """Create the schema in a new file; refuse a file that is not a Session Lab store."""
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        try:
            conn = self._connect()
            try:
                if fresh:  # idempotent, so two processes creating it at once agree
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.executescript(_SCHEMA)
                    conn.execute("INSERT OR IGNORE INTO meta VALUES ('app', ?), ('version', ?)",
                                 (APP, str(SCHEMA_VERSION)))
                names = {r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                if "meta" not in names:
                    raise StoreError("store", str(self.path),
                                     "not a Session Lab run store (a foreign SQLite database)")
                meta = dict(conn.execute("SELECT key, value FROM meta"))
                if meta.get("app") != APP:
                    raise StoreError("store", str(self.path), "not a Session Lab run store")
                if int(meta.get("version", 0)) > SCHEMA_VERSION:
                    raise StoreError("store", str(self.path),
                                     f"written by a newer Session Lab (schema {meta['version']})")
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError("store", str(self.path),
                             f"not a readable SQLite database ({exc})") from None

    # ------------------------------------------------------------------ writing

    def save(self, result: RunResult, name: Optional[str] = None, source: str = "api") -> int:
        """Store a run whole (one transaction); returns its id."""
        blobs = {}
        for t in TABLE_NAMES:
            buf = io.BytesIO()
            getattr(result, t).to_parquet(buf, index=False)
            blobs[t] = buf.getvalue()
        scenario = json.dumps(scenario_to_dict(result.scenario), sort_keys=True)
        summary = json.dumps(result.summary, sort_keys=True, default=str)
        with self._tx() as conn:  # the run and its tables, whole or not at all
            cur = conn.execute(
                "INSERT INTO runs (name, created, source, scenario_name, scenario, summary, "
                "jobs, end_time, wall_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name or result.scenario.name, time.time(), source, result.scenario.name,
                 scenario, summary, len(result.jobs), float(result.end_time),
                 float(result.wall_seconds)))
            run_id = cur.lastrowid
            conn.executemany("INSERT INTO run_tables VALUES (?, ?, ?)",
                             [(run_id, t, b) for t, b in blobs.items()])
        return run_id

    def rename(self, ref: Union[int, str], new_name: str) -> None:
        run_id = self.resolve(ref)
        if not new_name.strip():
            raise StoreError("name", new_name, "must not be empty")
        with self._tx() as conn:
            conn.execute("UPDATE runs SET name = ? WHERE id = ?", (new_name.strip(), run_id))

    def delete(self, ref: Union[int, str]) -> None:
        run_id = self.resolve(ref)
        with self._tx() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    @contextmanager
    def _tx(self):
        """One write transaction (taken at once, so concurrent writers queue), then closed."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # ------------------------------------------------------------------ reading

    def list(self) -> pd.DataFrame:
        """One row per run, newest first: id, name, created, source, scenario, jobs, ..."""
        conn = self._connect()
        try:
            df = pd.read_sql_query(
                "SELECT id, name, created, source, scenario_name AS scenario, jobs, end_time, "
                "wall_seconds, summary FROM runs ORDER BY id DESC", conn)
        finally:
            conn.close()
        df["created"] = pd.to_datetime(df["created"], unit="s", utc=True)
        summaries = [json.loads(s) for s in df.pop("summary")]
        df["wait_p95"] = [s.get("wait_p95") for s in summaries]
        df["time_to_solution"] = [s.get("time_to_solution_mean") for s in summaries]
        return df

    def resolve(self, ref: Union[int, str]) -> int:
        """A run id from an id or a (unique) name."""
        conn = self._connect()
        try:
            if isinstance(ref, int) or str(ref).isdigit():
                row = conn.execute("SELECT id FROM runs WHERE id = ?", (int(ref),)).fetchone()
                if row:
                    return row[0]
            rows = conn.execute("SELECT id FROM runs WHERE name = ? ORDER BY id DESC",
                                (str(ref),)).fetchall()
        finally:
            conn.close()
        if not rows:
            raise StoreError("run", str(ref), f"no such run in {self.path}")
        if len(rows) > 1:
            raise StoreError("run", str(ref), f"{len(rows)} runs have this name; use an id "
                                              f"({', '.join(str(r[0]) for r in rows)})")
        return rows[0][0]

    def load(self, ref: Union[int, str]) -> RunResult:
        run_id = self.resolve(ref)
        conn = self._connect()
        try:
            row = conn.execute("SELECT scenario, summary, end_time, wall_seconds FROM runs "
                               "WHERE id = ?", (run_id,)).fetchone()
            blobs = dict(conn.execute("SELECT name, data FROM run_tables WHERE run_id = ?",
                                      (run_id,)))
        finally:
            conn.close()
        try:
            tables = {t: pd.read_parquet(io.BytesIO(blobs[t])) for t in TABLE_NAMES}
            scenario = validate_scenario(json.loads(row[0]))
        except (KeyError, ValueError, OSError) as exc:
            raise StoreError("run", str(ref), f"stored run is damaged: {exc}") from None
        return RunResult(scenario=scenario, summary=json.loads(row[1]), end_time=row[2],
                         wall_seconds=row[3], **tables)

    def export(self, ref: Union[int, str], folder: Union[str, Path],
               formats=("csv",)) -> list[Path]:
        """Write a stored run as the command line would (tables, scenario.json, summary.json)."""
        return self.load(ref).write(folder, formats)
