"""The wait-time estimate's chart: a pure function of the estimate's replications.

Two step curves (the share of all the replications whose first job had started, and whose last
result had come, by each instant: one that never did keeps its curve under 100%), the submission as a dashed line, and the P50 and P90 of each marked
where the curve crosses them. People read "by when, how likely" from it at a glance.
"""

from __future__ import annotations

import plotly.graph_objects as go

from engine.estimate import QUANTILES, WaitEstimate

COLOURS = {"start": "#0072B2", "result": "#D55E00"}      # Okabe-Ito blue and vermilion


def _curve(values: list, n: int) -> tuple[list, list]:
    """An empirical distribution as a step curve: x the sorted values, y the share of all ``n``
    replications by x (those that never got there never count: the curve stops short of 1)."""
    xs = sorted(values)
    return xs, [(i + 1) / n for i in range(len(xs))]


def wait_figure(est: WaitEstimate) -> go.Figure:
    fig = go.Figure()
    n = len(est.replications)
    for name, attr, q in (("start", "start", est.start), ("result", "end", est.completion)):
        values = [getattr(r, attr) for r in est.replications if getattr(r, attr) is not None]
        if not values:
            continue
        xs, ys = _curve(values, n)
        label = "first job starts" if name == "start" else "last result"
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers", line={"shape": "hv", "color": COLOURS[name]},
            name=label, hovertemplate=f"{label} by %{{x:,.1f}} s in %{{y:.0%}} of "
                                      f"{n} replications<extra></extra>"))
        for level, value in zip(QUANTILES, (q.p50, q.p90)):
            fig.add_trace(go.Scatter(
                x=[value], y=[level], mode="markers+text", showlegend=False,
                marker={"symbol": "diamond", "size": 10, "color": COLOURS[name]},
                text=[f"P{round(level * 100)} {value:,.0f} s"],
                textposition="middle right" if level < 0.75 else "middle left",
                hovertemplate=f"{label}: P{round(level * 100)} = %{{x:,.1f}} s<extra></extra>"))
    fig.add_vline(x=est.probe.at, line={"dash": "dash", "color": "#666"},
                  annotation_text="submitted", annotation_position="top left")
    fig.update_layout(
        title=f"When your work starts and ends ({n} replications)",
        xaxis_title="simulated time (s)", yaxis_title="share of replications by then",
        yaxis={"range": [0, 1.05], "tickformat": ".0%"}, height=380,
        legend={"orientation": "h", "y": -0.25}, margin={"t": 50, "b": 40})
    return fig
