"""The overview of a run of any size, and the window of it drawn in detail.

A browser cannot take 200k bars: past :data:`DETAIL_BUDGET` jobs the timeline page draws this
overview of the whole run (a fixed number of time bins, whatever the run's size) and the exact
bars of a chosen window only. Pure functions from a run's tables; no Streamlit.

- :func:`busy_by_tenant`: per backend and tenant, the QPU time in each bin (exact: the overlap of
  every job's QPU stage with the bin, from sorted starts and ends and their running sums).
- :func:`sessions_by_state`: per span kind (running, reserved idle, ...), the mean number of
  sessions in that state in each bin (the same overlap arithmetic over the spans table).
- :func:`figure`: those as stacked areas, one row per backend (0 to 1: the share of the bin the
  QPU was busy, by tenant), a row of sessions by state, and the queue depth; the window drawn in
  detail is shaded.
- :func:`window_slice`: the jobs, sessions, events and spans of a window, for
  ``figures.timeline``; :func:`default_window`: a first window within the budget.
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import figures

def _budget() -> int:
    try:
        return max(100, int(os.environ.get("SESSION_LAB_DETAIL_BUDGET", "5000")))
    except ValueError:
        return 5_000


# Jobs drawn bar by bar (SESSION_LAB_DETAIL_BUDGET, default 5,000); beyond it, the overview and
# a window.
DETAIL_BUDGET = _budget()
BINS = 400               # time bins of the overview, whatever the run's length
CLICK_BUDGET = 600       # jobs in a window up to which clicking a bar picks the job
FIRST_WINDOW = 1_000      # jobs submitted in the first window drawn (the page opens fast)


def edges_of(t0: float, t1: float, bins: int = BINS) -> np.ndarray:
    t1 = t1 if t1 > t0 else t0 + 1.0
    return np.linspace(t0, t1, bins + 1)


def _covered(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """For intervals [start, end), the total time they cover inside each bin of ``edges``:
    C(t) = sum over intervals of clip(t - start, 0, end - start), and bin k gets
    C(edges[k+1]) - C(edges[k])."""
    if len(start) == 0:
        return np.zeros(len(edges) - 1)
    s = np.sort(start)
    e = np.sort(end)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    ns = np.searchsorted(s, edges, side="left")     # intervals begun before each edge
    ne = np.searchsorted(e, edges, side="left")     # intervals ended before each edge
    cover = (ns * edges - cs[ns]) - (ne * edges - ce[ne])
    return np.diff(cover)


def qpu_intervals(jobs: pd.DataFrame) -> pd.DataFrame:
    """Each job that held a QPU: backend, tenant, start, end of its QPU stage (R19: the QPU
    stage; a run without stages: the whole run of the job)."""
    start = jobs["qpu_start_time"] if "qpu_start_time" in jobs else jobs["start_time"]
    end = jobs["qpu_end_time"] if "qpu_end_time" in jobs else jobs["end_time"]
    start = start.fillna(jobs["start_time"])
    end = end.fillna(jobs["end_time"])
    ok = start.notna() & end.notna() & (end >= start)
    return pd.DataFrame({"backend": jobs["backend"][ok], "tenant": jobs["tenant"][ok],
                         "start": start[ok].astype(float), "end": end[ok].astype(float)})


def busy_by_tenant(jobs: pd.DataFrame, edges: np.ndarray) -> dict:
    """{(backend, tenant): QPU seconds in each bin}."""
    q = qpu_intervals(jobs)
    out = {}
    for (b, t), g in q.groupby(["backend", "tenant"], sort=False):
        out[(b, t)] = _covered(g["start"].to_numpy(), g["end"].to_numpy(), edges)
    return out


def sessions_by_state(spans: pd.DataFrame, edges: np.ndarray) -> dict:
    """{span kind: mean number of sessions in that state in each bin}."""
    width = np.diff(edges)
    out = {}
    if spans is None or spans.empty:
        return out
    for kind in figures.SPAN_ORDER:
        g = spans[spans["kind"] == kind]
        if len(g):
            out[kind] = _covered(g["start"].to_numpy(float), g["end"].to_numpy(float),
                                 edges) / width
    return out


def run_end(jobs: pd.DataFrame) -> float:
    ends = pd.concat([jobs["end_time"], jobs["finished_at"] if "finished_at" in jobs
                      else jobs["end_time"], jobs["submit_time"]])
    end = float(ends.max()) if len(jobs) and ends.notna().any() else 0.0
    return end if end > 0 else 1.0


def figure(jobs: pd.DataFrame, spans: pd.DataFrame, *, tenants: list[str],
           backends: list[str], window: Optional[tuple[float, float]] = None,
           bins: int = BINS) -> go.Figure:
    """The whole run at a glance: per backend, the share of each time bin its QPU was busy,
    stacked by tenant; sessions by state; queue depth. ``window`` is shaded."""
    end = run_end(jobs)
    edges = edges_of(0.0, end, bins)
    width = np.diff(edges)
    mid = (edges[:-1] + edges[1:]) / 2
    busy = busy_by_tenant(jobs, edges)
    states = sessions_by_state(spans, edges)
    colors = figures.tenant_colors(tenants)
    rows = len(backends) + 2
    heights = [0.6 / max(1, len(backends))] * len(backends) + [0.22, 0.18]
    titles = [f"{b}: QPU busy, by tenant (share of each {width[0]:,.0f} s bin)"
              for b in backends] + ["Sessions by state (mean number in each bin)",
                                    "Queue depth per backend"]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.035,
                        row_heights=heights, subplot_titles=titles)
    x = mid.astype(np.float32)
    for i, b in enumerate(backends, start=1):
        for t in tenants:
            v = busy.get((b, t))
            if v is None:
                continue
            fig.add_trace(go.Scatter(
                x=x, y=np.round(v / width, 4).astype(np.float32), mode="lines",
                stackgroup=f"busy{i}", line={"width": 0.5, "color": colors[t]},
                fillcolor=colors[t], name=t, legendgroup=f"tenant {t}",
                showlegend=i == 1, legendgrouptitle_text="tenants" if i == 1 else None,
                hovertemplate=f"{b}, {t}: %{{y:.0%}} of the bin at %{{x:,.0f}} s<extra></extra>"),
                row=i, col=1)
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=i, col=1, nticks=3)
    r_sess = len(backends) + 1
    for kind, v in states.items():
        color, words = figures.SPAN_STYLE[kind]
        fig.add_trace(go.Scatter(
            x=x, y=np.round(v, 3).astype(np.float32), mode="lines", stackgroup="sessions",
            line={"width": 0.5, "color": color}, fillcolor=color, name=kind,
            legendgroup="sessions", legendgrouptitle_text="sessions",
            hovertemplate=f"{kind}: %{{y:.1f}} sessions at %{{x:,.0f}} s<extra>{words}"
                          f"</extra>"), row=r_sess, col=1)
    fig.update_yaxes(title_text="sessions", rangemode="tozero", row=r_sess, col=1)
    depth = figures.queue_depth(jobs)
    for i, b in enumerate(backends):
        d = depth[depth["backend"] == b]
        if d.empty:
            continue
        t, dep = figures._downsample_steps(d["time"].to_numpy(float), d["depth"].to_numpy(),
                                           bins=bins)
        fig.add_trace(go.Scatter(
            x=t.astype(np.float32), y=dep.astype(np.int32), mode="lines",
            line={"shape": "hv", "width": 1.2,
                  "color": figures.BACKEND_LINE_COLORS[i % len(figures.BACKEND_LINE_COLORS)]},
            name=f"queue {b}", legendgroup="queue", legendgrouptitle_text="queue depth",
            hovertemplate=f"{b}: %{{y}} queued at %{{x:,.0f}} s<extra></extra>"),
            row=rows, col=1)
    fig.update_yaxes(title_text="queued", rangemode="tozero", row=rows, col=1)
    fig.update_xaxes(title_text="simulated time (s)", range=[0, end], row=rows, col=1)
    if window is not None:
        fig.update_layout(shapes=window_shapes(rows, window))
    fig.update_layout(height=min(260 + 70 * len(backends) + 200, 1000), hovermode="x unified",
                      dragmode="select", selectdirection="h",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"groupclick": "toggleitem", "tracegroupgap": 8},
                      uirevision="overview")
    return fig


def window_shapes(rows: int, window: tuple[float, float]) -> list[dict]:
    """The window drawn in detail, shaded on each of the overview's ``rows`` (plain layout
    shapes, so a cached figure's dict takes them without being rebuilt)."""
    out = []
    for r in range(1, rows + 1):
        n = "" if r == 1 else str(r)
        out.append({"type": "rect", "xref": f"x{n}", "yref": f"y{n} domain",
                    "x0": float(window[0]), "x1": float(window[1]), "y0": 0, "y1": 1,
                    "line": {"width": 1, "color": figures.NEUTRAL},
                    "fillcolor": "rgba(140,140,140,0.18)", "layer": "above"})
    return out


def in_window(jobs: pd.DataFrame, t0: float, t1: float) -> pd.Series:
    """Jobs whose life (submission to end, or to leaving unstarted) meets [t0, t1]."""
    end = jobs["end_time"].fillna(jobs["finished_at"] if "finished_at" in jobs
                                  else jobs["submit_time"]).fillna(jobs["submit_time"])
    return (jobs["submit_time"] <= t1) & (end >= t0)


def count_in_window(jobs: pd.DataFrame, t0: float, t1: float) -> int:
    return int(in_window(jobs, t0, t1).sum())


def default_window(jobs: pd.DataFrame, budget: Optional[int] = None) -> tuple[float, float]:
    """A first window for the detail: from the start, as long as it takes for
    :data:`FIRST_WINDOW` jobs to be submitted (or half the ``budget``, default
    :data:`DETAIL_BUDGET`, if less), narrowed until it holds at most ``budget`` jobs."""
    budget = DETAIL_BUDGET if budget is None else budget
    end = run_end(jobs)
    if len(jobs) <= budget:
        return 0.0, end
    submit = np.sort(jobs["submit_time"].to_numpy(float))
    t1 = float(submit[max(0, min(budget // 2, FIRST_WINDOW) - 1)])
    t1 = max(t1, float(submit[0]) + 1e-6)
    while count_in_window(jobs, 0.0, t1) > budget and t1 > submit[0] + 1e-6:
        t1 = submit[0] + (t1 - submit[0]) / 2
    return 0.0, t1


def window_slice(jobs: pd.DataFrame, sessions: pd.DataFrame, events: pd.DataFrame,
                 spans: pd.DataFrame, t0: float, t1: float):
    """The jobs meeting [t0, t1], the sessions whose spans meet it, their events, and the
    spans clipped to nothing (drawn whole; the figure's x range shows the window)."""
    j = jobs[in_window(jobs, t0, t1)]
    if spans is not None and len(spans):
        sp = spans[(spans["start"] <= t1) & (spans["end"] >= t0)]
    else:
        sp = spans
    sids = set(sp["session_id"]) if sp is not None and len(sp) else set()
    sids |= set(j["session_id"].dropna())
    s = sessions[sessions["session_id"].isin(sids)] if len(sessions) else sessions
    e = events[(events["time"] >= t0) & (events["time"] <= t1)
               | (events["session_id"].isin(sids) & events["event"].str.startswith("session_"))]
    if sp is not None and len(sids):
        sp = spans[spans["session_id"].isin(sids) & (spans["start"] <= t1)
                   & (spans["end"] >= t0)]
    return j, s, e, sp
