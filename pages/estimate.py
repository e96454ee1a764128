"""Wait estimate: when would a job, or a whole session, submitted at a moment into the current
scenario's load start and finish? P50/P90 over seeded replications (engine/estimate.py; the
runs in the server's run processes)."""

from functools import partial

import pandas as pd
import streamlit as st

from engine import ScenarioError
from engine.estimate import MODES, Probe, from_runs, replications_of
from ui import background, state, waits

state.page_setup()
st.title("When will my job run?")
sc = state.scenario()
st.caption(f"Submit a job, or a loop of jobs, into the load of **{sc.name}** (the current "
           f"scenario) at a moment of its day. Each replication runs the scenario with its own "
           f"seed (the others' arrivals and durations drawn anew) with your work added; the "
           f"answer gives when it starts and when its results come, as the median (P50) and "
           f"the 9-in-10 time (P90).")
KEY = "estimate"
MODE_NAMES = {"job": "plain jobs", "dedicated": "a session", "batch": "a batch"}
NEW = "you (a new tenant)"   # offered only when the scenario has no tenant "you"

with st.form("estimate_form"):
    c1, c2, c3 = st.columns(3)
    backend = c1.selectbox("Backend", [b.name for b in sc.backends])
    at = c2.number_input("Submitted at (s)", 0.0, 1e9, 600.0, step=60.0,
                         help="Seconds from the scenario's start.")
    duration = c3.number_input("QPU time per job (s)", 0.1, 86_400.0, 10.0, step=1.0)
    c4, c5, c6 = st.columns(3)
    iterations = c4.number_input("Jobs", 1, 1000, 1, step=1,
                                 help="More than one: each is submitted after the last one's "
                                      "result and the think time.")
    think = c5.number_input("Think time between jobs (s)", 0.0, 86_400.0, 0.0, step=5.0)
    mode = c6.selectbox("Run as", MODES, format_func=MODE_NAMES.get)
    c7, c8, c9 = st.columns(3)
    names = [t.name for t in sc.tenants]
    tenant = c7.selectbox("Tenant", ([] if "you" in names else [NEW]) + names,
                          help="An existing tenant shares its usage for fair share (R3); a new "
                               "one starts with none.")
    classical = c8.number_input("Classical time per job (s)", 0.0, 86_400.0, 0.0, step=1.0,
                                help="In the job's lane before the QPU (R19).")
    replications = c9.number_input("Replications", 2, 50, 10, step=1,
                                   help=f"Seeds {sc.seed}, {sc.seed + 1}, ...")
    asked = st.form_submit_button("Estimate", type="primary")

if asked:
    probe = Probe(backend, at=float(at), duration=float(duration),
                  classical_time=float(classical), iterations=int(iterations),
                  think_time=float(think), mode=mode,
                  tenant="you" if tenant == NEW else tenant)
    try:
        background.start(KEY, replications_of(sc, probe, int(replications)),
                         partial(from_runs, sc, probe))
    except ScenarioError as exc:
        st.error(str(exc))

background.follow(KEY)
est = background.answer(KEY)
if isinstance(est, str):
    st.error(f"No estimate: {est}")
elif est is not None:
    words = est.words()
    st.subheader(words[0])
    st.caption(f"Scenario {est.scenario}; the work of tenant {est.probe.tenant} on "
               f"{est.probe.backend}.")
    for line in words[1:]:
        st.markdown(f"- {line}")
    if est.start is not None:
        st.plotly_chart(waits.wait_figure(est), key="estimate_chart")
    names = {"start": "First job starts at", "completion": "Last result at",
             "wait": "Wait (start - submitted)", "time_to_result": "Time to result"}
    table = pd.DataFrame(est.table())
    table["measure"] = table["measure"].map(names)
    shown = table.rename(columns={"measure": "Measure (s)", "p50": "P50", "p90": "P90",
                                  "mean": "Mean", "low": "Least", "high": "Most",
                                  "n": "Replications"})
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.1f") for c in ("P50", "P90", "Mean",
                                                                  "Least", "Most")})
    with st.expander("Each replication"):
        st.dataframe(pd.DataFrame([{"seed": r.seed, "start (s)": r.start, "result (s)": r.end,
                                    "did not finish": r.why} for r in est.replications]),
                     hide_index=True, width="stretch")
