"""A run at one instant: what each backend's QPU and lanes hold, who waits in its queue, and the
state of every open session (the dashboard's time cursor; usable on any run read back).

Everything is read from a run's tables, with the convention of the Gantt chart's step rows: an
interval ``[from, to)`` holds at ``t`` when ``from <= t < to``, so at an instant where one job
ends and the next starts, the next one is shown. A job is queued from its submission until it
starts (or leaves unstarted); it holds a lane from its start to its end (R19), in its classical
stage until it is ready, then waits for the QPU (QPU contention) until its QPU stage starts.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

BACKEND_COLUMNS = ["backend", "qpu", "qpu_tenant", "qpu_until", "lanes_in_use", "lanes",
                   "classical", "ready_waiting", "queued", "queued_by_tenant", "reserved_for"]
SESSION_COLUMNS = ["session_id", "tenant", "backend", "mode", "state", "since", "until",
                   "ended_at", "end_reason"]


def _open(frm: pd.Series, to: pd.Series, t: float) -> pd.Series:
    return (frm <= t) & (to > t)


def queue_leave(jobs: pd.DataFrame) -> pd.Series:
    """When each job left the queue: its start, or the moment it left unstarted (cancelled,
    failed, rejected); a job with neither never queued (its submission)."""
    other = jobs["finished_at"] if "finished_at" in jobs else jobs["end_time"]
    return jobs["start_time"].where(jobs["start_time"].notna(), other).fillna(jobs["submit_time"])


def backends_at(jobs: pd.DataFrame, t: float, *, backends: Optional[list[str]] = None,
                lanes: Optional[dict] = None,
                system: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """One row per backend at ``t``: the job on its QPU (or the system work there) with its
    tenant and when it leaves the QPU; lanes in use of how many; jobs in their classical stage;
    jobs ready and waiting for the QPU; jobs queued, in all and by tenant; and the tenant
    holding a reservation (R21), if any."""
    backends = backends if backends is not None else list(dict.fromkeys(jobs["backend"]))
    lanes = lanes or {}
    started = jobs["start_time"].notna()
    end = jobs["end_time"].fillna(jobs["start_time"])
    in_lane = started & _open(jobs["start_time"], end, t)
    ready = jobs["ready_time"] if "ready_time" in jobs else jobs["start_time"]
    qpu_from = jobs["qpu_start_time"] if "qpu_start_time" in jobs else jobs["start_time"]
    qpu_to = jobs["qpu_end_time"] if "qpu_end_time" in jobs else jobs["end_time"]
    on_qpu = in_lane & _open(qpu_from, qpu_to.fillna(end), t)
    classical = in_lane & ~(ready <= t)            # no ready time yet: still classical
    waiting_qpu = in_lane & (ready <= t) & ~on_qpu
    queued = _open(jobs["submit_time"], queue_leave(jobs), t)
    rows = []
    for b in backends:
        here = jobs["backend"] == b
        qpu, qpu_tenant, qpu_until = "idle", "", np.nan
        running = jobs[here & on_qpu]
        if len(running):
            j = running.iloc[0]
            qpu, qpu_tenant = str(j["job_id"]), str(j["tenant"])
            qpu_until = float(qpu_to[running.index[0]])
        reserved_for = ""
        if system is not None and len(system):
            s = system[(system["backend"] == b) & _open(system["start"], system["end"], t)]
            work = s[s["kind"] != "reservation"]
            if len(work) and not len(running):
                qpu, qpu_until = str(work.iloc[0]["kind"]), float(work.iloc[0]["end"])
            res = s[s["kind"] == "reservation"]
            if len(res):
                reserved_for = str(res.iloc[0]["tenant"])
        q = jobs[here & queued]
        by_tenant = q["tenant"].value_counts(sort=False)
        rows.append({
            "backend": b, "qpu": qpu, "qpu_tenant": qpu_tenant, "qpu_until": qpu_until,
            "lanes_in_use": int((here & in_lane).sum()), "lanes": int(lanes.get(b, 1)),
            "classical": int((here & classical).sum()),
            "ready_waiting": int((here & waiting_qpu).sum()),
            "queued": len(q),
            "queued_by_tenant": ", ".join(
                f"{k} {v}" for k, v in sorted(by_tenant.items(), key=lambda kv: (-kv[1], kv[0]))),
            "reserved_for": reserved_for,
        })
    return pd.DataFrame(rows, columns=BACKEND_COLUMNS)


def sessions_at(sessions: pd.DataFrame, spans: pd.DataFrame, t: float) -> pd.DataFrame:
    """Every session or batch open at ``t`` (opened, and not yet ended or, past its end, still
    holding its backend for its running jobs) with its state: a span's kind (running,
    reserved idle, inactive) or, before its first job started, ``pending``; ``since`` and
    ``until`` bound that state."""
    if sessions is None or not len(sessions):
        return pd.DataFrame(columns=SESSION_COLUMNS)
    opened = sessions["opened_at"].fillna(sessions["start_time"])
    # An expired or cancelled session keeps its backend until its running jobs finish (R9,
    # R11, R19): its spans go on past its end_time, and so does it here.
    ends = sessions["end_time"].fillna(np.inf)
    if len(spans):
        last = sessions["session_id"].map(spans.groupby("session_id")["end"].max())
        ends = np.fmax(ends, last.fillna(-np.inf))
    live = sessions.assign(opened=opened, life_end=ends)[_open(opened, ends, t)]
    cur = spans[_open(spans["start"], spans["end"], t)] if len(spans) else spans
    by_id = {r.session_id: r for r in cur.itertuples(index=False)}
    rows = []
    for s in live.itertuples(index=False):
        span = by_id.get(s.session_id)
        if span is not None:
            state, since, until = span.kind, float(span.start), float(span.end)
        else:   # no span yet (its first job waits) or between two
            mine = spans[spans["session_id"] == s.session_id] if len(spans) else spans
            before = mine["end"][mine["end"] <= t] if len(mine) else mine
            after = mine["start"][mine["start"] > t] if len(mine) else mine
            state = "pending"
            since = float(before.max()) if len(before) else float(s.opened)
            until = float(after.min()) if len(after) else float(s.life_end)
        ended = float(s.end_time) if pd.notna(s.end_time) and s.end_time <= t else np.nan
        rows.append({"session_id": s.session_id, "tenant": s.tenant, "backend": s.backend,
                     "mode": s.mode, "state": state, "since": since, "until": until,
                     "ended_at": ended,
                     "end_reason": str(s.end_reason or "") if pd.notna(ended) else ""})
    return pd.DataFrame(rows, columns=SESSION_COLUMNS)


def event_times(jobs: pd.DataFrame, spans: Optional[pd.DataFrame] = None,
                system: Optional[pd.DataFrame] = None) -> np.ndarray:
    """Every instant at which something above changes (sorted, unique): the steps a time cursor
    moves through."""
    parts = [jobs[c].to_numpy(float) for c in ("submit_time", "start_time", "ready_time",
                                               "qpu_start_time", "qpu_end_time", "end_time",
                                               "finished_at") if c in jobs]
    for table, cols in ((spans, ("start", "end")), (system, ("start", "end"))):
        if table is not None and len(table):
            parts += [table[c].to_numpy(float) for c in cols]
    times = np.concatenate(parts) if parts else np.array([], float)
    return np.unique(times[np.isfinite(times)])


def step(times: np.ndarray, now: float, direction: int, lo: float, hi: float) -> Optional[float]:
    """The next change after ``now`` (``direction`` +1) or the last before it (-1) among the
    sorted ``times`` (:func:`event_times`), if it lies in ``[lo, hi]``; else None."""
    i = int(np.searchsorted(times, now, side="right" if direction > 0 else "left"))
    i += min(direction, 0)
    if 0 <= i < len(times) and lo <= times[i] <= hi:
        return float(times[i])
    return None


def _s(x: float) -> str:
    return f"{x:,.1f} s"


def in_words(backends: pd.DataFrame, sessions: pd.DataFrame) -> list[str]:
    """One sentence per backend: its QPU, lanes, queue, reservation and the sessions on it."""
    out = []
    for b in backends.itertuples(index=False):
        if b.qpu == "idle":
            qpu = "QPU idle"
        elif b.qpu_tenant:
            qpu = f"QPU runs {b.qpu} ({b.qpu_tenant}) until {_s(b.qpu_until)}"
        else:
            qpu = f"QPU in {b.qpu} (system work, R20) until {_s(b.qpu_until)}"
        parts = [qpu]
        if b.lanes > 1 or b.classical or b.ready_waiting:
            lane = f"{b.lanes_in_use} of {b.lanes} lane(s) in use"
            stages = [f"{b.classical} in the classical stage"] if b.classical else []
            if b.ready_waiting:
                stages.append(f"{b.ready_waiting} ready, waiting for the QPU")
            parts.append(lane + (f" ({', '.join(stages)})" if stages else ""))
        parts.append(f"{b.queued} queued ({b.queued_by_tenant})" if b.queued else "queue empty")
        if b.reserved_for:
            parts.append(f"reserved for {b.reserved_for} (R21)")
        here = sessions[sessions["backend"] == b.backend] if len(sessions) else sessions
        for s in here.itertuples(index=False):
            kind = "batch" if s.mode == "batch" else "session"
            if pd.notna(s.ended_at):         # past its end, its last jobs still running
                parts.append(f"{kind} {s.session_id} ({s.tenant}) {s.end_reason or 'ended'} at "
                             f"{_s(s.ended_at)}, keeps the backend until its running jobs "
                             f"finish at {_s(s.until)}")
            else:
                parts.append(f"{kind} {s.session_id} ({s.tenant}) {s.state} since "
                             f"{_s(s.since)} until {_s(s.until)}")
        out.append(f"**{b.backend}**: " + "; ".join(parts) + ".")
    return out
