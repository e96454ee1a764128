"""Events: the ordered event log with its plain-words detail, filterable and exportable."""

import streamlit as st

from ui import runs, state

run = state.page_with_run("Events")
gen = state.run_generation()  # widgets start afresh for each run

ev = run.events
st.caption("Every scheduling event in order, with the rule that made it and why. Events at the "
           "same instant are listed in the order the engine applied them (R18).")
c1, c2, c3, c4 = st.columns(4)
kinds = sorted(ev["event"].unique())
pick_k = c1.multiselect("Event", kinds, default=[], key=f"ev_kinds_{gen}", placeholder="all")
backs = sorted(ev["backend"].dropna().unique())
pick_b = c2.multiselect("Backend", backs, default=[], key=f"ev_backends_{gen}", placeholder="all")
tens = sorted(ev["tenant"].dropna().unique())
pick_t = c3.multiselect("Tenant", tens, default=[], key=f"ev_tenants_{gen}", placeholder="all")
sids = sorted(ev["session_id"].dropna().unique())
pick_s = c4.multiselect("Session", sids, default=[], key=f"ev_sessions_{gen}", placeholder="all")
text = st.text_input("Search job id or detail", key=f"ev_text_{gen}",
                     placeholder="e.g. R6, vqe.3, deactivated")
lo, hi = float(ev["time"].min()), float(ev["time"].max())
span = st.slider("Time window (s)", min_value=lo, max_value=max(hi, lo + 1.0),
                 value=(lo, max(hi, lo + 1.0)), key=f"ev_time_{gen}")
view = ev
if pick_k:
    view = view[view["event"].isin(pick_k)]
if pick_b:
    view = view[view["backend"].isin(pick_b)]
if pick_t:
    view = view[view["tenant"].isin(pick_t)]
if pick_s:
    view = view[view["session_id"].isin(pick_s)]
if text:
    view = view[view["detail"].str.contains(text, case=False, regex=False, na=False)
                | view["job_id"].astype(str).str.contains(text, case=False, regex=False)]
view = view[(view["time"] >= span[0]) & (view["time"] <= span[1])]
st.markdown(f"**{len(view):,}** of {len(ev):,} events")
order = ["time", "event", "backend", "tenant", "session_id", "job_id", "detail", "seq"]
view = view[[c for c in order if c in view] + [c for c in view if c not in order]]
st.dataframe(view, hide_index=True, width="stretch", height=520, column_config={
    "time": st.column_config.NumberColumn("time (s)", format="%.3f",
                                          help="Simulated seconds from the start of the run."),
    "event": st.column_config.TextColumn("event", help="What happened: a job submitted, "
                                         "started, finished ...; a session opened, deactivated, "
                                         "ended ..."),
    "backend": st.column_config.TextColumn("backend"),
    "tenant": st.column_config.TextColumn("tenant"),
    "session_id": st.column_config.TextColumn("session", help="Empty for a job in job mode."),
    "job_id": st.column_config.TextColumn("job"),
    "detail": st.column_config.TextColumn("why", width="large",
                                          help="In plain words, with the rule that decided it."),
    "seq": st.column_config.NumberColumn("order", help="The order the engine applied events "
                                         "in; at one instant it follows R18.")})

st.subheader("Export")
c1, c2, c3, c4 = st.columns(4)
name = run.scenario.name
c1.download_button("Events shown (CSV)", view.to_csv(index=False), file_name=f"{name}-events.csv",
                   mime="text/csv", icon=":material/download:")
c2.download_button("All tables (CSV, zip)", runs.tables_zip(run, "csv"),
                   file_name=f"{name}-tables-csv.zip", mime="application/zip",
                   icon=":material/download:")
c3.download_button("All tables (Parquet, zip)", runs.tables_zip(run, "parquet"),
                   file_name=f"{name}-tables-parquet.zip", mime="application/zip",
                   icon=":material/download:")
c4.download_button("Scenario (YAML)", runs.to_yaml(run.scenario), file_name=f"{name}.yaml",
                   mime="application/x-yaml", icon=":material/download:")
