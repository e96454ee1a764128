"""Timeline: the Gantt chart of backends, sessions and queues, with filters and a job's story."""

import streamlit as st

from engine.story import job_story
from ui import figures, runs, state

run = state.page_with_run("Timeline")

jobs, sessions, events = run.jobs, run.sessions, run.events
tenants = [t.name for t in run.scenario.tenants]
backends = [b.name for b in run.scenario.backends]
st.caption(
    "Each backend's QPU runs one job at a time. A session takes its backend when its first job "
    "starts, "
    "holds it while its user thinks (amber: reserved idle, up to the interactive timeout), lets "
    "go when the timeout runs out (grey: inactive) and comes back through the fair-share queue. "
    "Hover a bar for its details; drag to zoom, double-click to reset; pick a job below for its "
    "story.")
if figures.staged(jobs) or runs.system_of(run) is not None:
    st.caption(
        "Today's service (R19-R22): a backend has execution lanes; a job takes a lane when it "
        "starts, runs its classical stage there (lighter, thinner bar), may then wait, ready, "
        "for the QPU (thin line: QPU contention) and runs its QPU stage (solid bar). Each lane is "
        "a track in the backend's row; the row beneath counts the lanes in use. Grey bars are "
        "system work on the QPU (calibration, maintenance, R20); an outlined band is a "
        "reservation (R21), named with its tenant.")

gen = state.run_generation()  # filters start afresh for each run
with st.expander("Filters", expanded=False):
    c1, c2, c3 = st.columns(3)
    pick_b = c1.multiselect("Backends", backends, default=backends, key=f"tl_backends_{gen}")
    pick_t = c2.multiselect("Tenants", tenants, default=tenants, key=f"tl_tenants_{gen}")
    sids = list(sessions["session_id"]) if len(sessions) else []
    pick_s = c3.multiselect("Only these sessions' jobs", sids, default=[], key=f"tl_sessions_{gen}",
                            help="Empty: every job. Pick sessions to show only their jobs.")
fj, fs, fe, fsp = figures.filter_run(jobs, sessions, events, run.spans, backends=pick_b,
                                     tenants=pick_t, session_ids=pick_s or None)
if fj.empty:
    st.warning("No job matches these filters.")
else:
    fig = figures.timeline(fj, fs, fe, fsp, tenants=tenants,
                           backends=[b for b in backends if b in pick_b],
                           system=runs.system_of(run), lanes=runs.backend_lanes(run.scenario))
    webgl = len(fj) > figures.WEBGL_THRESHOLD
    if webgl:
        st.caption(f"{len(fj):,} jobs: drawn with WebGL segments.")
    chosen = st.plotly_chart(fig, width="stretch", on_select="rerun",
                             selection_mode="points", key="gantt")
    picked = None
    points = (chosen or {}).get("selection", {}).get("points", []) if chosen else []
    known = set(fj["job_id"])
    for p in points:
        cd, text = p.get("customdata"), p.get("text")
        # SVG bars carry the job id first in customdata; WebGL hover points open their text
        # with it.
        candidate = str(cd[0]) if cd else str(text).split(" (")[0] if text else None
        if candidate in known:
            picked = candidate
            break

    st.subheader("A job's story")
    ss = st.session_state
    key = f"story_job_{gen}"
    if len(fj) <= 2000:
        ids = list(fj.sort_values("submit_time")["job_id"])
        label = "Job (or click a bar)"
    else:  # a long list helps nobody: the 200 longest waits, plus a clicked or typed job
        ids = list(fj.nlargest(200, "wait")["job_id"])
        label = "Job: the 200 longest waits (or click a bar, or type an id below)"
        typed = st.text_input("Job id", key=f"story_typed_{gen}", placeholder="e.g. load3.1234")
        if typed and typed in set(fj["job_id"]):
            picked = picked or typed
        elif typed:
            st.warning(f"No job {typed!r} among the jobs shown.")
    if picked is not None and picked not in ids:
        ids = [picked] + ids
    if picked is not None and ss.get("story_picked") != picked:
        ss[key] = picked                  # a click on a bar chooses the job
        ss["story_picked"] = picked
    if ss.get(key) not in ids:
        # Start on something worth reading: the job that waited longest.
        ss[key] = fj.loc[fj["wait"].idxmax(), "job_id"] if fj["wait"].notna().any() else ids[0]
    job_id = st.selectbox(label, ids, key=key)
    for line in job_story(jobs, events, job_id):
        st.markdown(f"- {line}")
