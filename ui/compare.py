"""What a sweep says, with replication: pure functions for the Compare page (no Streamlit).

A sweep varies one or more fields; each variant runs over several seeds (replicates). Its table
(engine.sweep.table: one row per run) is summarised per variant: the mean of each metric over
the seeds and its 95% confidence interval (Student's t, n - 1 degrees of freedom; none with one
seed), per tenant too. Charts are small multiples, one metric per panel with error bars: no two
metrics share an axis, so none can autoscale onto another, and a metric that does not change
draws as a flat row of points, not a degenerate cloud. :func:`reading` says the trade-off in one
sentence with its numbers.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.metrics import interval

from . import figures

SEED = "seed"
# The metrics a sweep is read by: (column of engine.sweep.table, words, unit).
METRICS = [
    ("time_to_solution", "session time to solution", "s"),
    ("background_wait_p95", "background jobs' p95 wait", "s"),
    ("wait_mean", "mean wait, all jobs", "s"),
    ("utilisation", "mean backend utilisation", "%"),
    ("reserved_idle", "reserved idle, all backends", "s"),
    ("session_wait_p95", "worst session's p95 wait", "s"),
]
TENANT_METRICS = [("wait_mean", "mean wait", "s"), ("wait_p95", "p95 wait", "s"),
                  ("achieved_share", "achieved share", "%")]


def label_of(assignment: dict, fields: Iterable[str]) -> str:
    """A variant named by what changed: ``interactive_timeout=60, tenants[0].share=2``."""
    return ", ".join(f"{f}={assignment[f]}" for f in fields if f != SEED) or "as it is"


def summarise(table: pd.DataFrame, fields: list[str],
              metrics: Optional[list] = None) -> pd.DataFrame:
    """Per variant (in the order first met) and metric: mean, ci (half-width), low, high, n.
    Failed runs are left out of the statistics (``n`` says how many counted)."""
    metrics = metrics or METRICS
    ok = table[table["status"] == "ok"] if "status" in table else table
    labels = table.apply(lambda r: label_of(r, fields), axis=1)
    rows = []
    for variant in dict.fromkeys(labels):
        g = ok[labels[ok.index] == variant]
        for col, words, unit in metrics:
            if col not in g:
                continue
            scale = 100.0 if unit == "%" else 1.0
            mean, half, n = interval(pd.to_numeric(g[col], errors="coerce") * scale)
            rows.append({"variant": variant, "metric": col, "words": words, "unit": unit,
                         "mean": mean, "ci": half, "low": mean - half, "high": mean + half,
                         "n": n})
    return pd.DataFrame(rows)


def tenant_summary(assignments: list[dict], results: list, fields: list[str]) -> pd.DataFrame:
    """Per variant and tenant: mean and 95% interval of each tenant metric over the seeds."""
    from engine.sweep import succeeded

    frames = []
    for a, r in zip(assignments, results):
        if succeeded(r):
            t = r.tenants.copy()
            t["variant"] = label_of(a, fields)
            frames.append(t)
    if not frames:
        return pd.DataFrame(columns=["variant", "tenant", "metric", "mean", "ci", "n"])
    all_t = pd.concat(frames, ignore_index=True)
    rows = []
    for (variant, tenant), g in all_t.groupby(["variant", "tenant"], sort=False):
        for col, words, unit in TENANT_METRICS:
            scale = 100.0 if unit == "%" else 1.0
            mean, half, n = interval(pd.to_numeric(g[col], errors="coerce") * scale)
            rows.append({"variant": variant, "tenant": tenant, "metric": col, "words": words,
                         "unit": unit, "mean": mean, "ci": half, "n": n})
    return pd.DataFrame(rows)


def _shown(x: float, unit: str) -> str:
    return "n/a" if not np.isfinite(x) else (f"{x:.1f}%" if unit == "%" else f"{x:,.1f} s")


def metrics_figure(summary: pd.DataFrame, columns: int = 3) -> go.Figure:
    """One panel per metric: a point per variant with its 95% interval."""
    metrics = list(dict.fromkeys(summary["metric"]))
    rows = math.ceil(len(metrics) / columns) or 1
    words = dict(zip(summary["metric"], summary["words"]))
    units = dict(zip(summary["metric"], summary["unit"]))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[
        f"{words[m]} ({units[m]})" for m in metrics], vertical_spacing=0.22,
        horizontal_spacing=0.08)
    for i, m in enumerate(metrics):
        s = summary[summary["metric"] == m]
        err = s["ci"].fillna(0.0)
        fig.add_trace(go.Scatter(
            x=s["variant"], y=s["mean"], mode="markers+lines",
            marker={"size": 9, "color": figures.PALETTE[0]},
            line={"width": 1, "color": figures.NEUTRAL},
            error_y={"type": "data", "array": err, "visible": True, "thickness": 1.5},
            customdata=np.stack([s["ci"].to_numpy(float), s["n"].to_numpy(float)], axis=1),
            hovertemplate="%{x}<br>%{y:,.1f} ± %{customdata[0]:,.1f} (95%, "
                          "%{customdata[1]} seeds)<extra></extra>",
            showlegend=False), row=i // columns + 1, col=i % columns + 1)
    fig.update_xaxes(type="category")
    fig.update_layout(height=300 * rows, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def tenants_figure(tsum: pd.DataFrame, metric: str = "wait_mean") -> go.Figure:
    """Per tenant, a bar per variant (its mean over the seeds, with its 95% interval)."""
    s = tsum[tsum["metric"] == metric]
    fig = go.Figure()
    for i, variant in enumerate(dict.fromkeys(s["variant"])):
        v = s[s["variant"] == variant]
        fig.add_trace(go.Bar(
            x=v["tenant"], y=v["mean"], name=variant,
            marker_color=figures.PALETTE[i % len(figures.PALETTE)],
            error_y={"type": "data", "array": v["ci"].fillna(0.0), "visible": True},
            hovertemplate=f"{variant}<br>%{{x}}: %{{y:,.1f}}<extra></extra>"))
    unit = s["unit"].iloc[0] if len(s) else ""
    words = s["words"].iloc[0] if len(s) else metric
    fig.update_layout(barmode="group", height=340, yaxis_title=f"{words} ({unit})",
                      margin={"l": 10, "r": 10, "t": 20, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def reading(summary: pd.DataFrame) -> str:
    """The trade-off in one sentence: from the first variant to the last, what the session
    users gain and what everyone else pays, with the numbers and whether the intervals
    overlap."""
    variants = list(dict.fromkeys(summary["variant"]))
    if len(variants) < 2:
        return "One variant: nothing to compare."
    a, b = variants[0], variants[-1]
    parts = []
    for col in ("time_to_solution", "background_wait_p95", "utilisation"):
        s = summary[summary["metric"] == col].set_index("variant")
        if a not in s.index or b not in s.index or not np.isfinite(s.loc[a, "mean"]):
            continue
        ra, rb = s.loc[a], s.loc[b]
        unit = ra["unit"]
        sep = not (np.isfinite(ra["ci"]) and np.isfinite(rb["ci"])
                   and ra["high"] >= rb["low"] and rb["high"] >= ra["low"])
        change = ("rises" if rb["mean"] > ra["mean"] else "falls" if rb["mean"] < ra["mean"]
                  else "stays")
        ci_a = f" ± {ra['ci']:,.1f}" if np.isfinite(ra["ci"]) else ""
        ci_b = f" ± {rb['ci']:,.1f}" if np.isfinite(rb["ci"]) else ""
        if change == "stays":
            parts.append(f"{ra['words']} stays at {_shown(ra['mean'], unit)}")
            continue
        parts.append(f"{ra['words']} {change} from {_shown(ra['mean'], unit)}{ci_a} to "
                     f"{_shown(rb['mean'], unit)}{ci_b}"
                     + ("" if sep else " (within the noise: the intervals overlap)"))
    if not parts:
        return f"From {a} to {b}: no metric to compare."
    n = int(summary["n"].max())
    seeds = f"means of {n} seeds, 95% intervals" if n > 1 else "one seed each: no intervals"
    return f"From {a} to {b}, " + "; ".join(parts) + f" ({seeds})."
