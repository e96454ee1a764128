"""A job's story in plain words, told from a run's trace tables.

``job_story(jobs, events, job_id)`` answers "why did this run now?": when the job was submitted
and how, whom it waited behind on its backend, which rule started it and why, and how it ended.
It reads only the tables (the same ones written to CSV), so it works on saved runs too.
"""

from __future__ import annotations

import pandas as pd

from . import events as ev


def _t(x: float) -> str:
    return f"{x:,.1f} s"


def _names(ids: list[str], limit: int = 6) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def job_story(jobs: pd.DataFrame, events: pd.DataFrame, job_id: str) -> list[str]:
    """Sentences telling ``job_id``'s story; raises KeyError for an unknown job."""
    rows = jobs[jobs["job_id"] == job_id]
    if rows.empty:
        raise KeyError(f"no job {job_id!r} in this run")
    j = rows.iloc[0]
    mine = events[events["job_id"] == job_id]
    out = []
    how = (f"in session {j['session_id']}" if pd.notna(j["session_id"]) else "in job mode")
    submitted = mine[mine["event"] == ev.JOB_SUBMITTED]
    why_queued = submitted["detail"].iloc[0] if len(submitted) else ""
    out.append(f"{job_id} ({j['tenant']}) was submitted to {j['backend']} at "
               f"{_t(j['submit_time'])}" + (f"; {why_queued}." if why_queued else f" {how}."))
    if pd.notna(j["start_time"]):
        start = float(j["start_time"])
        wait = start - float(j["submit_time"])
        same = jobs[(jobs["backend"] == j["backend"]) & (jobs["job_id"] != job_id)]
        # Who held the QPU while it waited: jobs running at its submission or started before it.
        ahead = same[same["start_time"].notna()
                     & (same["start_time"] < start)
                     & (same["end_time"] > float(j["submit_time"]))]
        ahead = ahead.sort_values("start_time")
        if wait > 0:
            tenants = ahead.groupby("tenant", sort=False)["job_id"].count()
            who = ", ".join(f"{n} of {t}" for t, n in tenants.items())
            out.append(f"It waited {_t(wait)} while {len(ahead)} job(s) ran on {j['backend']} "
                       f"({who}): {_names(list(ahead['job_id']))}.")
            held = events[(events["backend"] == j["backend"])
                          & (events["event"] == ev.SESSION_WAITING)
                          & (events["time"] >= float(j["submit_time"])) & (events["time"] < start)]
            held = held[held["session_id"] != j["session_id"]]
            if len(held):
                sids = list(dict.fromkeys(held["session_id"]))
                out.append(f"Meanwhile session(s) {_names(sids)} held {j['backend']} idle "
                           f"through an interactive timeout (R6), so nothing else could start.")
            reserved = events[(events["backend"] == j["backend"])
                              & (events["event"] == ev.RESERVATION_STARTED)
                              & (events["time"] < start)
                              & (events["tenant"] != j["tenant"])]
            if len(reserved):
                out.append(f"A reservation of {', '.join(dict.fromkeys(reserved['tenant']))} "
                           f"kept other tenants' jobs from starting on {j['backend']} (R21).")
        started = mine[mine["event"] == ev.JOB_STARTED]
        why = f", because {started['detail'].iloc[0]}" if len(started) else ""
        out.append(f"It started {'at once, ' if wait <= 0 else ''}at {_t(start)}{why}.")
        out.extend(_stages(j, jobs, events))
    status = j["status"]
    qpu_start = j.get("qpu_start_time")
    on_qpu = (float(j["end_time"]) - float(qpu_start)) if qpu_start is not None and pd.notna(
        qpu_start) else (float(j["end_time"]) - float(j["start_time"])
                         if pd.notna(j["start_time"]) else 0.0)
    if status == "completed":
        out.append(f"It completed at {_t(j['end_time'])} after {_t(on_qpu)}"
                   f" on the QPU" + (" (its circuits were compiled earlier in this session, R15)"
                                     if j.get("compiled") == "hit" else "") + ".")
    else:
        last = mine[mine["event"].isin([ev.JOB_FAILED, ev.JOB_CANCELLED, ev.JOB_REJECTED])]
        detail = last["detail"].iloc[-1] if len(last) else (j["reason"] or "")
        when = j["finished_at"] if "finished_at" in j and pd.notna(j["finished_at"]) else None
        out.append(f"It ended {status}" + (f" at {_t(when)}" if when is not None else "")
                   + (f": {detail}." if detail else "."))
    return out


def _stages(j, jobs: pd.DataFrame, events: pd.DataFrame) -> list[str]:
    """R19: when its QPU stage did not begin as it started: its classical stage in its lane,
    then its wait for the QPU and whom it waited behind (jobs' QPU stages, system work)."""
    q = j.get("qpu_start_time")
    if q is None or pd.isna(q) or float(q) == float(j["start_time"]):
        return []
    start, q = float(j["start_time"]), float(q)
    ready = j.get("ready_time")
    ready = float(ready) if ready is not None and pd.notna(ready) else start
    out = ["From then it was \"In progress\" (RUNNING), holding an execution lane (R19)"
           + (f": its classical stage took {_t(ready - start)}" if ready > start else "") + "."]
    if q > ready:
        same = jobs[(jobs["backend"] == j["backend"]) & (jobs["job_id"] != j["job_id"])]
        ahead = same[same["qpu_start_time"].notna() & (same["qpu_start_time"] < q)
                     & (same["qpu_end_time"] > ready)].sort_values("qpu_start_time")
        behind = []
        if len(ahead):
            behind.append(f"{len(ahead)} job(s) on the QPU ({_names(list(ahead['job_id']))})")
        ended = events[(events["backend"] == j["backend"])
                       & (events["event"] == ev.SYSTEM_COMPLETED)
                       & (events["time"] > ready) & (events["time"] <= q)]
        if len(ended):
            names = [d.removeprefix("R20: ").removesuffix(" done") for d in ended["detail"]]
            behind.append(f"system work ({_names(names)}, R20)")
        out.append(f"It was ready at {_t(ready)} and waited {_t(q - ready)} for the QPU, which "
                   f"runs one job at a time" + (f", behind {' and '.join(behind)}" if behind
                                                 else "") + ": QPU contention, not usage.")
    return out
