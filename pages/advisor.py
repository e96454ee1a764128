"""Advisor: session, batch or plain jobs for an iterative workload on a busy backend, answered
by simulation over several seeds (engine/advisor.py; the runs in the server's run processes)."""

from functools import partial

import pandas as pd
import streamlit as st

from engine import ScenarioError
from engine.advisor import Workload, answer, scenarios
from engine.model import PRESETS
from ui import background, compare, state

state.page_setup()
st.title("Session, batch or plain jobs?")
st.caption("Describe your loop (a job, its result, some thinking, the next job) and how busy "
           "the backend is. Each mode runs on the same arrivals of others' work, over several "
           "seeds; the answer gives time to solution, what you are charged and what everyone "
           "else waits, with 95% intervals, and why.")
KEY = "advice"

with st.form("advise_form"):
    c1, c2, c3 = st.columns(3)
    iterations = c1.number_input("Iterations (jobs in the loop)", 1, 200, 20, step=1)
    think = c2.number_input("Think time between jobs (s)", 0.0, 3600.0, 30.0, step=5.0,
                            help="From a job's result to the next job's submission.")
    qpu = c3.number_input("QPU time per job (s)", 0.1, 3600.0, 10.0, step=1.0)
    c4, c5, c6 = st.columns(3)
    classical = c4.number_input("Classical time per job (s)", 0.0, 3600.0, 0.0, step=5.0,
                                help="Pre-processing in the job's lane before the QPU (R19).")
    load = c5.slider("Others keep the backend busy", 0.0, 0.95, 0.7, step=0.05,
                     format="%.2f", help="The share of the time others' jobs use the QPU.")
    others = c6.number_input("Others' mean job (s)", 1.0, 3600.0, 60.0, step=10.0)
    c7, c8, c9 = st.columns(3)
    preset = c7.selectbox("Service", list(PRESETS), index=list(PRESETS).index("ibm-2026"),
                          help="ibm-2026 (today) and ibm-2024: 60 s interactive timeout; "
                               "ibm-2022: 300 s.")
    plan = c8.selectbox("Plan", ["premium", "flex", "pay_as_you_go", "open"])
    seeds = c9.number_input("Seeds", 2, 20, 5, step=1,
                            help="Replications, each with its own arrivals of others' work.")
    asked = st.form_submit_button("Advise", type="primary")

if asked:
    w = Workload(iterations=int(iterations), think_time=float(think), qpu_time=float(qpu),
                 classical_time=float(classical), plan=plan, preset=preset, load=float(load),
                 others_job=float(others), seeds=int(seeds))
    try:
        background.start(KEY, scenarios(w), partial(answer, w))
    except ScenarioError as exc:
        st.error(str(exc))

background.follow(KEY)
advice = background.answer(KEY)
if isinstance(advice, str):
    st.error(f"No answer: {advice}")
elif advice is not None:
    st.subheader(advice.words[0])
    for line in advice.words[1:]:
        st.markdown(f"- {line}")
    table = pd.DataFrame(advice.table())
    names = {"dedicated": "session", "batch": "batch", "job": "plain jobs"}
    summary = pd.DataFrame([   # the Compare page's panels: one metric each, with intervals
        {"variant": names[m], "metric": col, "words": words, "unit": "s",
         "mean": r[col], "ci": r[f"{col}_ci95"], "n": advice.workload.seeds}
        for col, words in (("time_to_solution", "time to solution"),
                           ("charged", "charged to you"), ("others_wait", "others' mean wait"))
        for m, r in zip(table["mode"], table.to_dict("records")) if pd.notna(r[col])])
    st.plotly_chart(compare.metrics_figure(summary), key="advice_chart")
    shown = table.rename(columns={
        "mode": "Mode", "time_to_solution": "Time to solution (s)",
        "time_to_solution_ci95": "± 95% (s)", "charged": "Charged (s)",
        "charged_ci95": "± 95% (s) ", "others_wait": "Others' mean wait (s)",
        "others_wait_ci95": "± 95% (s)  ", "refused": "Not possible"})
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.1f") for c in shown.columns
        if c not in ("Mode", "Not possible")})
