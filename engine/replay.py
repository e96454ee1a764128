"""Trace replay: real job traces as a workload.

Two formats:

``swf``: the Standard Workload Format of the Parallel Workloads Archive: one job per line, 18
whitespace-separated fields, ``;`` starts a comment, ``-1`` means unknown. The mapping:

====================  ==========================================================================
SWF field             Session Lab
====================  ==========================================================================
1 job number          job id ``<workload>.<job number>``
2 submit time         submit time, minus the first job's, plus the workload's ``start``,
                      times ``time_scale``
4 run time            QPU seconds (times ``time_scale``); when unknown, 9 requested time; a job
                      with neither is skipped (``Trace.skipped`` counts them)
9 requested time      ``max_execution_time`` (R12), when known
12 user / 13 group    tenant ``user<id>`` / ``group<id>`` (``tenant_by``); an id whose tenant
                      the scenario does not declare goes to the workload's ``tenant``
16 partition          backend: the workload's ``backend`` list, partition 1 the first, wrapping
                      around; unknown: the first
17 preceding job,     a chain of jobs each naming its predecessor is one interactive session:
18 think time         a dedicated session (``session_mode``) on the chain's first backend
                      holding the chain's jobs as its iterations, closed after its last job
====================  ==========================================================================

Every job keeps its recorded submit time, so a chain's recorded think times (field 18) are
replayed as they were. Other fields (wait time, processors, memory, status, executable, queue)
are read and ignored.

``jobs_csv``: the project's own jobs table (``jobs.csv``): ``job_id``, ``tenant``, ``backend``,
``submit_time``, ``duration``, ``session_id`` (sessions become dedicated sessions),
``max_execution_time``.

A bad line is reported with its number: ``workloads[0].trace = 'x.swf': line 12: expected 18
fields, got 7``. No message quotes what the file holds (a field's number or column names it),
so a scenario pointed at a file that is not a trace learns nothing of its content. Times must be
finite and, scaled, within the scenario limit; ids must not repeat.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Optional

from .model import MAX_JOBS, MAX_TIME, ScenarioError

SWF_FIELDS = 18
MAX_ID = 200   # characters of a job or session id from a trace


@dataclass
class TraceJob:
    id: str
    tenant: str
    backend: str
    submit: float
    duration: float
    max_execution_time: Optional[float]
    session: Optional[str] = None


@dataclass
class Trace:
    jobs: list[TraceJob]
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (tenant, backend)
    skipped: int = 0


def _num(tok: str, where: str, line: int, name: str, source: str = "") -> float:
    try:
        value = float(tok)
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value):
        raise ScenarioError(where, source, f"line {line}: field {name} is not a finite number")
    return value


def _time(value: float, scale: float, where: str, line: int, name: str, source: str) -> float:
    """A trace time (seconds, already known finite and >= 0) scaled into the scenario."""
    scaled = value * scale
    if scaled > MAX_TIME:
        raise ScenarioError(where, source, f"line {line}: field {name}, scaled, passes the "
                                           f"{MAX_TIME:g} s limit")
    return scaled


def parse_swf(text: str, *, name: str, tenants: set, default_tenant: str, backends: list,
              tenant_by: str = "user", start: float = 0.0, time_scale: float = 1.0,
              limit: Optional[int] = None, where: str = "trace", source: str = "") -> Trace:
    """Jobs and sessions from SWF text (see the module's table)."""
    rows = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        toks = line.split()
        if len(toks) != SWF_FIELDS:
            raise ScenarioError(where, source, f"line {lineno}: expected {SWF_FIELDS} fields, got "
                                             f"{len(toks)}")
        vals = [_num(t, where, lineno, str(i + 1), source) for i, t in enumerate(toks)]
        if vals[0] < 0 or vals[1] < 0 or not vals[0].is_integer():
            raise ScenarioError(where, source, f"line {lineno}: fields 1 and 2 (job number, "
                                               f"submit time) must be known")
        rows.append((lineno, vals))
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        return Trace([])
    t0 = min(v[1] for _, v in rows)
    by_number = {}
    jobs: list[TraceJob] = []
    skipped = 0
    seen = set()
    for lineno, v in rows:
        number = int(v[0])
        if number in seen:
            raise ScenarioError(where, source, f"line {lineno}: job number {number} repeats")
        seen.add(number)
        run, req = v[3], v[8]
        duration = run if run >= 0 else req if req > 0 else None
        if duration is None:
            skipped += 1
            continue
        who = int(v[11] if tenant_by == "user" else v[12])
        tenant = f"{tenant_by}{who}"
        if who < 0 or tenant not in tenants:
            tenant = default_tenant
        part = int(v[15])
        backend = backends[(part - 1) % len(backends)] if part > 0 else backends[0]
        job = TraceJob(id=f"{name}.{number}", tenant=tenant, backend=backend,
                       submit=start + _time(v[1] - t0, time_scale, where, lineno, "2", source),
                       duration=_time(duration, time_scale, where, lineno, "4", source),
                       max_execution_time=(_time(req, time_scale, where, lineno, "9", source)
                                           if req > 0 else None))
        jobs.append(job)
        by_number[number] = (job, int(v[16]))
    # Chains: follow each job's predecessor back to the first job of its chain.
    sessions: dict[str, tuple[str, str]] = {}

    roots: dict[int, int] = {}

    def root(number: int) -> int:
        """The first job of ``number``'s chain (memoised: linear in the trace)."""
        path, on_path = [number], {number}
        while True:
            if number in roots:
                found = roots[number]
                break
            prev = by_number[number][1]
            if prev <= 0 or prev not in by_number:
                found = number
                break
            if prev in on_path:  # predecessors in a loop: the loop's lowest number leads it
                found = min(path[path.index(prev):])
                break
            path.append(prev)
            on_path.add(prev)
            number = prev
        for n in path:
            roots[n] = found
        return found

    chains: dict[int, list[TraceJob]] = {}
    for number, (job, prev) in by_number.items():
        if prev > 0 and prev in by_number:
            chains.setdefault(root(number), []).append(job)
    for first, followers in chains.items():
        head = by_number[first][0]
        sid = f"{name}.session{first}"
        sessions[sid] = (head.tenant, head.backend)
        for job in [head] + followers:
            job.session = sid
            job.tenant, job.backend = head.tenant, head.backend  # one owner, one backend
    return Trace(jobs, sessions, skipped)


def parse_jobs_csv(text: str, *, name: str, tenants: set, default_tenant: str,
                   backends: list, start: float = 0.0, time_scale: float = 1.0,
                   limit: Optional[int] = None, where: str = "trace",
                   source: str = "") -> Trace:
    """Jobs and sessions from the project's own jobs.csv."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    need = {"job_id", "tenant", "backend", "submit_time"}
    try:
        fields = reader.fieldnames or []
    except csv.Error:
        raise ScenarioError(where, source, "line 1: not a CSV header") from None
    missing = need - set(fields)
    if missing:
        raise ScenarioError(where, source, f"line 1: missing columns {', '.join(sorted(missing))}")
    rows = []
    seen: set = set()
    lineno = 1
    try:
        for lineno, rec in enumerate(reader, 2):
            rec = {k: ("" if v is None else str(v)) for k, v in rec.items() if k is not None}
            if not rec.get("job_id") or not rec.get("tenant"):
                raise ScenarioError(where, source, f"line {lineno}: job_id and tenant are needed")
            for col in ("job_id", "session_id"):
                if len(rec.get(col) or "") > MAX_ID:
                    raise ScenarioError(where, source, f"line {lineno}: {col} is longer than "
                                                       f"{MAX_ID} characters")
            if rec["job_id"] in seen:
                raise ScenarioError(where, source, f"line {lineno}: job_id repeats an earlier "
                                                   f"row's")
            seen.add(rec["job_id"])
            submit = _num(rec["submit_time"], where, lineno, "submit_time", source)
            dur_text = rec.get("duration") or rec.get("qpu_time") or ""
            duration = _num(dur_text, where, lineno, "duration", source) if dur_text else None
            if duration is None or duration < 0:
                raise ScenarioError(where, source, f"line {lineno}: no duration")
            if submit < 0:
                raise ScenarioError(where, source, f"line {lineno}: submit_time is negative")
            if rec["backend"] not in backends:
                raise ScenarioError(where, source, f"line {lineno}: its backend is not one of "
                                                   f"the workload's backends")
            met_text = rec.get("max_execution_time") or ""
            met = _num(met_text, where, lineno, "max_execution_time", source) if met_text else None
            if met is not None and met <= 0:
                raise ScenarioError(where, source, f"line {lineno}: max_execution_time must be "
                                                   f"positive")
            rows.append((lineno, submit, rec, duration, met))
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise ScenarioError(where, source, f"line {lineno + 1}: not readable as CSV "
                                           f"({str(exc).split(':')[0][:60]})") from None
    t0 = min((r[1] for r in rows), default=0.0)
    jobs, sessions = [], {}
    for lineno, submit, rec, duration, met in rows:
        tenant = rec["tenant"] if rec["tenant"] in tenants else default_tenant
        sid = rec.get("session_id") or None
        if sid:
            sid = f"{name}.{sid}"
            sessions.setdefault(sid, (tenant, rec["backend"]))
            tenant, backend = sessions[sid]
        else:
            backend = rec["backend"]
        jobs.append(TraceJob(
            f"{name}.{rec['job_id']}", tenant, backend,
            start + _time(submit - t0, time_scale, where, lineno, "submit_time", source),
            _time(duration, time_scale, where, lineno, "duration", source),
            _time(met, time_scale, where, lineno, "max_execution_time", source) if met else None,
            sid))
    return Trace(jobs, sessions)


def load(scenario, index: int, name: str, budget: int = MAX_JOBS) -> Trace:
    """The trace of ``scenario.workloads[index]`` (named ``name``): read under the scenario's
    file rules (engine/files.py) and parsed; more than ``budget`` jobs is refused."""
    from . import files

    w = scenario.workloads[index]
    where = f"workloads[{index}].trace"
    try:
        text = files.read_named(w.trace, scenario.roots, files.MAX_TRACE_BYTES)
    except files.FileRefused as exc:
        raise ScenarioError(where, w.trace, str(exc)) from None
    budget = max(0, budget)
    # Read at most one row past the budget: a trace that has it is refused, never cut short.
    limit = w.limit if w.limit is not None and w.limit <= budget else budget + 1
    kwargs = dict(name=name, tenants={t.name for t in scenario.tenants}, default_tenant=w.tenant,
                  backends=w.backends, start=w.start, time_scale=w.time_scale, limit=limit,
                  where=where, source=w.trace)
    if w.format == "swf":
        trace = parse_swf(text, tenant_by=w.tenant_by, **kwargs)
    else:
        trace = parse_jobs_csv(text, **kwargs)
    if len(trace.jobs) + trace.skipped > budget:
        raise ScenarioError(where, w.trace, f"its jobs bring the scenario past {MAX_JOBS:,} jobs "
                                            f"in all")
    return trace
