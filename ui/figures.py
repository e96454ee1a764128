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
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from plotly.subplots import make_subplots

from engine import events as ev

WEBGL_THRESHOLD = 3000

PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B",
           "#9D755D", "#FF9DA6", "#BAB0AC"]

# Session bands: what each span of the engine's spans table means, and how it is drawn.
SPAN_STYLE = {
    ev.RUNNING: ("#2E7D32", "running: a session job is on the QPU"),
    ev.RESERVED_IDLE: ("#F9A825", "reserved idle: held for the interactive timeout, no job (R6)"),
    ev.INACTIVE: ("#CFD8DC", "inactive: not holding; jobs wait in fair share (R7)"),
    ev.OPEN: ("#E3F2FD", "open: waiting for its first job to start (R4)"),
    ev.BATCH_ACTIVE: ("#B3E5FC", "batch active: its jobs jump the queue, nothing held (R14)"),
}
SPAN_ORDER = list(SPAN_STYLE)

MARKER_STYLE = {  # kind -> (symbol, colour, legend name, words)
    "open": ("circle-open", "#1565C0", "opened", "opened"),
    "start": ("triangle-right", "#1B5E20", "started", "started (first job starts, R4)"),
    "deactivate": ("triangle-down", "#E65100", "deactivated",
                   "deactivated: interactive timeout ran out (R6)"),
    "reactivate": ("triangle-up", "#1B5E20", "reactivated",
                   "reactivated: its job won fair share (R7)"),
    "close requested": ("line-ns-open", "#37474F", "close() called",
                        "close() called; queued jobs still run (R10)"),
    "closed": ("square", "#37474F", "closed", "closed (R10)"),
    "expired": ("x", "#B71C1C", "expired", "expired at its maximum time (R9)"),
    "cancelled": ("diamond", "#B71C1C", "cancelled", "cancelled (R11)"),
}


# --------------------------------------------------------------------------- colours

def tenant_colors(tenants: Iterable[str]) -> dict[str, str]:
    """A stable colour per tenant, in the order given (the scenario's order)."""
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(dict.fromkeys(tenants))}


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
    leave = jobs["start_time"].where(jobs["start_time"].notna(), jobs["finished_at"]
                                     if "finished_at" in jobs else jobs["end_time"])
    leave = leave.fillna(jobs["submit_time"])
    ups = pd.DataFrame({"backend": jobs["backend"], "time": jobs["submit_time"], "d": 1})
    downs = pd.DataFrame({"backend": jobs["backend"], "time": leave, "d": -1})
    steps = pd.concat([ups, downs], ignore_index=True)
    # At one instant, count departures before arrivals: a job that starts on arrival never
    # shows as queued.
    steps = steps.sort_values(["backend", "time", "d"], kind="stable")
    steps["depth"] = steps.groupby("backend")["d"].cumsum()
    last = steps.groupby(["backend", "time"], sort=False).tail(1)
    return last[["backend", "time", "depth"]].reset_index(drop=True)


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


def _short_hover(j: pd.DataFrame) -> np.ndarray:
    """One compact hover line per job, for the WebGL view (keeps 50k jobs small on the wire)."""
    session = j["session_id"].fillna("").astype(str)
    session = np.where(session != "", ", " + session, "")
    status = j["status"].astype(str)
    status = np.where(status != "completed", ", " + status, "")
    return (j["job_id"].astype(str) + " (" + j["tenant"].astype(str) + session + ") waited "
            + j["wait"].astype(float).fillna(0.0).round(0).astype(int).astype(str) + " s, "
            + j["rule"].fillna("-").astype(str) + status).to_numpy()


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
                x=xs, y=ys, mode="lines", line={"color": color, "width": lane_px}, name=tenant,
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
             webgl: Optional[bool] = None, title: Optional[str] = None) -> go.Figure:
    """The Gantt chart: backend lanes, session bands with markers, queue depth; one time axis.

    ``spans`` is the run's spans table (the bands). ``tenants`` and ``backends`` give colour and
    lane order (default: as they appear).
    ``webgl`` forces the renderer; by default WebGL is used above WEBGL_THRESHOLD jobs.
    """
    tenants = tenants or list(dict.fromkeys(jobs["tenant"]))
    backends = backends or list(dict.fromkeys(jobs["backend"]))
    colors = tenant_colors(tenants)
    if webgl is None:
        webgl = len(jobs) > WEBGL_THRESHOLD
    markers = session_markers(events, sessions)
    depth = queue_depth(jobs)
    session_ids = list(sessions["session_id"]) if len(sessions) else []
    n_sessions = max(1, len(session_ids))
    lanes = max(1, len(backends))
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
        row_heights=[0.5, 0.3 if session_ids else 0.08, 0.2],
        subplot_titles=("Backends: a bar per job, coloured by tenant; hatched = session job",
                        "Sessions" if session_ids else "Sessions (none in this run)",
                        "Queue depth per backend"))
    lane_of = {b: len(backends) - 1 - i for i, b in enumerate(backends)}  # first on top
    # Segment widths in pixels follow the room each lane or session row gets.
    height = min(max(260 + 34 * lanes + (28 * n_sessions if session_ids else 0) + 160, 520),
                 1400)
    plot_px = height - 160
    lane_px = max(4.0, min(40.0, 0.6 * plot_px * 0.5 / lanes))
    row_px = max(1.0, min(8.0, 0.6 * plot_px * 0.3 / n_sessions))
    _job_traces(fig, jobs, colors, webgl, row=1, lanes=lane_of, lane_px=lane_px)
    rows_of = {sid: len(session_ids) - 1 - i for i, sid in enumerate(session_ids)}
    if webgl:
        _session_traces_gl(fig, spans, markers, row=2, rows_of=rows_of, row_px=row_px)
    else:
        _session_traces(fig, spans, markers, row=2)
    for i, b in enumerate(backends):
        d = depth[depth["backend"] == b]
        if d.empty:
            continue
        t, dep = d["time"].to_numpy(float), d["depth"].to_numpy()
        if webgl:
            t, dep = _downsample_steps(t, dep)
        # SVG even for large runs: after downsampling it is a few thousand points, and one
        # more WebGL subplot costs more to set up than it saves.
        fig.add_trace(go.Scatter(
            x=t.astype(np.float32) if webgl else t,
            y=dep.astype(np.int32), mode="lines", line={"shape": "hv", "width": 1.5},
            name=f"queue {b}", legendgroup="queue", legendgrouptitle_text="queue depth",
            hovertemplate=f"{b}: %{{y}} queued at %{{x:.1f}} s<extra></extra>"), row=3, col=1)
    if webgl:
        fig.update_yaxes(type="linear", tickvals=list(lane_of.values()),
                         ticktext=list(lane_of), range=[-0.6, len(backends) - 0.4],
                         row=1, col=1, title_text="backend")
    else:
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(backends)),
                         type="category", row=1, col=1, title_text="backend")
    if webgl:
        many = len(session_ids) > 40
        fig.update_yaxes(type="linear", tickvals=[] if many else list(rows_of.values()),
                         ticktext=[] if many else list(rows_of),
                         range=[-0.8, max(len(session_ids), 1) - 0.2], row=2, col=1,
                         title_text=f"{len(session_ids):,} sessions" if many else "session",
                         visible=bool(session_ids), showgrid=False, zeroline=False)
    else:
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(session_ids)),
                         type="category", row=2, col=1, title_text="session",
                         visible=bool(session_ids))
    fig.update_yaxes(title_text="queued", rangemode="tozero", row=3, col=1)
    fig.update_xaxes(title_text="simulated time (s)", row=3, col=1,
                     rangeslider={"visible": True, "thickness": 0.05})
    fig.update_layout(
        barmode="overlay", height=height, hovermode="closest",
        dragmode="zoom", legend={"groupclick": "toggleitem", "tracegroupgap": 8},
        margin={"l": 10, "r": 10, "t": 60 if title else 40, "b": 10},
        title=title, uirevision="timeline")
    return fig


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
            fig.add_hline(y=float(target), line_dash="dash", line_color="#555",
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


# --------------------------------------------------------------------------- comparison

def tradeoff(table: pd.DataFrame, x: str, ys: list[tuple[str, str]],
             title: str = "") -> go.Figure:
    """Metrics of sweep variants (or runs) against one swept field: a line per metric, each on
    its own y axis side when there are two (``ys``: [(column, label), ...])."""
    fig = go.Figure()
    for i, (col, label) in enumerate(ys):
        if col not in table or table[col].isna().all():
            continue
        fig.add_trace(go.Scatter(
            x=table[x], y=table[col], mode="lines+markers", name=label,
            line={"color": PALETTE[i % len(PALETTE)]}, yaxis="y2" if i == 1 else "y",
            hovertemplate=f"{x} %{{x}}<br>{label} %{{y:.1f}}<extra></extra>"))
    layout = {"xaxis_title": x, "yaxis_title": ys[0][1], "height": 340, "title": title,
              "margin": {"l": 10, "r": 10, "t": 40 if title else 20, "b": 10},
              "legend": {"orientation": "h", "y": -0.25}}
    if len(ys) > 1:
        layout["yaxis2"] = {"title": ys[1][1], "overlaying": "y", "side": "right"}
    fig.update_layout(**layout)
    if not pd.api.types.is_numeric_dtype(table[x]):
        fig.update_xaxes(type="category")
    return fig


def reserved_vs_utilisation(table: pd.DataFrame, label: str) -> go.Figure:
    """Reserved-idle seconds against mean backend utilisation, a point per variant or run."""
    fig = go.Figure(go.Scatter(
        x=table["reserved_idle"], y=table["utilisation"] * 100, mode="markers+text",
        text=table[label].astype(str), textposition="top center",
        marker={"size": 12, "color": PALETTE[1]},
        hovertemplate="%{text}<br>reserved idle %{x:.0f} s<br>utilisation %{y:.1f}%"
                      "<extra></extra>"))
    fig.update_layout(xaxis_title="reserved idle (s, all backends)",
                      yaxis_title="mean utilisation (%)", yaxis_tickformat=".1f", height=340,
                      margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return fig
