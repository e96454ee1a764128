"""The Jobs page's tables: pure functions over a run's DataFrames, no Streamlit.

IBM Quantum's workload list shows one row per job (id, status, instance, backend, session, mode,
created and finished times, usage) and one page per session. Here ``display_frame`` builds that
table from the engine's ``jobs`` table (its CSV column names stay as they are; ``COLUMNS`` holds
the labels, units and help the page shows), ``filter_jobs`` narrows it with vectorised masks (a
200,000-job run filters in milliseconds), ``sort_and_cap`` keeps the browser's share bounded, and
the session functions gather one session's facts, spans and time window from ``sessions``,
``session_metrics``, ``spans`` and ``jobs``. Windows for the timeline link are plain floats in
simulated seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np
import pandas as pd

from engine import events as ev

from . import figures

ROW_CAP = 10_000     # rows sent to the browser at most; the download holds every filtered row
NO_SESSION = "-"     # the session column of a job in job mode (and its filter value)
MARGIN = 0.1         # the timeline link's margin, a fraction of the span on each side ...
MIN_PAD = 1.0        # ... and at least this many seconds


@dataclass(frozen=True)
class Column:
    label: str
    help: str = ""
    format: Optional[str] = None   # printf-style for numbers; None for text
    width: Optional[int] = None    # pixels, where the values are wider than the label


# The display frame's columns in order: engine column name -> how the page shows it. Optional
# columns (classical stage, QPU wait, lane, reason, primitive) appear only when the run has them.
COLUMNS: dict[str, Column] = {
    "job_id": Column("Job ID", width=150),
    "status": Column("Status", "completed, failed, cancelled or rejected (R16)", width=90),
    "tenant": Column("Tenant", "the tenant (IBM: instance) whose fair share the job draws on"),
    "backend": Column("Backend", "the QPU the job ran on"),
    "session_id": Column("Session", f"the session or batch it belongs to; {NO_SESSION}: job mode"),
    "mode": Column("Mode", "job, dedicated (a session) or batch", width=85),
    "submit_time": Column("Submitted (s)", "simulated seconds", "%.1f"),
    "start_time": Column("Started (s)", "took a lane and went In progress (simulated s)", "%.1f"),
    "end_time": Column("Ended (s)", "when it finished: ran to its end, or failed, was "
                       "cancelled or rejected (simulated s)", "%.1f"),
    "wait": Column("Wait (s)", "from submission to start", "%.1f"),
    "usage": Column("QPU usage (s)", "its QPU stage: the seconds charged", "%.2f"),
    "classical_time": Column("Classical stage (s)", "pre-processing in its lane before the QPU "
                             "(R19)", "%.1f"),
    "qpu_wait": Column("Waited for QPU (s)", "ready, waiting for the QPU: QPU contention (R19)",
                       "%.1f"),
    "lane": Column("Lane", "the lane track the timeline draws it on (the lowest free at its "
                   "start; the engine does not record which lane a job took)", "%d"),
    "primitive": Column("Primitive", "sampler or estimator", width=85),
    "reason": Column("Reason", "why it failed, was cancelled or rejected", width=400),
}

SORTABLE = ["submit_time", "start_time", "end_time", "wait", "usage", "job_id", "status",
            "tenant", "backend", "session_id"]


@dataclass(frozen=True)
class JobFilter:
    """What to keep: an empty tuple keeps every value; ``text`` is a case-insensitive part of the
    job id; ``window`` (t0, t1) keeps jobs whose life (submission to end) overlaps it."""
    statuses: tuple = ()
    tenants: tuple = ()
    backends: tuple = ()
    sessions: tuple = ()          # session ids, NO_SESSION for job mode
    text: str = ""
    window: Optional[tuple[float, float]] = None


# --------------------------------------------------------------------------- the jobs table

def _nonblank(col: pd.Series) -> bool:
    return bool(col.fillna("").astype(str).str.strip().ne("").any())


def display_frame(jobs: pd.DataFrame, lanes: Optional[dict] = None) -> pd.DataFrame:
    """One row per job with the columns of ``COLUMNS`` the run has, in that order, indexed as
    ``jobs``. ``session_id`` reads NO_SESSION for job mode; ``end_time`` is when the job
    finished, also when it never started (failed, cancelled, rejected: ``finished_at``). The
    classical stage and the QPU wait appear when some job had one; ``lane`` (1, 2, ...) when a
    backend has more than one lane (``lanes``: backend -> lanes, R19); ``primitive`` and
    ``reason`` when some job has one. Runs recorded before R19 have no ``usage``: their QPU
    time stands for it."""
    out = pd.DataFrame(index=jobs.index)
    for col in ("job_id", "status", "tenant", "backend"):
        out[col] = jobs[col]
    out["session_id"] = jobs["session_id"].fillna(NO_SESSION)
    out["mode"] = jobs["mode"] if "mode" in jobs else np.where(
        jobs["session_id"].isna(), "job", "dedicated")
    for col in ("submit_time", "start_time", "wait"):
        out[col] = jobs[col].astype(float)
    out["end_time"] = job_end(jobs).replace(math.inf, np.nan)   # a job left unstarted ends too
    out = out[["job_id", "status", "tenant", "backend", "session_id", "mode", "submit_time",
               "start_time", "end_time", "wait"]]
    usage = next((c for c in ("usage", "qpu_time", "duration") if c in jobs), None)
    out["usage"] = jobs[usage].astype(float) if usage else np.nan
    for col in ("classical_time", "qpu_wait"):
        if col in jobs and (jobs[col].fillna(0) > 0).any():
            out[col] = jobs[col].astype(float)
    if lanes and any(int(n) > 1 for n in lanes.values()) and len(jobs):
        out["lane"] = (figures.lane_slots(jobs) + 1).astype("Int64")
    for col in ("primitive", "reason"):
        if col in jobs and _nonblank(jobs[col]):
            out[col] = jobs[col].fillna("")
    return out


def job_end(jobs: pd.DataFrame) -> pd.Series:
    """When each job's life ends: its end, else when it left unstarted (``finished_at``), else
    never (+inf: still queued or running when the trace stops)."""
    end = jobs["end_time"].astype(float)
    if "finished_at" in jobs:
        end = end.fillna(jobs["finished_at"].astype(float))
    return end.fillna(math.inf)


def filter_jobs(jobs: pd.DataFrame, f: JobFilter) -> pd.DataFrame:
    """The rows of ``jobs`` (the engine's table or ``display_frame``) that ``f`` keeps, in their
    order. The window is closed: a job ending exactly at t0 or submitted exactly at t1 overlaps."""
    keep = np.ones(len(jobs), dtype=bool)
    if f.statuses:
        keep &= jobs["status"].isin(f.statuses).to_numpy()
    if f.tenants:
        keep &= jobs["tenant"].isin(f.tenants).to_numpy()
    if f.backends:
        keep &= jobs["backend"].isin(f.backends).to_numpy()
    if f.sessions:
        sid = jobs["session_id"]
        hit = sid.isin([s for s in f.sessions if s != NO_SESSION])
        if NO_SESSION in f.sessions:
            hit |= sid.isna() | (sid == NO_SESSION)
        keep &= hit.fillna(False).to_numpy(bool)
    text = f.text.strip()
    if text:
        keep &= jobs["job_id"].astype(str).str.contains(text, case=False, regex=False) \
            .fillna(False).to_numpy(bool)
    if f.window is not None:
        t0, t1 = f.window
        keep &= ((jobs["submit_time"] <= t1) & (job_end(jobs) >= t0)).to_numpy(bool)
    return jobs[keep]


def sort_and_cap(view: pd.DataFrame, by: str, descending: bool = False,
                 cap: int = ROW_CAP) -> pd.DataFrame:
    """``view`` sorted by ``by`` (empty values last; ties keep the run's order), its first
    ``cap`` rows."""
    ordered = view.sort_values(by, ascending=not descending, kind="stable", na_position="last")
    return ordered.head(cap)


def shown_caption(shown: int, matched: int, total: int, by: str, descending: bool) -> str:
    """The row count line: "showing 1,234 of 200,000 jobs", and when the cap cut the matches,
    which rows the table holds."""
    text = f"Showing **{shown:,}** of {total:,} jobs"
    if matched > shown:
        order = "descending" if descending else "ascending"
        text += (f": {matched:,} match the filters; the table holds the first {shown:,} by "
                 f"{COLUMNS[by].label}, {order} (the download has all {matched:,})")
    return text


# --------------------------------------------------------------------------- sessions

def default_session(sessions: pd.DataFrame,
                    session_metrics: Optional[pd.DataFrame] = None) -> Optional[str]:
    """The session to show first: the one with the most reserved idle time; among equals the
    one charged the most usage (so a run without reserved idle opens on a session that ran),
    then the first in the sessions table's order. None for a run without sessions."""
    if sessions is None or sessions.empty:
        return None
    ids = list(sessions["session_id"])

    def by_session(frame, col) -> np.ndarray:
        if frame is None or not len(frame) or col not in frame:
            return np.zeros(len(ids))
        v = frame.drop_duplicates("session_id").set_index("session_id")[col].astype(float)
        return v.reindex(ids).fillna(0.0).to_numpy()

    has = session_metrics is not None and len(session_metrics) and "reserved_idle" in \
        session_metrics
    idle = by_session(session_metrics if has else sessions, "reserved_idle")
    usage = by_session(sessions, "usage")
    # lexsort: the last key is the primary one; stable, so the table's order breaks ties.
    best = np.lexsort((np.arange(len(ids)), -usage, -idle))[0]
    return str(ids[best])


def session_spans(spans: pd.DataFrame, session_id: str) -> pd.DataFrame:
    """The session's spans in time order with their duration: columns kind, start, end,
    duration."""
    mine = spans[spans["session_id"] == session_id].sort_values("start", kind="stable")
    out = mine[["kind", "start", "end"]].reset_index(drop=True)
    out["duration"] = (out["end"] - out["start"]).astype(float)
    return out


def session_window(sessions: pd.DataFrame, spans: pd.DataFrame, jobs: pd.DataFrame,
                   session_id: str) -> tuple[float, float]:
    """From the session's first sign of life to its last: the earliest of its opening, start,
    first span and first job's submission, to the latest of its end, close, last span and last
    job's end. (0, 0) when none of these is known."""
    s = sessions[sessions["session_id"] == session_id]
    sp = spans[spans["session_id"] == session_id]
    j = jobs[jobs["session_id"] == session_id]
    firsts = [s[c] for c in ("opened_at", "start_time") if c in s] + [sp["start"],
                                                                     j["submit_time"]]
    lasts = [s[c] for c in ("end_time", "closed_at") if c in s] + [sp["end"]]
    if len(j):
        ends = job_end(j)
        lasts.append(ends[np.isfinite(ends)])
        lasts.append(j["submit_time"])
    lo = pd.concat([x.astype(float) for x in firsts]).dropna()
    hi = pd.concat([x.astype(float) for x in lasts]).dropna()
    if lo.empty and hi.empty:
        return 0.0, 0.0
    t0 = float(lo.min()) if len(lo) else float(hi.min())
    t1 = float(hi.max()) if len(hi) else t0
    return t0, max(t0, t1)


def job_window(jobs: pd.DataFrame, job_id: str) -> tuple[float, float]:
    """A job's life: its submission to its end (or to when it left unstarted)."""
    row = jobs[jobs["job_id"] == job_id]
    if row.empty:
        raise KeyError(f"no job {job_id!r} in this run")
    t0 = float(row["submit_time"].iloc[0])
    t1 = float(job_end(row).iloc[0])
    return t0, t1 if math.isfinite(t1) else t0


def with_margin(t0: float, t1: float, margin: float = MARGIN,
                min_pad: float = MIN_PAD) -> tuple[float, float]:
    """``[t0, t1]`` widened on each side by ``margin`` of its length (at least ``min_pad``
    seconds), not before 0: plain floats for ``st.session_state["timeline_window"]``."""
    pad = max(margin * (t1 - t0), min_pad)
    return float(max(0.0, t0 - pad)), float(t1 + pad)


def _first(frame: pd.DataFrame, col: str):
    if col not in frame or frame.empty:
        return None
    v = frame[col].iloc[0]
    return None if pd.isna(v) or v == "" else (v.item() if hasattr(v, "item") else v)


def session_facts(sessions: pd.DataFrame, session_metrics: pd.DataFrame, spans: pd.DataFrame,
                  session_id: str) -> dict:
    """One session's facts: tenant, backend, mode, opened, started, ended, end_reason,
    end_detail, jobs, completed, usage (charged), qpu_time (its jobs on the QPU), reserved_idle,
    inactive (seconds let go, from the spans), active_time, lifetime, interactive_timeout,
    max_time. Times in simulated seconds; None where the run does not know."""
    s = sessions[sessions["session_id"] == session_id]
    if s.empty:
        raise KeyError(f"no session {session_id!r} in this run")
    m = session_metrics[session_metrics["session_id"] == session_id] \
        if session_metrics is not None and len(session_metrics) else pd.DataFrame()
    mine = session_spans(spans, session_id)
    facts = {"session_id": session_id}
    for key, col in (("tenant", "tenant"), ("backend", "backend"), ("mode", "mode"),
                     ("opened", "opened_at"), ("started", "start_time"), ("ended", "end_time"),
                     ("end_reason", "end_reason"), ("end_detail", "end_detail"),
                     ("jobs", "jobs"), ("usage", "usage"), ("reserved_idle", "reserved_idle"),
                     ("active_time", "active_time"),
                     ("interactive_timeout", "interactive_timeout"), ("max_time", "max_time")):
        facts[key] = _first(s, col)
    for key in ("completed", "qpu_time", "lifetime", "reserved_idle"):
        got = _first(m, key)
        if got is not None or key not in facts:
            facts[key] = got
    facts["inactive"] = float(mine.loc[mine["kind"] == ev.INACTIVE, "duration"].sum())
    return facts


def span_totals(spans: pd.DataFrame, session_id: str) -> dict[str, float]:
    """Seconds the session spent in each kind of span, in the spans' order of kinds."""
    mine = session_spans(spans, session_id)
    totals = mine.groupby("kind", sort=False)["duration"].sum()
    return {k: float(totals[k]) for k in ev.SESSION_SPANS if k in totals}


def session_label(sessions: pd.DataFrame, session_metrics: Optional[pd.DataFrame]) -> dict:
    """session id -> a one-line label for a picker: tenant, backend, mode, reserved idle."""
    idle = {}
    if session_metrics is not None and len(session_metrics) and "reserved_idle" in \
            session_metrics:
        idle = dict(zip(session_metrics["session_id"], session_metrics["reserved_idle"]))
    out = {}
    for s in sessions.itertuples(index=False):
        r = idle.get(s.session_id, getattr(s, "reserved_idle", None))
        tail = f"; reserved idle {float(r):,.0f} s" if r is not None and pd.notna(r) else ""
        out[s.session_id] = f"{s.session_id} ({s.tenant}, {s.backend}, {s.mode}{tail})"
    return out


def csv_name(scenario_name: str, what: str = "jobs_filtered") -> str:
    """A download's file name: ``<scenario-name>_<what>.csv``, the name made file-safe."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in scenario_name).strip("-.")
    return f"{safe or 'run'}_{what}.csv"


def options(values: Iterable) -> list:
    """The distinct non-empty values of a column, in first-seen order."""
    return [v for v in dict.fromkeys(values) if v is not None and not pd.isna(v) and v != ""]
