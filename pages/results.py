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


run = state.page_with_run("Results")
gen = state.run_generation()  # widgets start afresh for each run

clients, iterations, results = run.clients, run.iterations, run.results

st.subheader("Interactive clients")
if iterations.empty:
    if clients.empty:
        st.caption("This scenario has no interactive clients.")
    else:
        st.dataframe(clients, hide_index=True, width="stretch")
        st.caption("Its clients run on durations only (no circuits), so there are no values per "
                   "iteration. `vqe-session-vs-job` shows a real VQE.")
else:
    show = clients[["client_id", "mode", "backend", "completed_iterations", "best_value",
                    "final_value", "target", "time_to_solution", "started_at",
                    "finished_at"]].copy()
    st.dataframe(show, hide_index=True, width="stretch", column_config={
        "time_to_solution": st.column_config.NumberColumn(
            "time to solution (s)", format="%.1f",
            help="Simulated seconds from the client's start to its first value within the "
                 "tolerance of the target (or to its last value when none is)."),
        "best_value": st.column_config.NumberColumn(format="%.4f"),
        "final_value": st.column_config.NumberColumn(format="%.4f"),
        "started_at": st.column_config.NumberColumn(format="%.1f"),
        "finished_at": st.column_config.NumberColumn(format="%.1f")})
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
st.dataframe(t, hide_index=True, width="stretch")

st.subheader("Sessions")
sm = run.session_metrics
if sm.empty:
    st.caption("No sessions in this run.")
else:
    c1, c2 = st.columns([1, 1])
    c1.plotly_chart(figures.session_time_split(sm), width="stretch", key="split")
    c1.caption("Reserved idle: the backend held for the session while no job of it ran (R6).")
    c2.dataframe(sm, hide_index=True, width="stretch")

st.subheader("Backends")
st.dataframe(run.backends, hide_index=True, width="stretch")
