"""Figure builders: pure functions from a run's tables to Plotly figures.

Nothing here reads Streamlit state or touches files; every builder takes DataFrames (the engine's
trace tables) and returns a ``go.Figure``, so tests check the drawn geometry without a browser.
Session bands are drawn from the spans table the engine records (engine/events.py names the
kinds); markers and queue depth come from plain functions returning DataFrames, tested against
hand-worked traces.

The timeline has three rows on one time axis: backend lanes with a bar per job (coloured by
tenant, hatched when the job belongs to a session), a band per session (running, reserved idle,
inactive, open) with markers where it starts, deactivates, reactivates, is closed, expires or is
cancelled, and the queue depth per backend. Above ``WEBGL_THRESHOLD`` jobs the bars are drawn as
thick WebGL line segments, one trace per tenant, so 50k jobs stay usable.

Today's service (R19-R22) adds to the backend row: each job's two stages (R19) on its own lane
track within the row: its classical stage as a lighter, thinner bar, the stretch it is ready but
waits for the QPU as a thin line, and its QPU stage as the solid bar; system work (R20) as grey
bars named calibration or maintenance; reservations (R21) as an outlined translucent band naming
the tenant. A "lanes in use" row beneath counts the jobs holding a lane (start to end) per
backend. A run without lanes, classical stages, system work or reservations draws as before.
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from plotly.subplots import make_subplots

from engine import events as ev
from engine import snapshot

WEBGL_THRESHOLD = 3000

# Colours, chosen so that no two of them look alike with deuteranopia, protanopia or tritanopia
# and each shows on the light and on the dark theme (tests/test_palette.py measures both).
# Tenants: the first eight of M. A. Petroff's 10-colour sequence ("Accessible Color Sequences
# for Data Visualization", 2021, arXiv:2107.02270; matplotlib's "petroff10" style), optimised
# for colour-blind distinctness; a ninth tenant takes the first colour again. Its last two
# colours (#717581, #92DADD) are left out: the session bands, system work and backend lines
# need that room.
PALETTE = ["#3F90DA", "#FFA90E", "#BD1F01", "#94A4A2", "#832DB6", "#A96B59", "#E76300",
           "#B9AC70"]

# Session bands: what each span of the engine's spans table means, and how it is drawn. None is
# a tenant's colour: dark teal, light amber, grey, light blue and violet, lighter or darker than
# the tenants' mid tones.
SPAN_STYLE = {
    ev.RUNNING: ("#005666", "running: a session job is on the QPU"),
    ev.RESERVED_IDLE: ("#FFCE75", "reserved idle: held for the interactive timeout, no job (R6)"),
    ev.INACTIVE: ("#777788", "inactive: not holding; jobs wait in fair share (R7)"),
    ev.OPEN: ("#66CCFF", "open: waiting for its first job to start (R4)"),
    ev.BATCH_ACTIVE: ("#7645FF", "batch active: its jobs jump the queue, nothing held (R14)"),
}
SPAN_ORDER = list(SPAN_STYLE)

# Markers sit on the bands: mid tones, apart from every band (which are lighter or darker).
MARKER_STYLE = {  # kind -> (symbol, colour, legend name, words)
    "open": ("circle-open", "#1197FF", "opened", "opened"),
    "start": ("triangle-right", "#119955", "started", "started (first job starts, R4)"),
    "deactivate": ("triangle-down", "#CC7711", "deactivated",
                   "deactivated: interactive timeout ran out (R6)"),
    "reactivate": ("triangle-up", "#119955", "reactivated",
                   "reactivated: its job won fair share (R7)"),
    "close requested": ("line-ns-open", "#999999", "close() called",
                        "close() called; queued jobs still run (R10)"),
    "closed": ("square", "#999999", "closed", "closed (R10)"),
    "expired": ("x", "#EE3322", "expired", "expired at its maximum time (R9)"),
    "cancelled": ("diamond", "#EE3322", "cancelled", "cancelled (R11)"),
}


# Per-backend lines (queue depth, and lanes in use where that row is drawn): the same colour
# for one backend in both rows, none of them looking like a tenant's or like another backend's.
BACKEND_LINE_COLORS = ["#666699", "#55BBFF", "#994444", "#9922FF", "#006666", "#887788"]

SYSTEM_STYLE = {  # kind of system work (R20) -> (fill, words): greys apart from the tenants'
    "calibration": ("#556566", "calibration: system work on the QPU (R20)"),
    "maintenance": ("#444455", "maintenance: system work on the QPU (R20)"),
}

NEUTRAL = "#8C8C8C"   # a mid grey for keys and guide lines, seen on light and dark themes alike

# A job's stages (R19): how they are drawn, relative to the solid QPU-stage bar.
CLASSICAL_OPACITY = 0.4      # the classical stage: the tenant colour, lighter ...
CLASSICAL_THICKNESS = 0.6    # ... and thinner
WAIT_THICKNESS = 0.14        # ready, waiting for the QPU: a thin line
SYSTEM_LABELS = 40           # system work named on the chart up to this many bars (hover beyond)


# --------------------------------------------------------------------------- colours

def tenant_colors(tenants: Iterable[str]) -> dict[str, str]:
    """A stable colour per tenant, in the order given (the scenario's order)."""
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(dict.fromkeys(tenants))}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


# --------------------------------------------------------------------------- geometry

def session_markers(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Markers on session bands: columns session_id, kind, time, detail."""
    ends = dict(zip(sessions["session_id"], sessions["end_reason"])) if len(sessions) else {}
    kinds = {ev.SESSION_OPENED: "open", ev.SESSION_STARTED: "start",
             ev.SESSION_DEACTIVATED: "deactivate", ev.SESSION_REACTIVATED: "reactivate",
             ev.SESSION_CLOSING: "close requested"}
    rows = []
    evs = events[events["session_id"].notna() & events["event"].str.startswith("session_")]
    for e in evs.itertuples(index=False):
        if e.event == ev.SESSION_ENDED:
            reason = ends.get(e.session_id) or "closed"
            kind = {"expired": "expired", "cancelled": "cancelled"}.get(reason, "closed")
        else:
            kind = kinds.get(e.event)
        if kind is None:
            continue
        rows.append((e.session_id, kind, float(e.time), e.detail))
    return pd.DataFrame(rows, columns=["session_id", "kind", "time", "detail"])


def queue_depth(jobs: pd.DataFrame) -> pd.DataFrame:
    """Queued jobs per backend over time: columns backend, time, depth (a step function that
    holds from each time to the next). A job is queued from its submission until it starts, or
    until it leaves unstarted (cancelled, failed, rejected)."""
    if jobs.empty:
        return pd.DataFrame(columns=["backend", "time", "depth"])
    leave = snapshot.queue_leave(jobs)
    # At one instant, departures count before arrivals: a job that starts on arrival never
    # shows as queued.
    return _step_count(jobs["backend"], jobs["submit_time"], leave, "depth")


def _step_count(backend: pd.Series, up: pd.Series, down: pd.Series, name: str) -> pd.DataFrame:
    """Per backend, how many intervals ``[up, down)`` are open over time: a step function with
    columns backend, time, ``name``; at one instant an interval closing counts before one
    opening."""
    ups = pd.DataFrame({"backend": backend, "time": up, "d": 1})
    downs = pd.DataFrame({"backend": backend, "time": down, "d": -1})
    steps = pd.concat([ups, downs], ignore_index=True)
    steps = steps.sort_values(["backend", "time", "d"], kind="stable")
    steps[name] = steps.groupby("backend")["d"].cumsum()
    last = steps.groupby(["backend", "time"], sort=False).tail(1)
    return last[["backend", "time", name]].reset_index(drop=True)


def lanes_busy(jobs: pd.DataFrame) -> pd.DataFrame:
    """Lanes held per backend over time (R19): columns backend, time, busy (a step function).
    A job holds a lane from its start (it took the lane, "In progress") to its end."""
    ran = jobs[jobs["start_time"].notna()] if len(jobs) else jobs
    if ran.empty:
        return pd.DataFrame(columns=["backend", "time", "busy"])
    end = ran["end_time"].fillna(ran["start_time"])
    # A lane freed counts before a lane taken at one instant: a job taking the lane another
    # leaves never shows as one more.
    return _step_count(ran["backend"], ran["start_time"], end, "busy")


def lane_slots(jobs: pd.DataFrame) -> pd.Series:
    """A lane track per job that ran (0, 1, ...; NaN for a job that never started), so that no
    two jobs on one backend share a track at once: the lowest track free at the job's start, in
    the order jobs started. The engine does not say which lane a job took; any such assignment
    uses as many tracks as the most lanes busy at once, never more than the backend has."""
    out = pd.Series(np.nan, index=jobs.index, dtype=float)
    ran = jobs[jobs["start_time"].notna()]
    if ran.empty:
        return out
    order = ["backend", "start_time"] + (["seq"] if "seq" in ran else [])
    ran = ran.sort_values(order, kind="stable")
    ends = ran["end_time"].fillna(ran["start_time"]).to_numpy(float)
    starts = ran["start_time"].to_numpy(float)
    slots = np.zeros(len(ran))
    for _, idx in ran.groupby("backend", sort=False).indices.items():
        free_at: list[float] = []   # track -> when it is free again
        for i in idx:
            slot = next((n for n, t in enumerate(free_at) if t <= starts[i]), len(free_at))
            if slot == len(free_at):
                free_at.append(ends[i])
            else:
                free_at[slot] = ends[i]
            slots[i] = slot
    out.loc[ran.index] = slots
    return out


def staged(jobs: pd.DataFrame) -> bool:
    """Whether a run's jobs need R19's drawing: a classical stage, a wait for the QPU, or two
    jobs in progress at once on one backend. Runs recorded before R19 (no ``qpu_start_time``)
    never do."""
    if "qpu_start_time" not in jobs or jobs.empty:
        return False
    ran = jobs[jobs["start_time"].notna()]
    if ran.empty:
        return False
    if (ran["qpu_start_time"].isna() | (ran["qpu_start_time"] != ran["start_time"])).any():
        return True
    busy = lanes_busy(ran)
    return bool(len(busy) and busy["busy"].max() > 1)


def has_classical_stage(jobs: pd.DataFrame) -> bool:
    """Whether any job that started had a classical stage (R19)."""
    if "qpu_start_time" not in jobs or jobs.empty:
        return False
    st = job_stages(jobs[jobs["start_time"].notna()])
    return bool(st["classical_start"].notna().any())


def job_stages(jobs: pd.DataFrame) -> pd.DataFrame:
    """Each started job's stages (R19) as drawn: columns classical_start, classical_end (its
    classical stage, empty when it had none), wait_start, wait_end (ready, waiting for the
    QPU), qpu_start, qpu_end (its QPU stage; empty when never reached); indexed as ``jobs``.
    Without ``qpu_start_time`` (a run recorded before R19) the QPU stage is start to end."""
    start = jobs["start_time"].astype(float)
    end = jobs["end_time"].astype(float)
    if "qpu_start_time" not in jobs:
        nan = pd.Series(np.nan, index=jobs.index)
        return pd.DataFrame({"classical_start": nan, "classical_end": nan, "wait_start": nan,
                             "wait_end": nan, "qpu_start": start, "qpu_end": end})
    qs = jobs["qpu_start_time"].astype(float).where(lambda x: ~(x > end))
    qe = jobs["qpu_end_time"].astype(float).where(qs.notna()).fillna(end).clip(upper=end)
    ready = jobs["ready_time"].astype(float) if "ready_time" in jobs else qs
    ready = ready.where(~(ready > end))
    # The classical stage: start to ready (or to now, for a job still in it).
    c_end = ready.where(ready.notna(), end.where(qs.isna()))
    has_c = start.notna() & c_end.notna() & (c_end > start)
    w_start = ready.where(ready.notna(), start)
    w_end = qs.where(qs.notna(), end)
    has_w = start.notna() & ready.notna() & w_end.notna() & (w_end > w_start)
    return pd.DataFrame({
        "classical_start": start.where(has_c), "classical_end": c_end.where(has_c),
        "wait_start": w_start.where(has_w), "wait_end": w_end.where(has_w),
        "qpu_start": qs.where(start.notna()), "qpu_end": qe.where(qs.notna() & start.notna())})


# --------------------------------------------------------------------------- filters

def filter_run(jobs: pd.DataFrame, sessions: pd.DataFrame, events: pd.DataFrame,
               spans: pd.DataFrame, *, backends: Optional[Iterable[str]] = None,
               tenants: Optional[Iterable[str]] = None,
               session_ids: Optional[Iterable[str]] = None):
    """The four tables narrowed to the chosen backends, tenants and sessions (None: all)."""
    if backends is not None:
        backends = set(backends)
        jobs = jobs[jobs["backend"].isin(backends)]
        sessions = sessions[sessions["backend"].isin(backends)]
        events = events[events["backend"].isin(backends)]
    if tenants is not None:
        tenants = set(tenants)
        jobs = jobs[jobs["tenant"].isin(tenants)]
        sessions = sessions[sessions["tenant"].isin(tenants)]
        events = events[events["tenant"].isin(tenants) | events["tenant"].isna()]
    if session_ids is not None:
        keep = set(session_ids)
        sessions = sessions[sessions["session_id"].isin(keep)]
        jobs = jobs[jobs["session_id"].isin(keep)]
        events = events[events["session_id"].isin(keep)]
    spans = spans[spans["session_id"].isin(set(sessions["session_id"]))]
    return jobs, sessions, events, spans


# --------------------------------------------------------------------------- the timeline

_HOVER = ("<b>%{customdata[0]}</b><br>tenant %{customdata[1]}<br>session %{customdata[2]}<br>"
          "submitted %{customdata[3]:.1f} s, started %{customdata[4]:.1f} s, ended "
          "%{customdata[5]:.1f} s<br>waited %{customdata[6]:.1f} s; %{customdata[7]}<br>"
          "picked by %{customdata[8]}<extra></extra>")


def _customdata(j: pd.DataFrame) -> np.ndarray:
    return np.column_stack([
        j["job_id"].astype(str), j["tenant"].astype(str),
        j["session_id"].fillna("none (job mode)").astype(str),
        j["submit_time"].astype(float), j["start_time"].astype(float),
        j["end_time"].astype(float), j["wait"].astype(float).fillna(0.0),
        j["status"].astype(str), j["rule"].fillna("-").astype(str),
    ]).astype(object)


def _short_hover(j: pd.DataFrame, stages: Optional[pd.DataFrame] = None) -> np.ndarray:
    """One compact hover line per job, for the WebGL view (keeps 50k jobs small on the wire);
    with ``stages`` (job_stages), its classical and QPU stages' times too."""
    session = j["session_id"].fillna("").astype(str)
    session = np.where(session != "", ", " + session, "")
    status = j["status"].astype(str)
    status = np.where(status != "completed", ", " + status, "")
    text = (j["job_id"].astype(str) + " (" + j["tenant"].astype(str) + session + ") waited "
            + j["wait"].astype(float).fillna(0.0).round(0).astype(int).astype(str) + " s, "
            + j["rule"].fillna("-").astype(str) + status)
    if stages is not None:   # whole seconds: the wait for the QPU lies between the two
        def span(a, b):
            ok = (stages[a].notna() & stages[b].notna()).to_numpy()
            lo = stages[a].fillna(0).round(0).astype(np.int64).astype(str)
            hi = stages[b].fillna(0).round(0).astype(np.int64).astype(str)
            return np.where(ok, lo + "-" + hi, "")
        c, q = span("classical_start", "classical_end"), span("qpu_start", "qpu_end")
        text = (text + np.where(c != "", "; classical " + pd.Series(c, index=j.index), "")
                + np.where(q != "", "; QPU " + pd.Series(q, index=j.index) + " s", ""))
    return np.asarray(text, dtype=object)


def _job_traces(fig: go.Figure, jobs: pd.DataFrame, colors: dict, webgl: bool,
                row: int, lanes: dict, lane_px: float = 20.0) -> None:
    """Bars per tenant; with ``webgl``, thick line segments on numeric lanes (``lanes`` maps a
    backend to its y position), start-end-gap per job, float32 times, a short hover text."""
    ran = jobs[jobs["start_time"].notna() & jobs["end_time"].notna()]
    for tenant, color in colors.items():
        j = ran[ran["tenant"] == tenant]
        if j.empty:
            continue
        if webgl:
            n = len(j)
            start = j["start_time"].to_numpy(float)
            end = j["end_time"].to_numpy(float)
            lane = j["backend"].map(lanes).to_numpy(np.float32)
            xs = np.empty(3 * n, dtype=np.float32)
            xs[0::3], xs[1::3], xs[2::3] = start, end, np.nan
            ys = np.empty(3 * n, dtype=np.float32)
            ys[0::3], ys[1::3], ys[2::3] = lane, lane, np.nan
            fig.add_trace(go.Scattergl(
                x=xs, y=ys, mode="lines", line={"color": color, "width": lane_px * 1.2}, name=tenant,
                legendgroup=tenant, hoverinfo="skip", connectgaps=False), row=row, col=1)
            # Hover: one invisible point per job, at its middle.
            fig.add_trace(go.Scattergl(
                x=((start + end) / 2).astype(np.float32), y=lane, mode="markers",
                marker={"size": 10, "color": color, "opacity": 0}, text=_short_hover(j),
                hovertemplate="%{text}<extra></extra>", name=tenant, legendgroup=tenant,
                showlegend=False), row=row, col=1)
        else:
            in_session = j["session_id"].notna().to_numpy()
            fig.add_trace(go.Bar(
                orientation="h", y=j["backend"], base=j["start_time"],
                x=(j["end_time"] - j["start_time"]).to_numpy(float),
                name=tenant, legendgroup=tenant, customdata=_customdata(j),
                hovertemplate=_HOVER,
                marker={"color": color,
                        "line": {"color": color, "width": 0.5},
                        "pattern": {"shape": np.where(in_session, "/", "").tolist(),
                                    "fillmode": "overlay", "fgcolor": "#000000",
                                    "fgopacity": 0.45, "size": 6, "solidity": 0.25}},
                width=0.7), row=row, col=1)



# Staged drawing (R19): within a backend's row (1 unit high) each lane track gets a band; the
# QPU-stage bar fills most of its band, the classical bar less, the waiting line a sliver.
ROW_SPAN = 0.84


def _track_geometry(n_tracks):
    """(band, solid bar thickness) of one lane track, in row units, for a row of ``n_tracks``
    tracks (a number or an array): with one track, the bar is today's."""
    band = ROW_SPAN / np.maximum(1, np.asarray(n_tracks, float))
    return band, band * 0.7 / ROW_SPAN


def _track_center(slot: np.ndarray, n_tracks) -> np.ndarray:
    """Offset of a track's middle from its row's middle; track 0 on top."""
    band, _ = _track_geometry(n_tracks)
    return ROW_SPAN / 2 - (np.asarray(slot, float) + 0.5) * band


_STAGE_HOVER = {
    "qpu": "<b>%{customdata[0]}</b>: QPU stage %{customdata[7]:.1f}-%{customdata[8]:.1f} s",
    "classical": "<b>%{customdata[0]}</b>: classical stage %{customdata[4]:.1f}-"
                 "%{customdata[5]:.1f} s (in its lane, beside the QPU)",
    "wait": "<b>%{customdata[0]}</b>: ready, waiting for the QPU %{customdata[5]:.1f}-"
            "%{customdata[7]:.1f} s (QPU contention, %{customdata[13]:.1f} s)",
}
_STAGE_HOVER_TAIL = (
    "<br>tenant %{customdata[1]}; session %{customdata[2]}; lane track %{customdata[12]}"
    "<br>submitted %{customdata[3]:.1f} s; took a lane %{customdata[4]:.1f} s; "
    "ready %{customdata[5]:.1f} s; ended %{customdata[6]:.1f} s"
    "<br>waited %{customdata[9]:.1f} s in the queue; %{customdata[10]}; picked by "
    "%{customdata[11]}<extra></extra>")


def _stage_customdata(j: pd.DataFrame, st: pd.DataFrame) -> np.ndarray:
    ready = j["ready_time"].astype(float) if "ready_time" in j else st["qpu_start"]
    qwait = (st["wait_end"] - st["wait_start"]).fillna(0.0)
    return np.column_stack([
        j["job_id"].astype(str), j["tenant"].astype(str),
        j["session_id"].fillna("none (job mode)").astype(str),
        j["submit_time"].astype(float), j["start_time"].astype(float), ready.astype(float),
        j["end_time"].astype(float), st["qpu_start"].astype(float), st["qpu_end"].astype(float),
        j["wait"].astype(float).fillna(0.0), j["status"].astype(str),
        j["rule"].fillna("-").astype(str), (st["slot"].astype(int) + 1).astype(str),
        qwait.astype(float),
    ]).astype(object)


def _staged_job_traces(fig: go.Figure, jobs: pd.DataFrame, colors: dict, webgl: bool,
                       row: int, rows_y: dict, n_tracks: dict, lane_px: float) -> None:
    """R19's drawing: per tenant a trace for the classical stages (lighter, thinner), one for
    the ready-but-waiting stretches (a thin line) and one for the QPU stages (solid, hatched for
    session jobs, named by the tenant), each job on its lane track. ``n_tracks``: backend ->
    its number of tracks, dividing its row (in WebGL the lines are as thin as the most tracks
    need, as a trace's lines have one width)."""
    ran = jobs[jobs["start_time"].notna() & jobs["end_time"].notna()]
    st = job_stages(ran)
    st["slot"] = lane_slots(ran).fillna(0)
    most = max(n_tracks.values(), default=1)
    st["tracks"] = ran["backend"].map(n_tracks).fillna(1)
    _, solid_most = _track_geometry(most)

    def thickness(stage, tracks):
        solid = _track_geometry(tracks)[1]
        return {"classical": solid * CLASSICAL_THICKNESS,
                "wait": np.maximum(solid * WAIT_THICKNESS, 0.02), "qpu": solid}[stage]

    cols = {"classical": ("classical_start", "classical_end"),
            "wait": ("wait_start", "wait_end"), "qpu": ("qpu_start", "qpu_end")}
    names = {"classical": "{t}: classical stage", "wait": "{t}: waiting for the QPU",
             "qpu": "{t}"}
    for tenant, color in colors.items():
        mine = (ran["tenant"] == tenant).to_numpy()
        if not mine.any():
            continue
        j, s = ran[mine], st[mine]
        for stage in ("classical", "wait", "qpu"):
            a, b = cols[stage]
            keep = (s[a].notna() & s[b].notna()).to_numpy()
            if not keep.any():
                continue
            jj, ss = j[keep], s[keep]
            center = _track_center(ss["slot"].to_numpy(), ss["tracks"].to_numpy())
            thick = thickness(stage, ss["tracks"].to_numpy())
            fill = color if stage != "classical" else _rgba(color, CLASSICAL_OPACITY)
            name = names[stage].format(t=tenant)
            common = {"name": name, "legendgroup": tenant, "showlegend": stage == "qpu"}
            if webgl:
                n = len(jj)
                y = (jj["backend"].map(rows_y).to_numpy(float) + center).astype(np.float32)
                xs = np.empty(3 * n, dtype=np.float32)
                xs[0::3], xs[1::3], xs[2::3] = ss[a].to_numpy(float), ss[b].to_numpy(float), np.nan
                ys = np.empty(3 * n, dtype=np.float32)
                ys[0::3], ys[1::3], ys[2::3] = y, y, np.nan
                px = max(1.0, lane_px * float(thickness(stage, most)) / 0.7)
                fig.add_trace(go.Scattergl(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                           line={"color": fill, "width": px},
                                           connectgaps=False, **common), row=row, col=1)
                continue
            pattern = {"shape": [""] * len(jj)}
            if stage == "qpu":
                pattern = {"shape": np.where(jj["session_id"].notna(), "/", "").tolist(),
                           "fillmode": "overlay", "fgcolor": "#000000", "fgopacity": 0.45,
                           "size": 6, "solidity": 0.25}
            fig.add_trace(go.Bar(
                orientation="h", y=jj["backend"], base=ss[a].to_numpy(float),
                x=(ss[b] - ss[a]).to_numpy(float), width=thick, offset=center - thick / 2,
                customdata=_stage_customdata(jj, ss),
                hovertemplate=_STAGE_HOVER[stage] + _STAGE_HOVER_TAIL,
                marker={"color": fill, "line": {"color": color, "width": 0.5 if stage == "qpu"
                                                 else 0}, "pattern": pattern},
                **common), row=row, col=1)
        if webgl:   # hover: one invisible point per job, in the middle of its whole life
            start = j["start_time"].to_numpy(float)
            end = j["end_time"].to_numpy(float)
            y = j["backend"].map(rows_y).to_numpy(float) + _track_center(
                s["slot"].to_numpy(), s["tracks"].to_numpy())
            fig.add_trace(go.Scattergl(
                x=((start + end) / 2).astype(np.float32), y=y.astype(np.float32),
                mode="markers", marker={"size": 10, "color": color, "opacity": 0},
                text=_short_hover(j, s), hovertemplate="%{text}<extra></extra>", name=tenant,
                legendgroup=tenant, showlegend=False), row=row, col=1)
    # What the lighter bar and the thin line mean, once for all tenants.
    for label, style, col in (("classical stage (lighter, thinner)",
                               {"color": _rgba(NEUTRAL, CLASSICAL_OPACITY)}, "classical_start"),
                              ("ready, waiting for the QPU (thin line)", {"color": NEUTRAL},
                               "wait_start")):
        if st[col].notna().any():
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                     marker={"symbol": "square", "size": 12, **style},
                                     legendgroup="stages",
                                     legendgrouptitle_text="job stages (R19)",
                                     hoverinfo="skip"), row=row, col=1)


def _system_traces(fig: go.Figure, system: pd.DataFrame, colors: dict, webgl: bool,
                   row: int, rows_y: dict, lane_px: float) -> None:
    """System work (R20) as grey bars named by kind; reservations (R21) as an outlined,
    translucent band over the whole row naming the tenant; both behind the jobs."""
    system = system[system["backend"].isin(set(rows_y))]
    res = system[system["kind"] == "reservation"]
    if len(res):
        tcolor = [colors.get(t, "#455A64") for t in res["tenant"]]
        label = ("reserved for " + res["tenant"].astype(str) + " (" + res["id"].astype(str)
                 + ")").to_numpy()
        hover = [f"<b>{lab}</b><br>{s:g}-{e:g} s: only {t}'s jobs start here; no system work "
                 f"(R21)" for lab, s, e, t in zip(label, res["start"], res["end"], res["tenant"])]
        if webgl:
            for i in range(len(res)):
                y = float(rows_y[res["backend"].iloc[i]])
                fig.add_trace(go.Scattergl(
                    x=[res["start"].iloc[i], res["end"].iloc[i]], y=[y, y], mode="lines",
                    line={"color": _rgba(tcolor[i], 0.18), "width": lane_px * 1.3},
                    name="reservation", legendgroup="system", showlegend=i == 0,
                    text=[hover[i]] * 2, hovertemplate="%{text}<extra></extra>"),
                    row=row, col=1)
        else:
            fig.add_trace(go.Bar(
                orientation="h", y=res["backend"], base=res["start"].to_numpy(float),
                x=(res["end"] - res["start"]).to_numpy(float), width=0.96,
                name="reservation", legendgroup="system",
                legendgrouptitle_text="system (R20, R21)",
                marker={"color": [_rgba(c, 0.13) for c in tcolor],
                        "line": {"color": tcolor, "width": 2}},
                hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"), row=row, col=1)
        # The tenant named at the band's top left, above the jobs drawn in it.
        for i in range(len(res)):
            b = res["backend"].iloc[i]
            fig.add_annotation(
                x=float(res["start"].iloc[i]), y=rows_y[b] + 0.47,
                text=label[i], showarrow=False, xanchor="left", yanchor="top",
                font={"color": tcolor[i], "size": 11}, bgcolor="rgba(255,255,255,0.75)",
                xshift=2, row=row, col=1, name="reservation label")
    for kind, (color, words) in SYSTEM_STYLE.items():
        w = system[system["kind"] == kind]
        if w.empty:
            continue
        hover = [f"<b>{i}</b>: {words}<br>{s:g}-{e:g} s ({e - s:g} s); no lane taken, "
                 f"ready jobs wait" for i, s, e in zip(w["id"], w["start"], w["end"])]
        if webgl:
            n = len(w)
            y = w["backend"].map(rows_y).to_numpy(np.float32)
            xs = np.empty(3 * n, dtype=np.float32)
            xs[0::3], xs[1::3], xs[2::3] = w["start"].to_numpy(float), w["end"].to_numpy(float), \
                np.nan
            ys = np.empty(3 * n, dtype=np.float32)
            ys[0::3], ys[1::3], ys[2::3] = y, y, np.nan
            fig.add_trace(go.Scattergl(
                x=xs, y=ys, mode="lines", line={"color": color, "width": lane_px},
                name=kind, legendgroup="system", connectgaps=False,
                text=np.repeat(np.array(hover, dtype=object), 3),
                hovertemplate="%{text}<extra></extra>"), row=row, col=1)
        else:
            fig.add_trace(go.Bar(
                orientation="h", y=w["backend"], base=w["start"].to_numpy(float),
                x=(w["end"] - w["start"]).to_numpy(float), width=ROW_SPAN,
                name=kind, legendgroup="system", legendgrouptitle_text="system (R20, R21)",
                marker={"color": color, "line": {"color": color, "width": 1}},
                hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"), row=row, col=1)
        if len(w) <= SYSTEM_LABELS:   # named at the bar's foot, clear of the waiting lines
            for b, start in zip(w["backend"], w["start"]):
                fig.add_annotation(
                    x=float(start), y=rows_y[b] - ROW_SPAN / 2, text=kind, showarrow=False,
                    xanchor="left", yanchor="bottom", xshift=1,
                    font={"color": "#FFFFFF", "size": 10}, bgcolor=_rgba(color, 0.85),
                    row=row, col=1, name="system label")


def _session_traces(fig: go.Figure, spans: pd.DataFrame, markers: pd.DataFrame,
                    row: int) -> None:
    for kind in SPAN_ORDER:
        s = spans[spans["kind"] == kind]
        if s.empty:
            continue
        color, words = SPAN_STYLE[kind]
        fig.add_trace(go.Bar(
            orientation="h", y=s["session_id"], base=s["start"],
            x=(s["end"] - s["start"]).to_numpy(float), name=kind, legendgroup="sessions",
            legendgrouptitle_text="session bands", marker={"color": color,
                                                           "line": {"width": 0}},
            width=0.5,
            hovertemplate=f"<b>%{{y}}</b><br>{words}<extra></extra>"),
            row=row, col=1)
    for kind, (symbol, color, label, words) in MARKER_STYLE.items():
        m = markers[markers["kind"] == kind]
        if m.empty:
            continue
        fig.add_trace(go.Scatter(
            x=m["time"], y=m["session_id"], mode="markers", name=label,
            legendgroup="markers", legendgrouptitle_text="session events",
            marker={"symbol": symbol, "color": color, "size": 11,
                    "line": {"width": 1.5, "color": color}},
            customdata=np.column_stack([m["session_id"], m["detail"].fillna("")]).astype(object),
            hovertemplate=(f"<b>%{{customdata[0]}}</b> {words}<br>at %{{x:.1f}} s<br>"
                           "%{customdata[1]}<extra></extra>")), row=row, col=1)


def _session_traces_gl(fig: go.Figure, spans: pd.DataFrame, markers: pd.DataFrame,
                       row: int, rows_of: dict, row_px: float = 5.0) -> None:
    """Session bands as WebGL segments on numeric rows (``rows_of``: session -> y)."""
    for kind in SPAN_ORDER:
        s = spans[spans["kind"] == kind]
        if s.empty:
            continue
        color, words = SPAN_STYLE[kind]
        n = len(s)
        y = s["session_id"].map(rows_of).to_numpy(np.float32)
        xs = np.empty(3 * n, dtype=np.float32)
        xs[0::3], xs[1::3], xs[2::3] = s["start"].to_numpy(float), s["end"].to_numpy(float), np.nan
        ys = np.empty(3 * n, dtype=np.float32)
        ys[0::3], ys[1::3], ys[2::3] = y, y, np.nan
        text = np.repeat(s["session_id"].astype(str).to_numpy(), 3)
        fig.add_trace(go.Scattergl(
            x=xs, y=ys, mode="lines", line={"color": color, "width": row_px}, name=kind,
            legendgroup="sessions", legendgrouptitle_text="session bands", text=text,
            hovertemplate=f"<b>%{{text}}</b><br>{words}<extra></extra>", connectgaps=False),
            row=row, col=1)
    for kind, (symbol, color, label, words) in MARKER_STYLE.items():
        m = markers[markers["kind"] == kind]
        if m.empty:
            continue
        fig.add_trace(go.Scattergl(
            x=m["time"].to_numpy(np.float32), y=m["session_id"].map(rows_of).to_numpy(np.float32),
            mode="markers", name=label, legendgroup="markers",
            legendgrouptitle_text="session events",
            marker={"symbol": symbol.replace("line-ns-open", "circle"), "color": color,
                    "size": max(3.0, min(8.0, 2 * row_px))},
            text=m["session_id"].astype(str).to_numpy(),
            hovertemplate=f"<b>%{{text}}</b> {words}<br>at %{{x:.1f}} s<extra></extra>"),
            row=row, col=1)


def _downsample_steps(t: np.ndarray, depth: np.ndarray, bins: int = 1500):
    """A step function with at most ~2 x ``bins`` points: each bin keeps its highest and lowest
    depth, so peaks and empty queues survive."""
    if len(t) <= 2 * bins:
        return t, depth
    edges = np.linspace(t[0], t[-1], bins + 1)
    idx = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": idx, "depth": depth})
    hi = frame.groupby("bin")["depth"].max()
    lo = frame.groupby("bin")["depth"].min()
    tt = np.repeat(edges[hi.index.to_numpy()], 2)
    tt[1::2] += (edges[1] - edges[0]) / 2
    dd = np.empty(len(tt), dtype=np.int64)
    dd[0::2], dd[1::2] = hi.to_numpy(), lo.to_numpy()
    return tt, dd


def timeline(jobs: pd.DataFrame, sessions: pd.DataFrame, events: pd.DataFrame,
             spans: pd.DataFrame, *,
             tenants: Optional[list[str]] = None, backends: Optional[list[str]] = None,
             webgl: Optional[bool] = None, title: Optional[str] = None,
             system: Optional[pd.DataFrame] = None,
             lanes: Optional[dict] = None) -> go.Figure:
    """The Gantt chart: backend lanes, session bands with markers, queue depth; one time axis.

    ``spans`` is the run's spans table (the bands). ``tenants`` and ``backends`` give colour and
    lane order (default: as they appear).
    ``webgl`` forces the renderer; by default WebGL is used above WEBGL_THRESHOLD jobs.
    ``system`` (the run's system table: calibration, maintenance, reservation) draws system work
    and reservations on the backend rows. ``lanes`` (backend -> lanes, R19) sets the "lanes in
    use" row's capacity lines; that row is drawn when a backend has more than one lane or a job
    has a classical stage (or a wait for the QPU), and left out otherwise.
    """
    tenants = tenants or list(dict.fromkeys(jobs["tenant"]))
    backends = backends or list(dict.fromkeys(jobs["backend"]))
    colors = tenant_colors(tenants)
    if webgl is None:
        webgl = len(jobs) > WEBGL_THRESHOLD
    markers = session_markers(events, sessions)
    depth = queue_depth(jobs)
    is_staged = staged(jobs)
    if system is not None and len(system):
        system = system[system["backend"].isin(set(backends))]
    has_system = system is not None and len(system) > 0
    show_lanes = has_classical_stage(jobs) or (
        any(int(lanes.get(b, 1)) > 1 for b in backends) if lanes is not None
        else is_staged and bool((lanes_busy(jobs)["busy"] > 1).any()))
    session_ids = list(sessions["session_id"]) if len(sessions) else []
    n_sessions = max(1, len(session_ids))
    lanes_n = max(1, len(backends))
    # Rows: backends, [lanes in use], sessions, queue depth.
    r_back, r_lanes = 1, 2 if show_lanes else None
    r_sess = 3 if show_lanes else 2
    r_queue = r_sess + 1
    if is_staged:
        back_title = ("Backends, a track per lane: light = classical stage, line = waiting "
                      "for the QPU, solid = QPU stage")
    else:
        back_title = "Backends: a bar per job, coloured by tenant; hatched = session job"
    if has_system and not is_staged:
        if system["kind"].isin(SYSTEM_STYLE).any():
            back_title += "; grey = system work"
        if (system["kind"] == "reservation").any():
            back_title += "; outlined band = reservation"
    titles = [back_title] + (["Lanes in use (jobs holding a lane: start to end, R19)"]
                             if show_lanes else []) + [
        "Sessions" if session_ids else "Sessions (none in this run)", "Queue depth per backend"]
    heights = ([0.55, 0.14] if show_lanes else [0.5]) + [0.3 if session_ids else 0.08, 0.2]
    fig = make_subplots(
        rows=len(titles), cols=1, shared_xaxes=True, vertical_spacing=0.06,
        row_heights=heights, subplot_titles=titles)
    lane_of = {b: len(backends) - 1 - i for i, b in enumerate(backends)}  # first on top
    n_tracks = {b: 1 for b in backends}
    if is_staged:
        slots = lane_slots(jobs)
        n_tracks |= {b: int(v) + 1 for b, v in slots.groupby(jobs["backend"]).max().dropna()
                     .items() if b in n_tracks}
    # Segment widths in pixels follow the room each lane or session row gets.
    most = max(n_tracks.values(), default=1)
    room = 34 * lanes_n * (1 + 0.5 * (most - 1))
    height = min(max(260 + room + (28 * n_sessions if session_ids else 0) + 160
                     + (120 if show_lanes else 0), 520), 1400)
    plot_px = height - 160
    lane_px = max(4.0, min(40.0, 0.6 * plot_px * 0.5 / lanes_n))
    row_px = max(1.0, min(8.0, 0.6 * plot_px * 0.3 / n_sessions))
    if has_system:
        _system_traces(fig, system, colors, webgl, row=r_back, rows_y=lane_of, lane_px=lane_px)
    if is_staged:
        _staged_job_traces(fig, jobs, colors, webgl, row=r_back, rows_y=lane_of,
                           n_tracks=n_tracks, lane_px=lane_px)
    else:
        _job_traces(fig, jobs, colors, webgl, row=r_back, lanes=lane_of, lane_px=lane_px)
    rows_of = {sid: len(session_ids) - 1 - i for i, sid in enumerate(session_ids)}
    if webgl:
        _session_traces_gl(fig, spans, markers, row=r_sess, rows_of=rows_of, row_px=row_px)
    else:
        _session_traces(fig, spans, markers, row=r_sess)
    for i, b in enumerate(backends):
        d = depth[depth["backend"] == b]
        if d.empty:
            continue
        t, dep = d["time"].to_numpy(float), d["depth"].to_numpy()
        if webgl:
            t, dep = _downsample_steps(t, dep)
        # SVG even for large runs: after downsampling it is a few thousand points, and one
        # more WebGL subplot costs more to set up than it saves.
        # Our colours, not the theme's colorway: those are not checked against the tenants'.
        line = {"shape": "hv", "width": 1.5,
                "color": BACKEND_LINE_COLORS[i % len(BACKEND_LINE_COLORS)]}
        fig.add_trace(go.Scatter(
            x=t.astype(np.float32) if webgl else t,
            y=dep.astype(np.int32), mode="lines", line=line,
            name=f"queue {b}", legendgroup="queue", legendgrouptitle_text="queue depth",
            hovertemplate=f"{b}: %{{y}} queued at %{{x:.1f}} s<extra></extra>"),
            row=r_queue, col=1)
    if show_lanes:
        _lanes_traces(fig, jobs, backends, lanes, webgl, row=r_lanes)
    if webgl:
        fig.update_yaxes(type="linear", tickvals=list(lane_of.values()),
                         ticktext=list(lane_of), range=[-0.6, len(backends) - 0.4],
                         row=r_back, col=1, title_text="backend")
    else:
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(backends)),
                         type="category", row=r_back, col=1, title_text="backend")
    if webgl:
        many = len(session_ids) > 40
        fig.update_yaxes(type="linear", tickvals=[] if many else list(rows_of.values()),
                         ticktext=[] if many else list(rows_of),
                         range=[-0.8, max(len(session_ids), 1) - 0.2], row=r_sess, col=1,
                         title_text=f"{len(session_ids):,} sessions" if many else "session",
                         visible=bool(session_ids), showgrid=False, zeroline=False)
    else:
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(session_ids)),
                         type="category", row=r_sess, col=1, title_text="session",
                         visible=bool(session_ids))
    fig.update_yaxes(title_text="queued", rangemode="tozero", row=r_queue, col=1)
    # No range slider under the chart: the page's window slider chooses the stretch drawn, and
    # a drag zooms within it (a range slider also cost a quarter of the chart's draw).
    fig.update_xaxes(title_text="simulated time (s)", row=r_queue, col=1)
    fig.update_layout(
        barmode="overlay", height=height, hovermode="closest",
        dragmode="zoom", legend={"groupclick": "toggleitem", "tracegroupgap": 8},
        margin={"l": 10, "r": 10, "t": 60 if title else 40, "b": 10},
        title=title, uirevision="timeline")
    return fig


def _lanes_traces(fig: go.Figure, jobs: pd.DataFrame, backends: list[str],
                  lanes: Optional[dict], webgl: bool, row: int) -> None:
    """Lanes busy per backend (a step line), with its number of lanes as a dotted line."""
    busy = lanes_busy(jobs)
    top = 1
    x_end = float(np.nanmax([jobs["end_time"].max(), jobs["submit_time"].max(), 0.0])) \
        if len(jobs) else 0.0
    for i, b in enumerate(backends):
        color = BACKEND_LINE_COLORS[i % len(BACKEND_LINE_COLORS)]
        d = busy[busy["backend"] == b]
        if len(d):
            t, n = d["time"].to_numpy(float), d["busy"].to_numpy()
            top = max(top, int(n.max()))
            if webgl:
                t, n = _downsample_steps(t, n)
            fig.add_trace(go.Scatter(
                x=t, y=n.astype(np.int32), mode="lines", line={"shape": "hv", "width": 1.5,
                                                               "color": color},
                name=f"lanes {b}", legendgroup="lanes", legendgrouptitle_text="lanes in use",
                hovertemplate=f"{b}: %{{y}} lane(s) busy from %{{x:.1f}} s<extra></extra>"),
                row=row, col=1)
        if lanes and b in lanes:
            cap = int(lanes[b])
            top = max(top, cap)
            fig.add_trace(go.Scatter(
                x=[0.0, x_end], y=[cap, cap], mode="lines",
                line={"dash": "dot", "width": 1, "color": color},
                name=f"{b}: {cap} lane{'s' if cap != 1 else ''}", legendgroup="lanes",
                hovertemplate=f"{b} has {cap} lane(s)<extra></extra>"), row=row, col=1)
    fig.update_yaxes(title_text="lanes", range=[0, top + 0.5], dtick=1 if top <= 6 else None,
                     row=row, col=1)


# --------------------------------------------------------------------------- results

def counts_histogram(counts: dict, title: str = "", top: int = 32) -> go.Figure:
    """A bar per outcome bitstring (the ``top`` most frequent, in bitstring order)."""
    items = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    items.sort()
    fig = go.Figure(go.Bar(x=[k for k, _ in items], y=[v for _, v in items],
                           marker_color=PALETTE[0],
                           hovertemplate="%{x}: %{y} shots<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="outcome", yaxis_title="shots", height=320,
                      xaxis_type="category", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def iteration_values(iterations: pd.DataFrame, clients: pd.DataFrame, *,
                     against: str = "iteration") -> go.Figure:
    """Each interactive client's value per step, against the step or against simulated time
    (``against="time"``, at each result). A dashed line marks a client's target."""
    fig = go.Figure()
    x_col = "iteration" if against == "iteration" else "result_time"
    for i, (cid, g) in enumerate(iterations.groupby("client_id", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(
            x=g[x_col], y=g["value"], mode="lines+markers", name=str(cid),
            line={"color": color}, customdata=np.column_stack([g["job_id"], g["iteration"]]),
            hovertemplate=(f"{cid}<br>step %{{customdata[1]}} (job %{{customdata[0]}})<br>"
                           "value %{y:.4f}<br>x %{x:.1f}<extra></extra>")))
    if len(clients) and "target" in clients:
        for target in clients["target"].dropna().unique():
            fig.add_hline(y=float(target), line_dash="dash", line_color=NEUTRAL,
                          annotation_text=f"target {float(target):g}")
    fig.update_layout(
        xaxis_title="iteration" if against == "iteration" else "simulated time (s)",
        yaxis_title="value (energy or cut cost)", height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend_title_text="client")
    return fig


def tenant_shares(tenants: pd.DataFrame) -> go.Figure:
    """Allocation against achieved share (all usage) and contended share, per tenant."""
    fig = go.Figure()
    for col, name, color in (("allocation", "allocation", "#BAB0AC"),
                             ("achieved_share", "achieved (all usage)", PALETTE[0]),
                             ("contended_share", "achieved while contended", PALETTE[1])):
        if col in tenants:
            fig.add_trace(go.Bar(x=tenants["tenant"], y=tenants[col] * 100, name=name,
                                 marker_color=color,
                                 hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", yaxis_title="share of QPU time (%)", height=340,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def tenant_waits(tenants: pd.DataFrame) -> go.Figure:
    """Mean, median and 95th-percentile wait per tenant."""
    fig = go.Figure()
    for col, name, color in (("wait_mean", "mean", PALETTE[0]), ("wait_p50", "p50", PALETTE[2]),
                             ("wait_p95", "p95", PALETTE[4])):
        fig.add_trace(go.Bar(x=tenants["tenant"], y=tenants[col], name=name, marker_color=color,
                             hovertemplate="%{x}: %{y:.1f} s<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", yaxis_title="wait (s)", height=340,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def session_time_split(session_metrics: pd.DataFrame) -> go.Figure:
    """Per session: QPU time of its jobs against reserved-idle time (held, no job)."""
    sm = session_metrics
    fig = go.Figure()
    fig.add_trace(go.Bar(x=sm["session_id"], y=sm["qpu_time"], name="jobs on the QPU",
                         marker_color=SPAN_STYLE["running"][0]))
    fig.add_trace(go.Bar(x=sm["session_id"], y=sm["reserved_idle"], name="reserved idle",
                         marker_color=SPAN_STYLE["reserved idle"][0]))
    fig.update_layout(barmode="stack", yaxis_title="seconds", height=340,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig
