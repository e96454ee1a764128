"""Records -> tables: the simulation's state after a run, in seconds (engine/tables.py).

``events``: the ordered trace, one row per thing that happened, with ``detail`` saying why.
``jobs``: one row per submitted job. ``sessions``: one row per session. ``spans``: what each
session was doing when (engine/events.py), as the engine recorded it. ``clients``: one row per
closed-loop client. Contract columns (SCENARIO_FORMAT.md) come first, in the contract's order;
extra columns follow. Tables are built straight from the records, without pandas (their big
numeric columns as NumPy arrays); writing them is engine/output.py's. :class:`EventSpill`
writes a long run's events to a file as they come. About 350 lines: a third rebuilds spans for
runs saved before the engine recorded them (the last section), which figures still read.
"""

from __future__ import annotations

import json
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Optional

from . import events as ev
from .kernel import TICKS_PER_SECOND
from .tables import CHUNK_ROWS, SpilledTable, Table

if TYPE_CHECKING:
    import pandas as pd

    from .sim import Simulation

EVENT_COLUMNS = ["time", "backend", "event", "session_id", "job_id", "detail", "tenant", "seq"]
EVENT_KINDS = "fssssssi"
JOB_COLUMNS = ["job_id", "tenant", "backend", "session_id", "submit_time", "start_time",
               "end_time", "status", "reason", "qpu_start_time", "qpu_end_time", "usage",
               "mode", "duration", "qpu_time", "wait", "turnaround", "rule",
               "max_execution_time", "compiled", "finished_at", "workload", "iteration",
               "circuit", "primitive", "seed", "executed", "classical_time", "ready_time",
               "qpu_wait", "in_progress", "seq"]
JOB_KINDS = "ssssfffssfffsffffsfsfsIsssbffffi"
SESSION_COLUMNS = ["session_id", "tenant", "backend", "mode", "start_time", "end_time",
                   "end_reason", "max_time", "usage", "state", "interactive_timeout",
                   "opened_at", "closed_at", "jobs", "active_time", "reserved_idle",
                   "end_detail", "workload"]
SESSION_KINDS = "ssssffsffsfffiffss"
CLIENT_COLUMNS = ["client_id", "workload", "tenant", "backend", "mode", "session_id",
                  "iterations", "completed_iterations", "started_at", "finished_at",
                  "time_to_solution", "status", "target", "best_value", "final_value"]
CLIENT_KINDS = "ssssssiifffsfff"
ITERATION_COLUMNS = ["client_id", "iteration", "job_id", "submit_time", "result_time", "value",
                     "parameters"]
RESULT_COLUMNS = ["job_id", "backend", "primitive", "pub", "seed", "counts", "evs", "stds"]


def _sec(t):
    return None if t is None else t / TICKS_PER_SECOND


# Below this many ticks (2**52 us, about 142 years) an instant, and a difference of two, is an
# exact float, so NumPy's ``t / 1e6`` is Python's correctly rounded ``t / 1_000_000``, bit for bit.
_EXACT = 2 ** 52


def _ticks_array(ticks: list):
    """Ticks as a float array (``None`` as NaN), or None when one is too big to be exact."""
    import numpy as np

    a = np.array(ticks, dtype=np.float64)
    if not np.all((np.abs(a) < _EXACT) | np.isnan(a)):
        return None
    return a


class _Ticks:
    """Columns of ticks by name, each made a float array once: ``secs(name)`` and
    ``span(a, b)`` (``b - a``, where both are known) in seconds. Where an instant is past
    :data:`_EXACT`, every column is worked in Python, value by value, exactly."""

    def __init__(self, **columns: list):
        self.lists = columns
        arrays = {name: _ticks_array(c) for name, c in columns.items()}
        self.arrays = None if any(a is None for a in arrays.values()) else arrays

    def secs(self, name: str):
        if self.arrays is not None:
            return self.arrays[name] / TICKS_PER_SECOND
        return [None if t is None else t / TICKS_PER_SECOND for t in self.lists[name]]

    def span(self, a: str, b: str):
        if self.arrays is not None:
            return (self.arrays[b] - self.arrays[a]) / TICKS_PER_SECOND
        return [None if x is None or y is None else (y - x) / TICKS_PER_SECOND
                for x, y in zip(self.lists[a], self.lists[b])]


def events_table(sim: "Simulation") -> Table:
    """The events the simulation holds, whole (:class:`EventSpill` writes the same rows to a
    file as they come)."""
    import numpy as np

    evs = sim.events
    cols = [list(map(itemgetter(k), evs)) for k in range(7)]
    time, backend, event, session, job, tenant, detail = cols
    return Table(EVENT_COLUMNS, EVENT_KINDS,
                 [_Ticks(time=time).secs("time"), backend, event, session, job, detail, tenant,
                  np.arange(len(evs), dtype=np.int64)])


class EventSpill:
    """A run's events written to ``path`` (events.csv's bytes) as the run goes, ``rows`` at a
    time, and dropped from memory: a million-job run's events no longer live in memory whole.
    Call it on the run's ticks; :meth:`finish` writes the rest and gives the table
    (engine/tables.py :class:`SpilledTable`)."""

    def __init__(self, sim: "Simulation", path, rows: Optional[int] = None):
        self.sim = sim
        self.rows = rows or CHUNK_ROWS
        self.table = SpilledTable(path, EVENT_COLUMNS, EVENT_KINDS)

    def __call__(self) -> None:
        if len(self.sim.events) >= self.rows:
            self._spill()

    def _spill(self) -> None:
        # The rows of events_table, made straight from the records: t / 1_000_000 is Python's
        # correctly rounded division, the seconds events_table gives at any size.
        first = self.table.rows_written
        self.table.append_rows([(t / TICKS_PER_SECOND, b, e, s, j, d, tn, first + i)
                                for i, (t, b, e, s, j, tn, d) in enumerate(self.sim.events)])
        self.sim.events.clear()

    def finish(self) -> SpilledTable:
        self._spill()
        self.table.close()
        return self.table


_JOB_FIELDS = attrgetter("id", "tenant", "backend", "session", "submit_tick", "start_tick",
                         "end_tick", "status", "reason", "qpu_start_tick", "duration_ticks",
                         "rule", "limit_ticks", "compiled", "finish_tick", "workload",
                         "iteration", "work", "seed", "summary", "classical_ticks",
                         "ready_tick", "seq")


def jobs_table(sim: "Simulation") -> Table:
    """One row per job, in submission order (jobs never submitted last). Spans are differences
    of ticks, converted once, never differences of rounded seconds. The jobs are read a block
    at a time (a job's fields at once, then the block's rows turned into columns): one pass over
    them, and the rows of one block in memory at a time."""
    jobs = sorted(sim.jobs.values(), key=lambda j: (j.seq < 0, j.seq))
    cols: list = [[] for _ in range(23)]
    for lo in range(0, len(jobs), CHUNK_ROWS):
        for col, values in zip(cols, zip(*map(_JOB_FIELDS, jobs[lo:lo + CHUNK_ROWS]))):
            col.extend(values)
    del jobs
    (ids, tenants, backends, sessions, submit, start, end, status, reason, qpu, duration, rule,
     limit, compiled, finish, workload, iteration, work, seed, summary, classical, ready,
     seq) = cols
    import numpy as np

    qpu_end = [None if q is None else e for q, e in zip(qpu, end)]
    modes = {sid: s.mode for sid, s in sim.sessions.items()}
    t = _Ticks(submit=submit, start=start, end=end, qpu=qpu, qpu_end=qpu_end, duration=duration,
               limit=limit, finish=finish, ready=ready,
               classical=[None if a is None else c for c, a in zip(classical, start)])
    qpu_time = t.span("qpu", "qpu_end")
    if isinstance(qpu_time, list):
        usage = [0.0 if u is None else u for u in qpu_time]
    else:
        usage = np.where(np.isnan(qpu_time), 0.0, qpu_time)   # 0 for a job never on the QPU
    return Table(JOB_COLUMNS, JOB_KINDS, [
        ids, tenants, backends, sessions,
        t.secs("submit"), t.secs("start"), t.secs("end"), status, reason, t.secs("qpu"),
        t.secs("qpu_end"), usage,
        ["job" if s is None else modes.get(s, "unknown") for s in sessions],
        t.secs("duration"), qpu_time, t.span("submit", "start"), t.span("submit", "end"), rule,
        t.secs("limit"), compiled, t.secs("finish"), workload, iteration,
        ["" if w is None else w.meta.get("circuit", "") for w in work],
        ["" if w is None else w.primitive for w in work], seed,
        np.array([s is not None for s in summary], dtype=bool), t.secs("classical"),
        t.secs("ready"), t.span("ready", "qpu"), t.span("start", "end"),
        np.array(seq, dtype=np.int64)])


def sessions_table(sim: "Simulation") -> Table:
    held, idle = _span_totals(sim.spans)
    now = sim.env._now
    rows = []
    for s in sim.sessions.values():
        rows.append((
            s.id, s.tenant, s.backend, s.mode, _sec(s.started_at), _sec(s.ended_at),
            s.end_reason,
            _sec(s.max_time if s.max_time is not None else s.max_time_given),
            _sec(s.usage_at(now)), s.state,
            _sec(s.interactive_timeout) if s.dedicated else None, _sec(s.opened_at),
            _sec(s.closed_at), s.jobs_submitted,
            _sec(held.get(s.id, 0) if s.dedicated else 0), _sec(idle.get(s.id, 0)),
            s.end_detail, s.workload,
        ))
    return Table.from_rows(SESSION_COLUMNS, SESSION_KINDS, rows)


def _span_totals(spans) -> tuple[dict, dict]:
    """Per session, ticks holding its backend (running or reserved idle) and reserved idle."""
    held: dict = {}
    idle: dict = {}
    for sid, kind, start, end in spans:
        if kind == ev.RESERVED_IDLE:
            idle[sid] = idle.get(sid, 0) + end - start
            held[sid] = held.get(sid, 0) + end - start
        elif kind == ev.RUNNING:
            held[sid] = held.get(sid, 0) + end - start
    return held, idle


def spans_table(sim: "Simulation") -> Table:
    """Every session's spans (engine/events.py), as the session state machine recorded them:
    columns session_id, kind, start, end (seconds), by session then start."""
    rows = sorted(sim.spans, key=lambda r: (r[0], r[2], r[1]))
    return Table.from_rows(list(ev.SPAN_FIELDS), "ssff",
                           ((sid, kind, a / TICKS_PER_SECOND, b / TICKS_PER_SECOND)
                            for sid, kind, a, b in rows))


def system_table(sim: "Simulation") -> Table:
    """What each backend did besides users' jobs (engine/events.py SYSTEM_FIELDS): system work
    (R20) and reservations (R21), by backend then start; seconds."""
    rows = sorted(sim.system, key=lambda r: (r[0], r[4], r[2]))
    return Table.from_rows(list(ev.SYSTEM_FIELDS), "ssssff",
                           ((b, k, i, t, a / TICKS_PER_SECOND, e / TICKS_PER_SECOND)
                            for b, k, i, t, a, e in rows))


def clients_table(sim: "Simulation") -> Table:
    return Table.from_rows(CLIENT_COLUMNS, CLIENT_KINDS, (
        (c.id, c.workload, c.tenant, c.backend, c.mode, c.session_id, c.iterations,
         c.completed_iterations, _sec(c.started_at), _sec(c.finished_at),
         _sec(c.time_to_solution()), c.status, c.target, c.best_value, c.final_value)
        for c in sim.clients))


def iterations_table(sim: "Simulation") -> Table:
    """Closed-loop clients: the value each result gave, when, for which parameters."""
    return Table.from_rows(ITERATION_COLUMNS, "sisfffs", (
        (cid, i, jid, submit / TICKS_PER_SECOND, at / TICKS_PER_SECOND, value, params)
        for cid, i, jid, submit, at, value, params in sim.iterations))


def results_table(sim: "Simulation") -> Table:
    """One row per executed PUB: counts (Sampler) or expectation values (Estimator), as JSON."""
    rows = []
    for job in sorted(sim.jobs.values(), key=lambda j: j.seq):
        if job.summary is None:
            continue
        for k, pub in enumerate(job.summary["pubs"]):
            rows.append((job.id, job.backend, job.summary["primitive"], k, job.seed,
                         json.dumps(pub["counts"]) if "counts" in pub else None,
                         json.dumps(pub["evs"]) if "evs" in pub else None,
                         json.dumps(pub["stds"]) if "stds" in pub else None))
    return Table.from_rows(RESULT_COLUMNS, "sssiisss", rows)


def _sort_spans(df: "pd.DataFrame") -> "pd.DataFrame":
    return df.sort_values(["session_id", "start", "kind"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------- older runs

def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _minus(span: tuple[float, float], holes: list[tuple[float, float]]):
    """``span`` with ``holes`` removed, as a list of intervals."""
    a, b = span
    out = []
    for h0, h1 in holes:
        if h1 <= a or h0 >= b:
            continue
        if h0 > a:
            out.append((a, h0))
        a = max(a, h1)
    if a < b:
        out.append((a, b))
    return out


def spans_from_events(jobs: "pd.DataFrame", sessions: "pd.DataFrame",
                      events: "pd.DataFrame") -> "pd.DataFrame":
    """The spans of a run saved before the engine recorded them (no spans table), worked out
    from its jobs, sessions and events: columns session_id, kind, start, end. A test holds it
    equal to what the engine records.

    kind is one of SPAN_ORDER. A dedicated session is *active* from its start (or a reactivation)
    to a deactivation or its end; inside that, spans with one of its jobs on the QPU are
    ``running`` and the rest ``reserved idle``. From a deactivation to a reactivation (or the end)
    it is ``inactive``. From opening to the first job's start it is ``open``. A batch is ``batch
    active`` from start to end, ``running`` while its jobs run.
    """
    import pandas as pd

    rows = []
    if sessions.empty:
        return pd.DataFrame(columns=["session_id", "kind", "start", "end"])
    evs = events[events["session_id"].notna()]
    evs = evs[evs["event"].isin([ev.SESSION_STARTED, ev.SESSION_REACTIVATED, ev.SESSION_DEACTIVATED,
                              ev.SESSION_ENDED])]
    by_session: dict = {}
    for sid, event, t in zip(evs["session_id"], evs["event"], evs["time"]):
        by_session.setdefault(sid, []).append((event, float(t)))
    ran = jobs[jobs["session_id"].notna() & jobs["start_time"].notna()]
    runs: dict = {}
    for sid, a, b in zip(ran["session_id"], ran["start_time"], ran["end_time"]):
        runs.setdefault(sid, []).append((float(a), float(b)))
    for s in sessions[["session_id", "mode", "start_time", "end_time",
                       "opened_at"]].itertuples(index=False):
        sid = s.session_id
        start, end = s.start_time, s.end_time
        opened = s.opened_at
        if pd.notna(opened):
            until = start if pd.notna(start) else end
            if pd.notna(until) and until > opened:
                rows.append((sid, "open", float(opened), float(until)))
        if pd.isna(start):
            continue
        job_runs = _union(runs.get(sid, []))
        for a, b in job_runs:
            rows.append((sid, "running", a, b))
        if pd.isna(end):
            end = max([start] + [b for _, b in job_runs])
        if s.mode != "dedicated":
            for a, b in _minus((float(start), float(end)), job_runs):
                rows.append((sid, "batch active", a, b))
            continue
        # Walk the transitions: active/inactive intervals.
        active_from: Optional[float] = None
        inactive_from: Optional[float] = None
        for event, t in by_session.get(sid, ()):
            if event in (ev.SESSION_STARTED, ev.SESSION_REACTIVATED):
                if inactive_from is not None and t > inactive_from:
                    rows.append((sid, "inactive", inactive_from, t))
                inactive_from = None
                active_from = t
            elif event == ev.SESSION_DEACTIVATED:
                if active_from is not None:
                    for a, b in _minus((active_from, t), job_runs):
                        rows.append((sid, "reserved idle", a, b))
                active_from = None
                inactive_from = t
            elif event == ev.SESSION_ENDED:
                # The hold may outlast the end while its last job finishes (R9/R11).
                stop = max([t] + [b for a, b in job_runs if a < t])
                if active_from is not None:
                    for a, b in _minus((active_from, stop), job_runs):
                        rows.append((sid, "reserved idle", a, b))
                if inactive_from is not None and t > inactive_from:
                    rows.append((sid, "inactive", inactive_from, t))
                active_from = inactive_from = None
    rows = sorted((r for r in rows if r[3] > r[2]), key=lambda r: (r[0], r[2]))
    merged: list = []
    for r in rows:  # as the engine does: a span continuing the last of its kind extends it
        if merged and merged[-1][0] == r[0] and merged[-1][1] == r[1] and merged[-1][3] == r[2]:
            merged[-1] = (r[0], r[1], merged[-1][2], r[3])
        else:
            merged.append(r)
    return _sort_spans(pd.DataFrame(merged, columns=list(ev.SPAN_FIELDS)))
