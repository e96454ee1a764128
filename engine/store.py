"""The run store: every run kept whole in an embedded SQLite database.

A run is its scenario, its summary and its trace tables (Parquet blobs), saved in one transaction
or not at all. The database lives at ``SESSION_LAB_STORE`` if set, else in the user's data
directory (``platformdirs``); the command line's ``--store`` overrides both. Several processes
may save at once (WAL journal, a busy timeout), and may create the file at once; a corrupt or
foreign file is reported, never overwritten. Names never read as ids (``runs delete 2`` is run 2).
About 360 lines: one class, whose every method turns SQLite's errors into one-line messages.
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

from .model import ScenarioError, scenario_to_dict
from .validation import validate_scenario
from .run import TABLE_NAMES, RunResult, with_spans
from .output import PathError

APP = "session-lab"
SCHEMA_VERSION = 1


class StoreError(PathError):
    """The store file or a stored run cannot be used; the message names it (in full)."""


def _read_blob(blob: bytes):
    """A stored table's Parquet bytes as a DataFrame, read on this thread: Arrow's reader
    threads can outlive the read and abort the process at exit (apache/arrow#34314; `runs show`
    exited -6 about once in 20 here)."""
    return pd.read_parquet(io.BytesIO(blob), use_threads=False, pre_buffer=False)


def default_path() -> Path:
    env = os.environ.get("SESSION_LAB_STORE")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("session-lab", appauthor=False)) / "runs.sqlite"


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
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
CREATE TABLE run_tables (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""


def check_name(name: str) -> str:
    """A run name, stripped; refused when empty or when it reads as a run id (all digits), so
    ``runs delete 2`` can only ever mean run 2."""
    stripped = str(name).strip()
    if not stripped:
        raise StoreError("name", name, "must not be empty")
    if _reads_as_id(stripped):
        raise StoreError("name", name, "reads as a run id; a name needs a character that is "
                                       "not a digit")
    return stripped


def _reads_as_id(text: str) -> bool:
    """Digits only (any script's: "²" or "٣" read as digits too, so they are no names)."""
    return text.strip().isdigit()


def _as_id(text: str) -> Optional[int]:
    """The run id ``text`` names: ASCII decimal digits within SQLite's integer range."""
    t = text.strip()
    if t.isascii() and t.isdecimal() and len(t) <= 19 and int(t) < 2 ** 63:
        return int(t)
    return None


def _derived_name(scenario_name: str) -> str:
    """A run's name from its scenario's, prefixed when it would read as an id."""
    return f"run {scenario_name.strip()}" if _reads_as_id(scenario_name) else scenario_name


def _why_full() -> str:
    """A write failed: say so when a file size limit (``ulimit -f``) is the cause; SQLite
    reports the EFBIG it meets as a plain I/O error."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        return ""
    if soft == resource.RLIM_INFINITY:
        return ""
    return f" (this process may not write files larger than {soft:,} bytes: ulimit -f)"


def _tables(conn: sqlite3.Connection) -> set:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _use_wal(conn: sqlite3.Connection, patience: float = 30.0) -> None:
    """Put the store in WAL mode (persistent: readers never wait for a writer). Switching needs
    the file to itself, and SQLite answers "locked" at once rather than waiting, so this waits:
    another process may be in the middle of its first save."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")  # a filesystem without WAL says no
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class RunStore:
    """``RunStore(path)``: save, list, load, rename, delete and export runs.

    Every SQLite error (a damaged or truncated file, a full disk, a lock held too long) is a
    :class:`StoreError` naming the file."""

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
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _failed(self, exc: Exception) -> StoreError:
        """An SQLite error as one line naming the store (the disk's own words when it is full)."""
        text = str(exc)
        extended = getattr(exc, "sqlite_errorcode", None)
        code = extended & 0xFF if extended is not None else None  # the primary code
        if code == sqlite3.SQLITE_FULL or extended == getattr(sqlite3, "SQLITE_IOERR_WRITE", 778):
            return StoreError("store", str(self.path), f"cannot write: {text}{_why_full()}")
        if code == sqlite3.SQLITE_BUSY or "locked" in text:
            return StoreError("store", str(self.path), f"busy: {text} (another process holds it)")
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM,
                    sqlite3.SQLITE_IOERR):
            return StoreError("store", str(self.path), f"cannot use it: {text}")
        return StoreError("store", str(self.path),
                          f"damaged or not a readable SQLite database ({text})")

    @contextmanager
    def _errors(self):
        try:
            yield
        except sqlite3.Error as exc:
            raise self._failed(exc) from None

    def _check(self) -> None:
        """Create the schema in an empty file; refuse a file that is not a Session Lab store.

        Decided under the write lock (several processes may create the store at once: the first
        makes the schema, the others find it). A foreign file is never modified."""
        with self._read() as conn:   # the usual case, an existing store: no lock taken
            names = _tables(conn)
            if names:
                self._claim(conn, names)
        if not names:
            with self._tx() as conn:  # BEGIN IMMEDIATE waits (busy timeout) for another creator
                self._claim(conn, _tables(conn))
        with self._read() as conn:
            _use_wal(conn)

    def _claim(self, conn: sqlite3.Connection, names: set) -> None:
        if not names:
            for statement in _SCHEMA.split(";"):  # not executescript: it would COMMIT first
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('app', ?), ('version', ?)",
                         (APP, str(SCHEMA_VERSION)))
            return
        if "meta" not in names:
            raise StoreError("store", str(self.path),
                             "not a Session Lab run store (a foreign SQLite database)")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("app") != APP:
            raise StoreError("store", str(self.path), "not a Session Lab run store")
        try:
            version = int(meta.get("version", 0))
        except ValueError:
            version = SCHEMA_VERSION + 1
        if version > SCHEMA_VERSION:
            raise StoreError("store", str(self.path),
                             f"written by a newer Session Lab (schema {meta.get('version')})")

    # ------------------------------------------------------------------ writing

    def save(self, result: RunResult, name: Optional[str] = None, source: str = "api") -> int:
        """Store a run whole (one transaction); returns its id. Without ``name``, the run is
        named after its scenario (prefixed with "run " if that reads as an id)."""
        name = check_name(name) if name is not None else _derived_name(result.scenario.name)
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
                (name, time.time(), source, result.scenario.name,
                 scenario, summary, len(result.jobs), float(result.end_time),
                 float(result.wall_seconds)))
            run_id = cur.lastrowid
            conn.executemany("INSERT INTO run_tables VALUES (?, ?, ?)",
                             [(run_id, t, b) for t, b in blobs.items()])
        return run_id

    def rename(self, ref: Union[int, str], new_name: str) -> None:
        """Rename a run; refused when the name reads as an id or another run has it."""
        new_name = check_name(new_name)
        run_id = self.resolve(ref)
        with self._tx() as conn:
            other = conn.execute("SELECT id FROM runs WHERE name = ? AND id != ? LIMIT 1",
                                 (new_name, run_id)).fetchone()
            if other:
                raise StoreError("name", new_name, f"run {other[0]} already has this name")
            conn.execute("UPDATE runs SET name = ? WHERE id = ?", (new_name, run_id))

    def delete(self, ref: Union[int, str]) -> None:
        run_id = self.resolve(ref)
        with self._tx() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    @contextmanager
    def _tx(self):
        """One write transaction (taken at once, so concurrent writers queue), then closed.

        When a statement fails, SQLite may already have rolled the transaction back itself (a
        full disk does): the error reported is the statement's, never the rollback's."""
        with self._errors():
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        try:
                            conn.execute("ROLLBACK")
                        except sqlite3.Error:
                            pass  # the first error is the one to report
                    raise
            finally:
                conn.close()

    @contextmanager
    def _read(self):
        """A connection for reading; SQLite errors become StoreError."""
        with self._errors():
            conn = self._connect()
            try:
                yield conn
            finally:
                conn.close()

    # ------------------------------------------------------------------ reading

    def list(self) -> pd.DataFrame:
        """One row per run, newest first: id, name, created, source, scenario, jobs, ..."""
        columns = ["id", "name", "created", "source", "scenario", "jobs", "end_time",
                   "wall_seconds", "summary"]
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, name, created, source, scenario_name, jobs, end_time, "
                "wall_seconds, summary FROM runs ORDER BY id DESC").fetchall()
        df = pd.DataFrame(rows, columns=columns)
        try:
            df["created"] = pd.to_datetime(df["created"].astype(float), unit="s", utc=True)
            summaries = [json.loads(s) for s in df.pop("summary")]
            df["wait_p95"] = [s.get("wait_p95") for s in summaries]
            df["time_to_solution"] = [s.get("time_to_solution_mean") for s in summaries]
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise StoreError("store", str(self.path), f"a stored run is damaged: {exc}") from None
        return df

    def resolve(self, ref: Union[int, str]) -> int:
        """A run id from an id or a (unique) name. A reference that reads as an id is an id."""
        with self._read() as conn:
            run_id = ref if isinstance(ref, int) else _as_id(str(ref))
            if run_id is not None and 0 <= run_id < 2 ** 63:
                row = conn.execute("SELECT id FROM runs WHERE id = ?", (run_id,)).fetchone()
                if row:
                    return row[0]
            rows = conn.execute("SELECT id FROM runs WHERE name = ? ORDER BY id DESC",
                                (str(ref),)).fetchall()
        if not rows:
            raise StoreError("run", str(ref), f"no such run in {self.path}")
        if len(rows) > 1:
            raise StoreError("run", str(ref), f"{len(rows)} runs have this name; use an id "
                                              f"({', '.join(str(r[0]) for r in rows)})")
        return rows[0][0]

    def load(self, ref: Union[int, str]) -> RunResult:
        run_id = self.resolve(ref)
        with self._read() as conn:
            row = conn.execute("SELECT scenario, summary, end_time, wall_seconds FROM runs "
                               "WHERE id = ?", (run_id,)).fetchone()
            blobs = dict(conn.execute("SELECT name, data FROM run_tables WHERE run_id = ?",
                                      (run_id,)))
        if row is None:  # deleted by another process since resolve()
            raise StoreError("run", str(ref), f"no such run in {self.path}")
        try:
            tables = with_spans({t: _read_blob(blobs[t]) if t in blobs
                                 else None for t in TABLE_NAMES})
            missing = [t for t, df in tables.items() if df is None]
            if missing:
                raise KeyError(", ".join(missing))
            scenario = validate_scenario(json.loads(row[0]))
            summary = json.loads(row[1])
            end_time, wall = float(row[2]), float(row[3])
        except Exception as exc:  # any decoder's error: a damaged blob is not a crash
            what = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ScenarioError) else exc
            raise StoreError("run", str(ref), f"stored run {run_id} in {self.path} is damaged "
                                              f"({what})") from None
        return RunResult(scenario, tables, summary, end_time, wall)

    def export(self, ref: Union[int, str], folder: Union[str, Path],
               formats=("csv",)) -> list[Path]:
        """Write a stored run as the command line would (tables, scenario.json, summary.json),
        replacing the folder whole (see :meth:`RunResult.write`)."""
        return self.load(ref).write(folder, formats)
