"""Jobs: the run's workload list (one row per job, filterable, downloadable) and one session at a
time (its facts, spans, jobs and timeline), with links to the Timeline page."""

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from engine import events as ev
from engine.story import job_story
from ui import figures, jobtable, runs, state

run = state.page_with_run("Jobs")
gen = state.run_generation()  # widgets start afresh for each run
ss = st.session_state
jobs, sessions = run.jobs, run.sessions
name = run.scenario.name
tenants = [t.name for t in run.scenario.tenants]
backends = [b.name for b in run.scenario.backends]


@st.cache_resource(max_entries=4, show_spinner=False)
def _display(run_key: str, _jobs, lanes_items: tuple):
    """The display frame of a run (the lane tracks of 200,000 jobs take a moment), kept per run;
    never modified by the page."""
    return jobtable.display_frame(_jobs, dict(lanes_items))


lanes = runs.backend_lanes(run.scenario)
table = _display(ss.get(state.RUN_KEY) or str(id(run)), jobs, tuple(sorted(lanes.items())))


def column_config(frame) -> dict:
    out = {}
    for col in frame.columns:
        c = jobtable.COLUMNS[col]
        if c.format is None:
            out[col] = st.column_config.TextColumn(c.label, help=c.help or None, width=c.width)
        else:
            out[col] = st.column_config.NumberColumn(c.label, help=c.help or None,
                                                     format=c.format, width=c.width)
    return out


def go_to_timeline(window: tuple[float, float], job_id=None) -> None:
    """Open the Timeline page on ``window`` (simulated seconds), with ``job_id`` picked."""
    ss["timeline_window"] = jobtable.with_margin(*window)
    if job_id is not None:
        ss["timeline_job"] = str(job_id)
    st.switch_page("pages/timeline.py")


def table_height(rows: int, most: int = 480) -> int:
    """Pixels for a table of ``rows`` rows: no empty space below a short one."""
    return min(most, 38 + 35 * rows)


def job_rows(frame, key: str, height: int = 440):
    """A read-only jobs table where one row can be picked; returns the picked job id or None."""
    picked = st.dataframe(frame, hide_index=True, width="stretch", height=height,
                          column_config=column_config(frame), placeholder="-", key=key,
                          on_select="rerun", selection_mode="single-row")
    rows = picked.selection.rows if picked is not None else []
    if rows and rows[0] < len(frame):
        return frame["job_id"].iloc[rows[0]]
    return None


def job_link(job_id, key: str) -> None:
    """What to do with a picked job: its story and the button to the timeline."""
    if job_id is None:
        st.caption("Pick a job (the box at the left of its row) to read its story and to show "
                   "it on the timeline.")
        return
    row = jobs[jobs["job_id"] == job_id]
    c1, c2 = st.columns([3, 1], vertical_alignment="center")
    c1.markdown(f"**{job_id}**: {row['status'].iloc[0]}, {row['tenant'].iloc[0]} on "
                f"{row['backend'].iloc[0]}")
    if c2.button("Show this job on the timeline", key=key, icon=":material/view_timeline:",
                 width="stretch"):
        go_to_timeline(jobtable.job_window(jobs, job_id), job_id)
    with st.expander("Its story", expanded=False):
        for line in job_story(jobs, run.events, job_id):
            st.markdown(f"- {line}")


tab_jobs, tab_session = st.tabs(["All jobs", "Sessions"])

# ----------------------------------------------------------------------------- all jobs
with tab_jobs:
    st.caption("Every job of the run, one row each, as IBM Quantum's workload list shows them. "
               "Times are simulated seconds; wait runs from submission to start; QPU usage is "
               "the QPU stage, the seconds charged. Click a column header to sort the rows "
               "shown.")
    present = jobtable.options(table["status"].unique())
    statuses = [s for s in ev.TERMINAL if s in present] + [
        s for s in present if s not in ev.TERMINAL]
    sids = list(sessions["session_id"]) if len(sessions) else []
    c1, c2, c3, c4 = st.columns(4)
    pick_st = c1.multiselect("Status", statuses, key=f"jobs_status_{gen}", placeholder="all")
    pick_t = c2.multiselect("Tenant", tenants, key=f"jobs_tenants_{gen}", placeholder="all")
    pick_b = c3.multiselect("Backend", backends, key=f"jobs_backends_{gen}", placeholder="all")
    pick_s = c4.multiselect("Session", [jobtable.NO_SESSION] + sids, key=f"jobs_sessions_{gen}",
                            placeholder="all",
                            format_func=lambda s: "- (job mode)" if s == jobtable.NO_SESSION
                            else s)
    c1, c2, c3, c4 = st.columns([1, 2, 1, 0.6], vertical_alignment="bottom")
    text = c1.text_input("Job id contains", key=f"jobs_text_{gen}",
                         placeholder="e.g. load.12")
    lo = 0.0
    times = pd.concat([jobtable.job_end(jobs), jobs["submit_time"].astype(float)])
    times = times[np.isfinite(times)]
    hi = max(float(times.max()) if len(times) else 0.0, lo + 1.0)
    window = c2.slider("Time window (s): jobs whose life (submission to end) overlaps it",
                       min_value=lo, max_value=hi, value=(lo, hi), key=f"jobs_window_{gen}")
    sortable = [c for c in jobtable.SORTABLE if c in table]
    by = c3.selectbox("Sort by", sortable, key=f"jobs_sort_{gen}",
                      format_func=lambda c: jobtable.COLUMNS[c].label)
    descending = c4.toggle("Descending", key=f"jobs_desc_{gen}")
    f = jobtable.JobFilter(statuses=tuple(pick_st), tenants=tuple(pick_t),
                           backends=tuple(pick_b), sessions=tuple(pick_s), text=text,
                           window=None if tuple(window) == (lo, hi) else tuple(window))
    view = jobtable.filter_jobs(table, f)
    shown = jobtable.sort_and_cap(view, by, descending)
    st.markdown(jobtable.shown_caption(len(shown), len(view), len(table), by, descending))
    if view.empty:
        st.warning("No job matches these filters.")
        picked = None
    else:
        # The table's key follows the filters and the order, so a picked row always means a
        # row of the table on screen.
        digest = hashlib.blake2b(repr((f, by, descending)).encode(), digest_size=6).hexdigest()
        picked = job_rows(shown, key=f"jobs_table_{gen}_{digest}")
    job_link(picked, key=f"jobs_to_timeline_{gen}")

    def filtered_csv(rows=view.index) -> str:
        # Written when the button is clicked: 200,000 rows take seconds. The engine's columns,
        # as jobs.csv has them.
        return jobs.loc[rows].to_csv(index=False)

    st.download_button(
        f"Download the {len(view):,} filtered jobs (CSV)", data=filtered_csv,
        file_name=jobtable.csv_name(name), mime="text/csv", icon=":material/download:",
        on_click="ignore", key=f"jobs_download_{gen}", disabled=view.empty,
        help="Every column of jobs.csv for the jobs matching the filters, in the run's order.")

# ----------------------------------------------------------------------------- one session
def session_view() -> None:
    """One session: its facts, a timeline of just it, its spans and its jobs."""
    if sessions.empty:
        st.info("This run has no sessions or batches: every job ran in job mode.")
        return
    labels = jobtable.session_label(sessions, run.session_metrics)
    key = f"jobs_session_{gen}"
    if ss.get(key) not in labels:
        ss[key] = jobtable.default_session(sessions, run.session_metrics)
    sid = st.selectbox("Session", list(labels), key=key, format_func=labels.get,
                       help="Starts on the session that held its backend idle the longest "
                            "(reserved idle).")
    facts = jobtable.session_facts(sessions, run.session_metrics, run.spans, sid)
    window = jobtable.session_window(sessions, run.spans, jobs, sid)

    def secs(v, digits=1):
        return "-" if v is None else f"{float(v):,.{digits}f} s"

    mine = jobtable.filter_jobs(table, jobtable.JobFilter(sessions=(sid,)))
    done = int((mine["status"] == ev.COMPLETED).sum())
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Jobs", f"{len(mine):,}", help=f"{done:,} completed")
    c2.metric("Usage (charged)", secs(facts["usage"]),
              help="R3: a session is charged its active time, a batch its jobs' QPU time")
    c3.metric("Jobs on the QPU", secs(facts["qpu_time"]))
    c4.metric("Reserved idle", secs(facts["reserved_idle"]),
              help="held for its user, no job running (R6)")
    c5.metric("Inactive", secs(facts["inactive"]),
              help="let go after the interactive timeout; its jobs waited in fair share (R7)")
    never = facts["opened"] is None and facts["started"] is None
    reason = facts["end_reason"] or ("never opened" if never else "not ended")
    detail = f" ({facts['end_detail']})" if facts["end_detail"] else ""
    st.markdown(
        f"**{sid}**: tenant **{facts['tenant']}** on **{facts['backend']}**, mode "
        f"**{facts['mode']}**; opened {secs(facts['opened'])}, started "
        f"{secs(facts['started'])}, ended {secs(facts['ended'])}; end: **{reason}**{detail}.  \n"
        f"Interactive timeout {secs(facts['interactive_timeout'], 0)}, maximum time "
        f"{secs(facts['max_time'], 0)}, lifetime {secs(facts['lifetime'])}.")
    if st.button("Show this session on the timeline", key=f"session_to_timeline_{gen}",
                 icon=":material/view_timeline:"):
        go_to_timeline(window)

    fj, fs, fe, fsp = figures.filter_run(jobs, sessions, run.events, run.spans,
                                         session_ids=[sid])
    if fj["start_time"].notna().any() or len(fsp):
        fig = figures.timeline(fj, fs, fe, fsp, tenants=tenants, backends=[facts["backend"]],
                               system=runs.system_of(run), lanes=lanes)
        t0, t1 = jobtable.with_margin(*window, margin=0.03)
        fig.update_xaxes(range=[t0, t1])
        st.plotly_chart(fig, width="stretch", key=f"session_fig_{gen}")
        st.caption("Only this session's jobs are drawn (queue depth too): the other tenants' "
                   "jobs, which took the backend while the session was inactive, are on the "
                   "Timeline.")
    else:
        st.caption("Nothing to draw: the session never started and none of its jobs ran.")

    st.markdown(f"**Its jobs** ({len(mine):,})")
    if len(mine):
        shown = jobtable.sort_and_cap(mine, "submit_time")
        picked_s = job_rows(shown, key=f"session_jobs_{gen}_{sid}",
                            height=table_height(len(shown)))
        job_link(picked_s, key=f"session_job_to_timeline_{gen}")

    spans = jobtable.session_spans(run.spans, sid)
    if spans.empty:
        st.caption("No spans: the session never started.")
        return
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown("**Its spans**: what it was doing when")
        st.dataframe(spans, hide_index=True, width="stretch",
                     height=table_height(len(spans), 300), column_config={
                         "kind": st.column_config.TextColumn("State"),
                         "start": st.column_config.NumberColumn("From (s)", format="%.1f"),
                         "end": st.column_config.NumberColumn("To (s)", format="%.1f"),
                         "duration": st.column_config.NumberColumn("Seconds", format="%.1f")})
    with c2:
        st.markdown("**Time in each state**")
        st.markdown("\n".join(f"- {k}: {v:,.1f} s"
                               for k, v in jobtable.span_totals(run.spans, sid).items()))

with tab_session:
    session_view()
