"""Job logs with observed queue times: read them (and write one from ``service.jobs()``).

Two layouts, told apart by their header (CSV, UTF-8):

- **Ravi et al.'s IBM job log** (IISWC 2021): ``run_time, queue_time, machine, date, status,
  batch, shots, depth, width, ...``; times in minutes, ``date`` the submission (ISO 8601; without
  a zone, UTC). Columns past the first five are read and ignored.
- **A service export**: ``job_id, backend, status, created, running, finished`` (ISO 8601, as
  ``job.metrics()["timestamps"]`` gives them) and optionally ``quantum_seconds``; queue time
  ``running - created``, run time ``quantum_seconds`` or else ``finished - running``.
  :func:`export_jobs` writes one from ``service.jobs()``, of IBM's client or of
  ``engine.runtime``.

A row without a run (no run or queue time, never running) is skipped and counted. A bad value
is refused with its line and column, never quoting the file.

Replaying a log and reporting how close the simulation comes: engine/logreplay.py.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from .files import FileRefused, read_bytes
from .model import MAX_TIME, ScenarioError

MAX_LOG_JOBS = 200_000      # Ravi et al.'s log has 5,704
MAX_MACHINES = 1_000

MAX_LOG_BYTES = 256 * 1024 * 1024
RAVI = ("run_time", "queue_time", "machine", "date", "status")
SERVICE = ("job_id", "backend", "status", "created", "running", "finished")


@dataclass
class LogJob:
    id: str
    machine: str
    submit: datetime          # aware
    queue: float              # observed queue time, seconds
    run: float                # run time, seconds
    status: str
    beyond_qpu: float = 0.0   # a service export's running-to-finished time past its QPU time


@dataclass
class JobLog:
    jobs: list
    layout: str               # "ravi" or "service"
    skipped: int = 0
    source: str = ""


def _fail(source: str, line: int, column: str, what: str) -> ScenarioError:
    return ScenarioError("log", source, f"line {line}: column {column} {what}")


def _number(row: dict, column: str, line: int, source: str) -> Optional[float]:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise _fail(source, line, column, "is not a finite number >= 0")
    return value


def _when(row: dict, column: str, line: int, source: str) -> Optional[datetime]:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(source, line, column, "is not an ISO 8601 date and time") from None
    return d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)


def _name(row: dict, column: str, line: int, source: str) -> str:
    text = (row.get(column) or "").strip()
    if not text or len(text) > 200:
        raise _fail(source, line, column, "must be a name of 1 to 200 characters")
    return text


def parse_log(text: str, source: str = "log") -> JobLog:
    """A job log from CSV text (see the module's description for the two layouts)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if set(RAVI) <= set(header):
        layout = "ravi"
    elif set(SERVICE) <= set(header):
        layout = "service"
    else:
        raise ScenarioError("log", source, "the header names neither Ravi et al.'s columns ("
                            + ", ".join(RAVI) + ") nor a service export's ("
                            + ", ".join(SERVICE) + ")")
    jobs, skipped = [], 0
    try:
        for i, row in enumerate(reader):
            line = reader.line_num
            if None in row:
                raise _fail(source, line, "(beyond the header)", "holds more fields than the "
                                                                  "header names")
            if len(jobs) >= MAX_LOG_JOBS:
                raise ScenarioError("log", source, f"more than {MAX_LOG_JOBS:,} jobs")
            job = (_ravi if layout == "ravi" else _service)(row, i, line, source)
            if job is None:
                skipped += 1
            else:
                jobs.append(job)
    except csv.Error as exc:
        raise ScenarioError("log", source, f"line {reader.line_num}: not CSV ({exc})") from None
    if not jobs:
        raise ScenarioError("log", source, f"no job with a queue and run time "
                                           f"({skipped} rows skipped)")
    machines = {j.machine for j in jobs}
    if len(machines) > MAX_MACHINES:
        raise ScenarioError("log", source, f"{len(machines):,} machines; at most "
                                           f"{MAX_MACHINES:,}")
    # In submission order; jobs submitted at one instant keep the file's order (R18).
    jobs.sort(key=lambda j: j.submit)
    return JobLog(jobs, layout, skipped, source)


def _ravi(row: dict, i: int, line: int, source: str) -> Optional[LogJob]:
    run = _number(row, "run_time", line, source)
    queue = _number(row, "queue_time", line, source)
    submit = _when(row, "date", line, source)
    if run is None or queue is None or submit is None:
        return None
    return LogJob(f"log.{i + 1}", _name(row, "machine", line, source), submit,
                  _bounded(queue * 60, "queue_time", line, source),
                  _bounded(run * 60, "run_time", line, source), (row.get("status") or "").strip())


def _bounded(seconds: float, column: str, line: int, source: str) -> float:
    """To the engine's resolution, the microsecond (minutes * 60 is not exact in floats), and
    within the scenario limit."""
    if not seconds <= MAX_TIME:
        raise _fail(source, line, column, f"is more than {MAX_TIME:g} s")
    return round(seconds * 1e6) / 1e6


def _service(row: dict, i: int, line: int, source: str) -> Optional[LogJob]:
    created = _when(row, "created", line, source)
    running = _when(row, "running", line, source)
    finished = _when(row, "finished", line, source)
    if created is None or running is None:
        return None
    queue = (running - created).total_seconds()
    run = _number(row, "quantum_seconds", line, source) if "quantum_seconds" in row else None
    if run is None:
        if finished is None:
            return None
        run = (finished - running).total_seconds()
    if queue < 0 or run < 0:
        raise _fail(source, line, "running", "comes before created, or finished before running")
    beyond = 0.0
    if finished is not None and run is not None:
        beyond = max(0.0, (finished - running).total_seconds() - run)
    return LogJob(_name(row, "job_id", line, source), _name(row, "backend", line, source),
                  created, _bounded(queue, "running", line, source),
                  _bounded(run, "quantum_seconds" if "quantum_seconds" in row else "finished",
                           line, source), (row.get("status") or "").strip(), beyond)


def read_log(path: str | Path) -> JobLog:
    """A job log file (at most MAX_LOG_BYTES), refused with a ScenarioError naming it."""
    try:
        text = read_bytes(Path(path), MAX_LOG_BYTES).decode("utf-8")
    except FileRefused as exc:
        raise ScenarioError("log", str(path), str(exc)) from None
    except UnicodeDecodeError:
        raise ScenarioError("log", str(path), "is not UTF-8 text") from None
    return parse_log(text, str(path))


def export_jobs(jobs, path: str | Path) -> int:
    """Write ``service.jobs()`` (IBM's client's jobs, or engine.runtime's) as a service export;
    the number of rows."""
    rows = []
    # Oldest first (service.jobs() lists the newest first): a replay keeps a log's order for
    # jobs created at one instant (R18).
    for job in reversed(list(jobs)):
        m = job.metrics()
        stamps = m.get("timestamps") or {}
        usage = (m.get("usage") or {}).get("quantum_seconds")
        rows.append({"job_id": job.job_id(), "backend": job.backend().name,
                     "status": str(job.status()), "created": stamps.get("created") or "",
                     "running": stamps.get("running") or "",
                     "finished": stamps.get("finished") or "",
                     "quantum_seconds": "" if usage is None else repr(float(usage))})
    rows.sort(key=lambda r: _when(r, "created", 0, "") or datetime.min.replace(
        tzinfo=timezone.utc))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(SERVICE) + ["quantum_seconds"])
        w.writeheader()
        w.writerows(rows)
    return len(rows)
