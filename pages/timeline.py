"""Timeline: the Gantt chart of backends, sessions and queues, with filters and a job's story."""

import streamlit as st

from engine.story import job_story
from ui import figures, state

state.page_setup()
st.title("Timeline")
run = state.current_run()
if run is None:
    st.info("No run yet: press **Run scenario** in the sidebar.")
    st.stop()

jobs, sessions, events = run.jobs, run.sessions, run.events
tenants = [t.name for t in run.scenario.tenants]
backends = [b.name for b in run.scenario.backends]
st.caption(
    "Each backend runs one job at a time. A session takes its backend when its first job starts, "
    "holds it while its user thinks (amber: reserved idle, up to the interactive timeout), lets "
    "go when the timeout runs out (grey: inactive) and comes back through the fair-share queue. "
    "Hover a bar for its details; drag to zoom, double-click to reset; pick a job below for its "
    "story.")

with st.expander("Filters", expanded=False):
    c1, c2, c3 = st.columns(3)
    pick_b = c1.multiselect("Backends", backends, default=backends, key="tl_backends")
    pick_t = c2.multiselect("Tenants", tenants, default=tenants, key="tl_tenants")
    sids = list(sessions["session_id"]) if len(sessions) else []
    pick_s = c3.multiselect("Only these sessions' jobs", sids, default=[], key="tl_sessions",
                            help="Empty: every job. Pick sessions to show only their jobs.")
fj, fs, fe = figures.filter_run(jobs, sessions, events, backends=pick_b, tenants=pick_t,
                                session_ids=pick_s or None)
if fj.empty:
    st.warning("No job matches these filters.")
else:
    fig = figures.timeline(fj, fs, fe, tenants=tenants, backends=[b for b in backends
                                                                   if b in pick_b])
    webgl = len(fj) > figures.WEBGL_THRESHOLD
    if webgl:
        st.caption(f"{len(fj):,} jobs: drawn with WebGL segments.")
    chosen = st.plotly_chart(fig, width="stretch", on_select="rerun",
                             selection_mode="points", key="gantt")
    picked = None
    points = (chosen or {}).get("selection", {}).get("points", []) if chosen else []
    for p in points:
        cd = p.get("customdata")
        if cd and str(cd[0]) in set(fj["job_id"]):
            picked = str(cd[0])
            break

    st.subheader("A job's story")
    ids = list(fj.sort_values("submit_time")["job_id"])
    ss = st.session_state
    if picked is not None and ss.get("story_picked") != picked:
        ss["story_job"] = picked          # a click on a bar chooses the job
        ss["story_picked"] = picked
    if ss.get("story_job") not in ids:
        # Start on something worth reading: the job that waited longest.
        ss["story_job"] = fj.sort_values("wait", ascending=False)["job_id"].iloc[0]
    job_id = st.selectbox("Job (or click a bar)", ids, key="story_job")
    for line in job_story(jobs, events, job_id):
        st.markdown(f"- {line}")
