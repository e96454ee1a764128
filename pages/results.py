"""Results: each job's Aer result, each interactive client's progress, metrics per tenant,
session and backend."""

import json

import numpy as np
import pandas as pd
import streamlit as st

from ui import figures, state


def _array(cell) -> np.ndarray:
    """A results-table cell as an array: JSON text (a number, a list, nested lists, as the run
    wrote it), or a number when a CSV reader already parsed it."""
    return np.asarray(json.loads(cell) if isinstance(cell, str) else cell, dtype=float)


def expectation_values(evs, stds) -> tuple[tuple, pd.DataFrame]:
    """A PUB's result shape (observables broadcast with parameter values) and its expectation
    values and standard errors, one row per value, whatever that shape; ``index`` is the value's
    place in the PUB's result array."""
    e = _array(evs)
    s = _array(stds)
    if s.shape != e.shape:  # not written by the engine: leave them out rather than guess
        s = np.full(e.shape, np.nan)
    return e.shape, pd.DataFrame({"index": [str(list(i)) for i in np.ndindex(e.shape)],
                                  "expectation value": e.ravel(), "standard error": s.ravel()})


def _seconds(label: str, help: str):
    return st.column_config.NumberColumn(label, format="%.1f", help=help)


def _percent(label: str, help: str):
    """A fraction (0-1) in the table, shown as a percentage."""
    return st.column_config.NumberColumn(label, format="percent", help=help)


def _shown(columns: dict, table: pd.DataFrame) -> dict:
    """The column settings for the columns ``table`` has (a run recorded before R19-R22 lacks
    some). Labels only: the tables keep the column names of their CSV files."""
    return {k: v for k, v in columns.items() if k in table}


def _waits(jobs: str) -> dict:
    """Wait and turnaround columns, over ``jobs`` (its jobs, the tenant's jobs ...)."""
    return {
        "wait_mean": _seconds("mean wait (s)", f"From submission to start (taking a lane), "
                              f"over {jobs} that started."),
        "wait_p50": _seconds("median wait (s)", f"Half of {jobs} that started waited less."),
        "wait_p95": _seconds("p95 wait (s)", f"95th percentile: one in twenty of {jobs} that "
                             f"started waited longer."),
        "turnaround_mean": _seconds("mean turnaround (s)", f"From submission to end, over "
                                    f"{jobs} that completed."),
    }


CLIENT_COLUMNS = {
    "client_id": st.column_config.TextColumn("client"),
    "session_id": st.column_config.TextColumn("session"),
    "iterations": st.column_config.NumberColumn("steps", help="Steps (a job each) it may run; "
                                                 "its optimizer may stop sooner."),
    "completed_iterations": st.column_config.NumberColumn("steps done"),
    "started_at": _seconds("started at (s)", "Simulated time of its first submission."),
    "finished_at": _seconds("finished at (s)", "Simulated time its last result came back."),
    "time_to_solution": _seconds(
        "time to solution (s)", "Simulated seconds from the client's start to its first value "
        "within the tolerance of the target (or to its last value when none is)."),
    "best_value": st.column_config.NumberColumn("best value", format="%.4f"),
    "final_value": st.column_config.NumberColumn("final value", format="%.4f"),
}

TENANT_COLUMNS = {
    "tenant": st.column_config.TextColumn("tenant"),
    "share": st.column_config.NumberColumn(
        "share (weight)", format="%g", help="The tenant's fair-share weight in the scenario "
        "(R3); not a percentage."),
    "allocation": _percent("allocation (%)", "Its share / all tenants' shares: the part of the "
                           "QPU fair share aims to give it."),
    "jobs": st.column_config.NumberColumn("jobs", help="Jobs it submitted."),
    "completed": st.column_config.NumberColumn("completed"),
    "failed": st.column_config.NumberColumn("failed"),
    "cancelled": st.column_config.NumberColumn("cancelled"),
    "rejected": st.column_config.NumberColumn("rejected"),
    **_waits("its jobs"),
    "usage": _seconds("usage (s)", "Usage by R3: QPU time of its job-mode and batch jobs plus "
                      "the whole hold of its dedicated sessions (reserved idle included)."),
    "achieved_share": _percent("achieved share (%)", "Its usage / all tenants' usage, over "
                               "the whole run."),
    "contended_qpu_time": _seconds("contended QPU time (s)", "QPU seconds its jobs ran while "
                                   "every tenant had work waiting or running."),
    "contended_share": _percent("contended share (%)", "Its part of the QPU time while "
                                "contended: the fair share the scheduler achieved, to set "
                                "against the allocation. Empty when no time was contended."),
    "charged": _seconds("charged (s)", "Seconds charged by R3's rules; within a reservation "
                        "(R21), its window in place of what was used inside it."),
    "limit_held": _seconds("held by usage limit (s)", "Seconds its usage limit held its queued "
                           "jobs (R22)."),
}

SESSION_COLUMNS = {
    "session_id": st.column_config.TextColumn("session"),
    "tenant": st.column_config.TextColumn("tenant"),
    "backend": st.column_config.TextColumn("backend"),
    "mode": st.column_config.TextColumn(
        "mode", help="dedicated: a session, holding its backend between jobs; batch: its jobs "
        "jump the queue, nothing held (R14)."),
    "jobs": st.column_config.NumberColumn("jobs", help="Jobs submitted in it."),
    "completed": st.column_config.NumberColumn("completed"),
    **_waits("its jobs"),
    "qpu_time": _seconds("QPU time (s)", "Seconds its jobs ran on the QPU (their QPU stages)."),
    "active_time": _seconds("held (s)", "Seconds it held its backend, running or reserved "
                            "idle; 0 for a batch, which holds nothing."),
    "reserved_idle": _seconds("reserved idle (s)", "Seconds it held its backend with none of "
                              "its jobs running (R6)."),
    "usage": _seconds("usage (s)", "Seconds charged to it (R3): its hold when dedicated, its "
                      "jobs' QPU time when a batch."),
    "end_reason": st.column_config.TextColumn(
        "ended", help="closed (R10), expired at its maximum time (R9) or cancelled (R11); "
        "empty while it is still open."),
    "lifetime": _seconds("lifetime (s)", "From its start (its first job starts, R4) to its "
                         "end."),
}

BACKEND_COLUMNS = {
    "backend": st.column_config.TextColumn("backend"),
    "jobs_run": st.column_config.NumberColumn("jobs run", help="Jobs that started on it."),
    "busy_time": _seconds("QPU busy (s)", "Seconds its QPU ran jobs' QPU stages."),
    "utilisation": _percent("utilisation (%)", "QPU busy time / the horizon."),
    "held_time": _seconds("held by sessions (s)", "Seconds dedicated sessions held it, running "
                          "or reserved idle."),
    "reserved_idle": _seconds("reserved idle (s)", "Seconds a session held it with none of its "
                              "jobs running (R6)."),
    "reserved_idle_fraction": _percent("reserved idle (%)", "Reserved idle time / the horizon."),
    **_waits("the jobs on it"),
    "horizon": _seconds("horizon (s)", "When the run's last job ended: what utilisation and "
                        "the other percentages divide by."),
    "lanes": st.column_config.NumberColumn("lanes", help="Execution lanes: how many jobs can "
                                           "be in progress on it at once (R19)."),
    "system_share": _percent("system work (%)", "Calibration and maintenance / the horizon "
                             "(R20)."),
    "reserved_share": _percent("reservations (%)", "Reservation windows / the horizon (R21)."),
    "mean_lanes_busy": st.column_config.NumberColumn(
        "mean lanes busy", format="%.2f", help="Lane-seconds its jobs held (start to end) / "
        "the horizon (R19)."),
}


run = state.page_with_run("Results")
gen = state.run_generation()  # widgets start afresh for each run

clients, iterations, results = run.clients, run.iterations, run.results

st.subheader("Interactive clients")
if iterations.empty:
    if clients.empty:
        st.caption("This scenario has no interactive clients.")
    else:
        st.dataframe(clients, hide_index=True, width="stretch",
                     column_config=_shown(CLIENT_COLUMNS, clients))
        st.caption("Its clients run on durations only (no circuits), so there are no values per "
                   "iteration. `vqe-session-vs-job` shows a real VQE.")
else:
    show = clients[["client_id", "mode", "backend", "completed_iterations", "best_value",
                    "final_value", "target", "time_to_solution", "started_at",
                    "finished_at"]].copy()
    st.dataframe(show, hide_index=True, width="stretch",
                 column_config=_shown(CLIENT_COLUMNS, show))
    against = st.radio("Value against", ["iteration", "simulated time"], horizontal=True,
                       key="iter_against")
    st.plotly_chart(figures.iteration_values(
        iterations, clients, against="iteration" if against == "iteration" else "time"),
        width="stretch", key="iter_chart")
    st.caption("Against simulated time, the same optimizer steps spread out by how long each "
               "job waited: that gap is what a session buys.")

st.subheader("A job's Aer result")
if results.empty:
    st.caption("No job in this run executed circuits (jobs without a `circuit` carry only a "
               "duration; the policy's execution setting may also skip them).")
else:
    ids = list(dict.fromkeys(results["job_id"]))
    c1, c2 = st.columns([2, 3])
    job_id = c1.selectbox(f"Job ({len(ids):,} with results)", ids, key=f"result_job_{gen}")
    rows = results[results["job_id"] == job_id]
    job = run.jobs.set_index("job_id").loc[job_id]
    c1.markdown(f"**{job_id}**: {job['tenant']} on {job['backend']}, "
                f"{rows['primitive'].iloc[0]}, seed {rows['seed'].iloc[0]}  \n"
                f"ran {job['start_time']:.1f}–{job['end_time']:.1f} s"
                + (f", circuit `{job['circuit']}`" if isinstance(job.get("circuit"), str) else ""))
    for r in rows.itertuples(index=False):
        if r.primitive == "sampler" and isinstance(r.counts, str):
            counts = json.loads(r.counts)
            c2.plotly_chart(figures.counts_histogram(counts, f"PUB {r.pub}: counts"),
                            width="stretch", key=f"hist_{r.pub}")
        else:
            shape, ev = expectation_values(r.evs, r.stds)
            if shape == ():
                c2.markdown(f"PUB {r.pub}: expectation value **{ev.iloc[0, 1]:.4f}** "
                            f"(standard error {ev.iloc[0, 2]:.4f})")
                continue
            c2.markdown(f"PUB {r.pub}: {len(ev)} expectation values (result shape {shape})")
            c2.dataframe(ev, hide_index=True, width="stretch", column_config={
                "expectation value": st.column_config.NumberColumn(format="%.4f"),
                "standard error": st.column_config.NumberColumn(format="%.4f")})

st.subheader("Tenants")
t = run.tenants
c1, c2 = st.columns(2)
c1.plotly_chart(figures.tenant_shares(t), width="stretch", key="shares")
c1.caption("Achieved share against allocation (share / total shares). *While contended* counts "
           "only time when every tenant had work waiting or running.")
c2.plotly_chart(figures.tenant_waits(t), width="stretch", key="waits")
st.dataframe(t, hide_index=True, width="stretch", column_config=_shown(TENANT_COLUMNS, t))

st.subheader("Sessions")
sm = run.session_metrics
if sm.empty:
    st.caption("No sessions in this run.")
else:
    c1, c2 = st.columns([1, 1])
    c1.plotly_chart(figures.session_time_split(sm), width="stretch", key="split")
    c1.caption("Reserved idle: the backend held for the session while no job of it ran (R6).")
    c2.dataframe(sm, hide_index=True, width="stretch", column_config=_shown(SESSION_COLUMNS, sm))

st.subheader("Backends")
st.dataframe(run.backends, hide_index=True, width="stretch",
             column_config=_shown(BACKEND_COLUMNS, run.backends))
