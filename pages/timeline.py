"""Timeline: the Gantt chart of backends, sessions and queues, with filters and a job's story.

A run of up to ``overview.DETAIL_BUDGET`` jobs (after the filters) is drawn bar by bar; a larger
one gets an overview of the whole run and the bars of a time window (the range control, a box
drawn on the overview, or "zoom to" a session or job). The window and filters live in the URL.
"""

import math

import streamlit as st

from engine import snapshot
from engine.story import job_story
from ui import figures, links, overview, plotly_basic, runs, state

run = state.page_with_run("Timeline")

jobs, sessions, events = run.jobs, run.sessions, run.events
tenants = [t.name for t in run.scenario.tenants]
backends = [b.name for b in run.scenario.backends]
ss = st.session_state
gen = state.run_generation()  # filters and window start afresh for each run
WIN = f"tl_window_{gen}"
st.caption(
    "Each backend's QPU runs one job at a time. A session takes its backend when its first job "
    "starts, holds it while its user thinks (reserved idle, up to the interactive timeout), "
    "lets go when the timeout runs out (inactive) and comes back through the fair-share queue. "
    "Hover a bar for its details; drag to zoom, double-click to reset; pick a job below for its "
    "story.")


@st.cache_resource(max_entries=16, show_spinner=False)
def staged_run(run_key, run_id, _jobs) -> bool:
    return figures.staged(_jobs)


if staged_run(ss.get(state.RUN_KEY), id(run), jobs) or runs.system_of(run) is not None:
    st.caption(
        "Today's service (R19-R22): a backend has execution lanes; a job takes a lane when it "
        "starts, runs its classical stage there (lighter, thinner bar), may then wait, ready, "
        "for the QPU (thin line: QPU contention) and runs its QPU stage (solid bar). Each lane is "
        "a track in the backend's row; the row beneath counts the lanes in use. Grey bars are "
        "system work on the QPU (calibration, maintenance, R20); an outlined band is a "
        "reservation (R21), named with its tenant.")

links.restore_timeline(gen, backends, tenants)
with st.expander("Filters", expanded=bool(links.filters_narrowed(gen, backends, tenants))):
    c1, c2, c3 = st.columns(3)
    pick_b = c1.multiselect("Backends", backends, default=backends, key=f"tl_backends_{gen}")
    pick_t = c2.multiselect("Tenants", tenants, default=tenants, key=f"tl_tenants_{gen}")
    sids = list(sessions["session_id"]) if len(sessions) else []
    pick_s = c3.multiselect("Only these sessions' jobs", sids, default=[], key=f"tl_sessions_{gen}",
                            help="Empty: every job. Pick sessions to show only their jobs.")
narrowed = (list(pick_b), list(pick_t)) != (backends, tenants) or bool(pick_s)
fj, fs, fe, fsp = figures.filter_run(
    jobs, sessions, events, run.spans, backends=pick_b if narrowed else None,
    tenants=pick_t if narrowed else None, session_ids=pick_s or None)
shown_b = [b for b in backends if b in pick_b]
end = overview.run_end(jobs)
# Figures of one run (a run is a function of its scenario: its key names it) under one set of
# filters are drawn once per server and shared; each rerun only adds the window's shading.
view = (ss.get(state.RUN_KEY), id(run), tuple(pick_b), tuple(pick_t), tuple(pick_s))


@st.cache_resource(max_entries=16, show_spinner=False)
def overview_of(view, _fj, _fsp) -> plotly_basic.Prepared:
    return plotly_basic.figure_json(overview.figure(_fj, _fsp, tenants=tenants, backends=shown_b))


@st.cache_resource(max_entries=32, show_spinner=False)
def detail_of(view, window, _wj, _ws, _we, _wsp) -> plotly_basic.Prepared:
    fig = figures.timeline(_wj, _ws, _we, _wsp, tenants=tenants, backends=shown_b,
                           system=runs.system_of(run), lanes=runs.backend_lanes(run.scenario))
    fig.update_xaxes(range=list(window))
    fig.update_layout(uirevision=f"timeline-{window[0]:.6g}-{window[1]:.6g}")
    return plotly_basic.figure_json(fig)


def _window_from_box() -> None:
    """A box drawn on the overview becomes the window."""
    box = (plotly_basic.selection("overview") or {}).get("box", [])
    if box and box[0].get("x"):
        x0, x1 = sorted(float(v) for v in box[0]["x"][:2])
        ss[WIN] = (max(0.0, x0), min(end, max(x1, x0 + 1e-3)))


asked = ss.pop("timeline_window", None)   # "show on the timeline" from the Jobs page
if asked is not None:
    ss[WIN] = (max(0.0, float(asked[0])), min(end, float(asked[1])))


@st.cache_resource(max_entries=32, show_spinner=False)
def first_window_of(view, _fj) -> tuple[float, float]:
    return overview.default_window(_fj) if len(_fj) else (0.0, end)


@st.cache_resource(max_entries=32, show_spinner=False)
def slice_of(view, window, _fj, _fs, _fe, _fsp):
    return overview.window_slice(_fj, _fs, _fe, _fsp, *window)


if WIN not in ss:
    ss[WIN] = first_window_of((view, overview.DETAIL_BUDGET), fj)
big = len(fj) > overview.DETAIL_BUDGET

if fj.empty:
    st.warning("No job matches these filters.")
    st.stop()
if big:
    st.subheader("Overview of the whole run")
    st.caption(f"{len(fj):,} jobs: too many to draw one by one, so this is every backend's QPU "
               f"time by tenant, the sessions by state and the queues over the whole run. "
               f"Drag across it to choose the window drawn in detail below (at most "
               f"{overview.DETAIL_BUDGET:,} jobs).")
    plotly_basic.chart(overview_of(view, fj, fsp), key="overview", select="box",
                       shapes=overview.window_shapes(len(shown_b) + 2, ss[WIN]),
                       on_select=_window_from_box)
# The slider's grid: a power of ten near a 5,000th of the run (0.1 s for an hour, 100 s for a
# week), at least a thousandth of a second. A window from a link, a box or "zoom to" is widened
# onto the grid, so the slider never moves it; a keyboard step moves one end by one tick.
_exp = max(math.floor(math.log10(max(end, 1e-9) / 5000)), -3)
STEP, DIGITS = 10.0 ** _exp, max(0, -_exp)
lo, hi = ss[WIN]
lo, hi = max(0.0, min(lo, end)), max(min(hi, end), min(lo, end))
lo = round(math.floor(round(lo / STEP, 6)) * STEP, DIGITS)
hi = min(round(math.ceil(round(hi / STEP, 6)) * STEP, DIGITS), end)   # the end stays whole
ss[WIN] = (lo, max(hi, lo))
c1, c2 = st.columns([4, 1])
t0, t1 = c1.slider("Window (simulated seconds)", min_value=0.0, max_value=float(end),
                   key=WIN, step=STEP, format=f"%.{DIGITS}f",
                   help="The stretch of the run drawn in detail. Drag its ends, drag across "
                        "the overview, or use \"zoom to\" below.")


def _set_window(window: tuple[float, float]) -> None:
    ss[WIN] = window


c2.button("Whole run", key="tl_whole", disabled=big, on_click=_set_window, args=((0.0, end),))
links.write_timeline(gen, backends, tenants, (t0, t1))

# The time cursor: an instant in the window, drawn as a dotted line on the detail and read
# out below it (engine/snapshot.py). CUR holds its exact value (a change's instant, to the
# last digit); the number field mirrors it.
CUR, CUR_FIELD, PLAY = f"tl_cursor_{gen}", f"tl_cursor_field_{gen}", f"tl_play_{gen}"
asked_at = ss.pop("timeline_cursor", None)   # from a link
if asked_at is not None:
    ss[CUR] = float(asked_at)
if ss.get(CUR) is None:
    ss[CUR] = round(t0 + (t1 - t0) / 2, DIGITS)
cursor_note = None
if asked_at is not None and not t0 <= float(asked_at) <= t1:
    cursor_note = (f"The link's time cursor at={asked_at:g} lies outside the window "
                   f"{t0:g}-{t1:g} s: it is put at the window's nearer edge.")
ss[CUR] = min(max(float(ss[CUR]), t0), t1)
cursor = ss[CUR]
links.write_cursor(cursor)
# The instant is read from every job of the backends shown, whatever the tenant and session
# filters: they choose what the chart draws, not what a backend holds at that moment.
by_backend = (ss.get(state.RUN_KEY), id(run), tuple(pick_b))


@st.cache_resource(max_entries=16, show_spinner=False)
def backend_tables(by_backend, _jobs, _sessions, _spans):
    if list(by_backend[2]) == backends:
        return _jobs, _sessions, _spans
    bj = _jobs[_jobs["backend"].isin(by_backend[2])]
    bs = _sessions[_sessions["backend"].isin(by_backend[2])] if len(_sessions) else _sessions
    bsp = _spans[_spans["session_id"].isin(bs["session_id"])] if len(_spans) else _spans
    return bj, bs, bsp


bj, bs, bsp = backend_tables(by_backend, jobs, sessions, run.spans)


@st.cache_resource(max_entries=16, show_spinner=False)
def changes_of(by_backend, _bj, _bsp):
    return snapshot.event_times(_bj, _bsp, runs.system_of(run))


# The cursor's line, added to the cached figure as it is drawn.
cursor_line = {"type": "line", "xref": "x", "yref": "paper", "x0": cursor, "x1": cursor,
               "y0": 0, "y1": 1, "layer": "above",
               "line": {"color": figures.NEUTRAL, "width": 1.5, "dash": "dot"}}


in_win = overview.count_in_window(fj, t0, t1)
if in_win > overview.DETAIL_BUDGET:
    st.warning(f"This window holds {in_win:,} jobs; the detail draws at most "
               f"{overview.DETAIL_BUDGET:,}. Narrow the window (drag across the overview).")
    wj = None
else:
    wj, ws, we, wsp = slice_of(view, (t0, t1), fj, fs, fe, fsp)
if wj is not None and wj.empty:
    st.info("No job in this window.")
elif wj is not None:
    fig = detail_of(view, (t0, t1), wj, ws, we, wsp)
    if len(wj) > figures.WEBGL_THRESHOLD:
        st.caption(f"{len(wj):,} jobs in this window: drawn with WebGL segments.")
    # Clicking a bar for its story costs the browser about a second more to draw a chart of
    # many bars: offered up to overview.CLICK_BUDGET jobs in the window.
    clickable = len(wj) <= overview.CLICK_BUDGET
    if clickable:
        chosen = plotly_basic.chart(fig, key="gantt", select="points", shapes=[cursor_line])
    else:
        st.caption(f"{len(wj):,} jobs in this window: narrow it to "
                   f"{overview.CLICK_BUDGET:,} or fewer to pick a job by clicking its bar (or "
                   f"type its id below).")
        plotly_basic.chart(fig, key="gantt_view", shapes=[cursor_line])
        chosen = None
else:
    chosen = None


def _typed_cursor() -> None:
    ss[CUR] = float(ss[CUR_FIELD])


def _step_cursor(direction: int) -> None:
    to = snapshot.step(changes_of(by_backend, bj, bsp), ss[CUR], direction, t0, t1)
    if to is None:
        ss[PLAY] = False      # no change left in the window that way
    else:
        ss[CUR] = to


def _toggle_play() -> None:
    ss[PLAY] = not ss.get(PLAY, False)


st.subheader("The run at an instant")
st.caption("The dotted line on the chart. Step from one change to the next (a submission, a "
           "start, a stage, an end, a session's state, system work), or play through the "
           "window.")
k1, k2, k3, k4 = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
ss[CUR_FIELD] = cursor
k1.number_input("Time cursor (simulated seconds)", min_value=float(t0), max_value=float(t1),
                step=STEP, format=f"%.{DIGITS}f", key=CUR_FIELD, on_change=_typed_cursor)
k2.button("Previous change", key="tl_prev", icon=":material/skip_previous:",
          on_click=_step_cursor, args=(-1,), width="stretch")
k3.button("Next change", key="tl_next", icon=":material/skip_next:", on_click=_step_cursor,
          args=(1,), width="stretch")
playing = bool(ss.get(PLAY))
k4.button("Pause" if playing else "Play", key="tl_play", on_click=_toggle_play,
          icon=":material/pause:" if playing else ":material/play_arrow:", width="stretch")


@st.cache_resource(max_entries=64, show_spinner=False)
def instant_of(by_backend, t, _bj, _bs, _bsp):
    """The run at ``t`` on the backends shown (a fraction of a second at 200k jobs: kept)."""
    return (snapshot.backends_at(_bj, t, backends=shown_b,
                                 lanes=runs.backend_lanes(run.scenario),
                                 system=runs.system_of(run)),
            snapshot.sessions_at(_bs, _bsp, t))


at_b, at_s = instant_of(by_backend, cursor, bj, bs, bsp)
if cursor_note:
    st.info(cursor_note)
exact = f"{cursor:,.6f}".rstrip("0").rstrip(".")
st.markdown(f"At **{exact} s**" + (" (every tenant and session, whatever the filters)"
                                  if narrowed else "") + ":")
for line in snapshot.in_words(at_b, at_s):
    st.markdown(f"- {line}")
if playing:
    ss["tl_play_tick"] = 0

    @st.fragment(run_every=1.0)
    def _player() -> None:
        """Moves the cursor to the next change once a second (its first call, during the
        page's own run, waits)."""
        if ss.get("tl_play_tick", 0) == 0:
            ss["tl_play_tick"] = 1
            return
        _step_cursor(+1)
        st.rerun()

    _player()

# A click on a bar and "show this job" from the Jobs page each arrive once, and choose the job
# every time; a typed id stays in its field, so it chooses the job when it changes.
clicked = ss.pop("timeline_job", None)
points = (chosen or {}).get("points", [])
ids_shown = fj["job_id"]


def known(job_id) -> bool:
    return job_id is not None and bool((ids_shown == job_id).any())


for p in points:
    cd, text = p.get("customdata"), p.get("text")
    # SVG bars carry the job id first in customdata; WebGL hover points open their text with it.
    candidate = str(cd[0]) if cd else str(text).split(" (")[0] if text else None
    if known(candidate):
        clicked = candidate
        break

st.subheader("A job's story")
key = f"story_job_{gen}"
typed_pick = None
if len(fj) <= 2000:
    ids = list(fj.sort_values("submit_time")["job_id"])
    label = "Job (or click a bar)"
else:  # a long list helps nobody: the 200 longest waits, plus a clicked or typed job
    ids = list(fj.nlargest(200, "wait")["job_id"])
    label = "Job: the 200 longest waits (or click a bar, or type an id below)"
    typed = st.text_input("Job id", key=f"story_typed_{gen}", placeholder="e.g. load3.1234")
    if typed and known(typed):
        typed_pick = typed
    elif typed:
        st.warning(f"No job {typed!r} among the jobs shown.")
if not known(clicked):
    clicked = None
for extra in (typed_pick, clicked):
    if extra is not None and extra not in ids:
        ids = [extra] + ids
if clicked is not None:
    ss[key] = clicked
elif typed_pick is not None and ss.get("story_typed_applied") != typed_pick:
    ss[key] = typed_pick
ss["story_typed_applied"] = typed_pick
if ss.get(key) not in ids:
    # Start on something worth reading: the job that waited longest.
    ss[key] = fj.loc[fj["wait"].idxmax(), "job_id"] if fj["wait"].notna().any() else ids[0]
job_id = st.selectbox(label, ids, key=key)
for line in job_story(jobs, events, job_id):
    st.markdown(f"- {line}")
row = jobs[jobs["job_id"] == job_id].iloc[0]
z1, z2 = st.columns(2)
z1.button("Zoom to this job", key="zoom_job", icon=":material/zoom_in:", on_click=_set_window,
          args=(links.around(row["submit_time"], row["end_time"], row.get("finished_at"), end),))
sid = row.get("session_id")
if isinstance(sid, str) and len(sessions):
    srow = sessions[sessions["session_id"] == sid].iloc[0]
    z2.button(f"Zoom to its session {sid}", key="zoom_session", icon=":material/zoom_in:",
              on_click=_set_window,
              args=(links.around(srow["opened_at"], srow["end_time"], srow.get("closed_at"),
                                 end),))
