"""Metrics from a run's tables: waits, turnaround, utilisation, usage and share, time-to-solution.

Pure functions of DataFrames (the trace), so they apply equally to a fresh run, a stored one or an
imported trace. Usage follows R3: QPU time for job-mode and batch jobs, the hold time for
dedicated sessions (idle interactive waits included).
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

import numpy as np
import pandas as pd


def _stats(values: pd.Series) -> tuple[float, float, float]:
    v = values.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    return (float(v.mean()), float(np.percentile(v, 50)), float(np.percentile(v, 95)))


def interval(values: Iterable[float]) -> tuple[float, float, int]:
    """(mean, half-width of the 95% confidence interval, n) of the finite values (Student's t,
    n - 1 degrees of freedom); the half-width is NaN with fewer than two."""
    from scipy import stats

    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    n = len(v)
    if n == 0:
        return math.nan, math.nan, 0
    if n == 1:
        return float(v[0]), math.nan, 1
    half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return float(v.mean()), half, n


def tenant_usage(jobs: pd.DataFrame, sessions: pd.DataFrame) -> pd.Series:
    """Usage charged per tenant over the whole run (R3), in seconds."""
    per_job = jobs[jobs["mode"].isin(["job", "batch"])].groupby("tenant")["qpu_time"].sum()
    held = sessions[sessions["mode"] == "dedicated"].groupby("tenant")["usage"].sum()
    return per_job.add(held, fill_value=0.0)


# The jobs table's columns the metrics read: a run's metrics need no other.
JOBS_READ = ("tenant", "backend", "session_id", "mode", "status", "submit_time", "start_time",
             "end_time", "finished_at", "qpu_time", "wait", "turnaround")


def contended_usage(jobs: pd.DataFrame, tenants: list[str]) -> tuple[dict[str, float], float]:
    """QPU seconds each tenant ran while *every* tenant that submits work had a job waiting or
    running, and the length of that contended time.

    Fair share only binds when all tenants want the QPU; over a whole run every backlog drains and
    the shares drift to whatever was offered. Compared with the allocation, this is the fair share
    the scheduler actually achieved.
    """
    active = [t for t in tenants if (jobs["tenant"] == t).any()]
    if not active or jobs["finished_at"].isna().all():
        return {t: 0.0 for t in tenants}, 0.0
    submit = jobs["submit_time"].to_numpy(float)
    finished = jobs["finished_at"].fillna(jobs["submit_time"]).to_numpy(float)
    start = jobs["start_time"].to_numpy(float)
    end = jobs["end_time"].to_numpy(float)
    ran = ~np.isnan(start) & ~np.isnan(end)
    points = np.unique(np.concatenate([submit, finished, start[ran], end[ran]]))
    if points.size < 2:
        return {t: 0.0 for t in tenants}, 0.0
    dt = np.diff(points)

    def count(starts, ends):
        # Jobs open during each segment [points[i], points[i+1]).
        delta = (np.bincount(np.searchsorted(points, starts), minlength=points.size)
                 - np.bincount(np.searchsorted(points, ends), minlength=points.size))
        return np.cumsum(delta)[:-1]

    tenant = jobs["tenant"].to_numpy()
    contended = np.ones(dt.size, dtype=bool)
    running = {}
    for t in active:
        mine = tenant == t
        contended &= count(submit[mine], finished[mine]) > 0
        running[t] = count(start[mine & ran], end[mine & ran])
    return ({t: float((running[t] * dt)[contended].sum()) if t in running else 0.0
             for t in tenants}, float(dt[contended].sum()))


def tenants_table(jobs: pd.DataFrame, sessions: pd.DataFrame, shares: dict[str, float],
                  contended: Optional[tuple] = None, charged: Optional[dict] = None,
                  limit_held: Optional[dict] = None) -> pd.DataFrame:
    """Per tenant: jobs by status, waits, usage (R3), achieved and contended share.
    ``contended``: :func:`contended_usage`'s answer, when the caller has it already.
    ``charged``: seconds the engine charged each tenant by R3's rules (QPU time of job-mode and
    batch jobs, a dedicated session's hold, a reservation's window in place of what was incurred
    inside it, R21); ``limit_held``: seconds its usage limit held its queued jobs (R22)."""
    usage = tenant_usage(jobs, sessions)
    contended, _ = contended if contended is not None else contended_usage(jobs, list(shares))
    contended_total = sum(contended.values())
    total_usage = float(usage.sum())
    total_share = sum(shares.values())
    rows = []
    for tenant, share in shares.items():
        mine = jobs[jobs["tenant"] == tenant]
        status = mine["status"].value_counts()
        w_mean, w_p50, w_p95 = _stats(mine["wait"])
        used = float(usage.get(tenant, 0.0))
        allocation = share / total_share
        achieved = used / total_usage if total_usage > 0 else np.nan
        rows.append({
            "tenant": tenant, "share": share, "allocation": allocation,
            "jobs": len(mine),
            **{s: int(status.get(s, 0)) for s in ("completed", "failed", "cancelled", "rejected")},
            "wait_mean": w_mean, "wait_p50": w_p50, "wait_p95": w_p95,
            "turnaround_mean": _stats(mine.loc[mine["status"] == "completed", "turnaround"])[0],
            "usage": used, "achieved_share": achieved,
            "contended_qpu_time": contended[tenant],
            "contended_share": (contended[tenant] / contended_total if contended_total > 0
                                else np.nan),
        })
        if charged is not None:
            rows[-1]["charged"] = float(charged.get(tenant, 0.0))
            rows[-1]["limit_held"] = float((limit_held or {}).get(tenant, 0.0))
    return pd.DataFrame(rows)


def backends_table(jobs: pd.DataFrame, sessions: pd.DataFrame, backends: list[str],
                   system: Optional[pd.DataFrame] = None,
                   lanes: Optional[dict] = None) -> pd.DataFrame:
    """Per backend: jobs run, QPU busy time and utilisation, sessions' holds and reserved idle
    time, waits. With ``system`` (the system table) and ``lanes``: the share of the run in
    system work (R20) and in reservations (R21), and the mean number of lanes busy (R19)."""
    horizon = float(jobs["end_time"].max()) if jobs["end_time"].notna().any() else 0.0
    rows = []
    for b in backends:
        mine = jobs[jobs["backend"] == b]
        ses = sessions[sessions["backend"] == b]
        busy = float(mine["qpu_time"].sum())
        w_mean, w_p50, w_p95 = _stats(mine["wait"])
        rows.append({
            "backend": b, "jobs_run": int(mine["start_time"].notna().sum()),
            "busy_time": busy, "utilisation": busy / horizon if horizon > 0 else np.nan,
            "held_time": float(ses["active_time"].sum()),
            "reserved_idle": float(ses["reserved_idle"].sum()),
            "reserved_idle_fraction": (float(ses["reserved_idle"].sum()) / horizon
                                       if horizon > 0 else np.nan),
            "wait_mean": w_mean, "wait_p50": w_p50, "wait_p95": w_p95,
            "horizon": horizon,
        })
        if lanes is not None:
            sysb = system[system["backend"] == b] if system is not None else system
            span = (sysb["end"] - sysb["start"]) if sysb is not None else pd.Series(dtype=float)
            work = float(span[sysb["kind"] != "reservation"].sum()) if len(span) else 0.0
            held = float(span[sysb["kind"] == "reservation"].sum()) if len(span) else 0.0
            lanes_busy = float((mine["end_time"] - mine["start_time"]).sum())
            rows[-1].update({
                "lanes": int(lanes[b]),
                "system_share": work / horizon if horizon > 0 else np.nan,
                "reserved_share": held / horizon if horizon > 0 else np.nan,
                "mean_lanes_busy": lanes_busy / horizon if horizon > 0 else np.nan,
            })
    return pd.DataFrame(rows)


def session_metrics(jobs: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Per session: its jobs' waits and turnaround next to its hold, idle time and usage."""
    mine = jobs[jobs["session_id"].notna()]
    by = mine.groupby("session_id")
    done = mine[mine["status"] == "completed"]
    agg = pd.DataFrame({
        "jobs": by.size(),
        "completed": done.groupby("session_id").size(),
        "wait_mean": by["wait"].mean(),
        "wait_p50": by["wait"].median(),
        "wait_p95": by["wait"].quantile(0.95),
        "turnaround_mean": done.groupby("session_id")["turnaround"].mean(),
        "qpu_time": by["qpu_time"].sum(),
    })
    out = sessions[["session_id", "tenant", "backend", "mode"]].copy()
    for col in agg.columns:
        out[col] = sessions["session_id"].map(agg[col]).astype(float)
    out["jobs"] = out["jobs"].fillna(0).astype(int)
    out["completed"] = out["completed"].fillna(0).astype(int)
    out["qpu_time"] = out["qpu_time"].fillna(0.0)
    for col in ("active_time", "reserved_idle", "usage", "end_reason"):
        out[col] = sessions[col].to_numpy()
    out["lifetime"] = (sessions["end_time"] - sessions["start_time"]).to_numpy()
    return out.reset_index(drop=True)


def summary(jobs: pd.DataFrame, sessions: pd.DataFrame, clients: pd.DataFrame,
            contended_time: Optional[float] = None) -> dict:
    """A few headline numbers for the terminal and for ``summary.json``. ``contended_time``:
    the second value of :func:`contended_usage`, when the caller has it already."""
    if contended_time is None:
        contended_time = contended_usage(jobs, sorted(set(jobs["tenant"])))[1]
    status = jobs["status"].value_counts()
    w_mean, w_p50, w_p95 = _stats(jobs["wait"])
    ends = sessions["end_reason"].replace("", "open").value_counts()
    return {
        "jobs": int(len(jobs)),
        "status": {s: int(status.get(s, 0)) for s in ("completed", "failed", "cancelled",
                                                        "rejected")},
        "wait_mean": w_mean, "wait_p50": w_p50, "wait_p95": w_p95,
        "sessions": int(len(sessions)),
        "session_ends": {k: int(v) for k, v in ends.items()},
        "last_job_end": float(jobs["end_time"].max()) if jobs["end_time"].notna().any() else 0.0,
        "contended_time": contended_time,
        "clients": int(len(clients)),
        "clients_done": int((clients["status"] == "done").sum()) if len(clients) else 0,
        "time_to_solution_mean": (float(clients["time_to_solution"].mean())
                                  if clients["time_to_solution"].notna().any() else None),
    }
