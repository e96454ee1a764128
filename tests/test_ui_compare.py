"""A sweep's reading (ui/compare.py): variants named by what changed, means with 95% intervals
worked by hand, failed runs left out, the one-sentence trade-off, charts without shared axes,
per-tenant results from real runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from engine import sweep
from ui import compare, runs


def test_a_variant_is_named_by_what_changed():
    a = {"interactive_timeout": 60, "tenants[0].share": 2, "seed": 7}
    assert compare.label_of(a, ["interactive_timeout", "tenants[0].share", "seed"]) == \
        "interactive_timeout=60, tenants[0].share=2"
    assert compare.label_of({"seed": 1}, ["seed"]) == "as it is"


def test_the_interval_by_hand():
    mean, half, n = compare.interval([1.0, 2.0, 3.0])
    # sd = 1, t(0.975, 2 degrees of freedom) = 4.302653, half-width = 4.302653 / sqrt(3).
    assert (mean, n) == (2.0, 3) and half == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert compare.interval([5.0])[:2] == (5.0, pytest.approx(math.nan, nan_ok=True))
    assert math.isnan(compare.interval([None, float("nan")])[0])


def table() -> pd.DataFrame:
    rows = []
    for timeout, tts, bg in ((0, [100, 110, 120], [10, 11, 12]),
                             (300, [50, 52, 54], [30, 33, 36])):
        for seed, (t, b) in enumerate(zip(tts, bg)):
            rows.append({"interactive_timeout": timeout, "seed": seed, "status": "ok",
                         "time_to_solution": t, "background_wait_p95": b,
                         "utilisation": 0.5})
    rows.append({"interactive_timeout": 300, "seed": 3, "status": "failed",
                 "time_to_solution": None, "background_wait_p95": None, "utilisation": None})
    return pd.DataFrame(rows)


def test_summarise_per_variant_leaves_failed_runs_out():
    s = compare.summarise(table(), ["interactive_timeout", "seed"])
    tts = s[s["metric"] == "time_to_solution"].set_index("variant")
    assert list(tts.index) == ["interactive_timeout=0", "interactive_timeout=300"]
    assert tts.loc["interactive_timeout=0", "mean"] == 110.0
    assert tts.loc["interactive_timeout=300", "mean"] == 52.0
    assert tts.loc["interactive_timeout=300", "n"] == 3         # the failed run is not counted
    assert tts.loc["interactive_timeout=0", "ci"] == pytest.approx(
        4.302653 * 10 / math.sqrt(3), rel=1e-6)
    util = s[s["metric"] == "utilisation"].set_index("variant")
    assert util["mean"].tolist() == [50.0, 50.0]                 # a share shown in %


def test_the_reading_says_the_trade_off_with_its_numbers():
    s = compare.summarise(table(), ["interactive_timeout", "seed"])
    text = compare.reading(s)
    assert text.startswith("From interactive_timeout=0 to interactive_timeout=300, ")
    assert "session time to solution falls from 110.0 s ± 24.8 to 52.0 s ± 5.0" in text
    assert "background jobs' p95 wait rises from 11.0 s ± 2.5 to 33.0 s ± 7.5" in text
    assert "mean backend utilisation stays at 50.0%" in text
    assert "within the noise" not in text         # the intervals of the two changes are apart
    close = table()
    close.loc[close["interactive_timeout"] == 300, "background_wait_p95"] = [12.0, 9.0, 13.0, float("nan")]
    assert "rises from 11.0 s ± 2.5 to 11.3 s ± 5.2 (within the noise: the intervals " \
        "overlap)" in compare.reading(compare.summarise(close, ["interactive_timeout", "seed"]))
    assert text.endswith("(means of 3 seeds, 95% intervals).")


def test_one_panel_per_metric_and_no_axis_shared_between_metrics():
    s = compare.summarise(table(), ["interactive_timeout", "seed"])
    fig = compare.metrics_figure(s)
    assert len(fig.data) == s["metric"].nunique()
    axes = {t.yaxis for t in fig.data}
    assert len(axes) == len(fig.data)
    assert not any(getattr(ax, "overlaying", None) for ax in
                   [fig.layout[k] for k in fig.layout if k.startswith("yaxis")])


def test_per_tenant_results_over_seeds_on_real_runs():
    sc = runs.with_folder(runs.validate(runs.builtin("seed-story")))
    plan = sweep.variants(sc, [("interactive_timeout", [0, 300]), ("seed", [1, 2])])
    results = [runs.run(s) for _, s in plan]
    assignments = [a for a, _ in plan]
    t = compare.tenant_summary(assignments, results, ["interactive_timeout", "seed"])
    alice = t[(t["tenant"] == "alice") & (t["metric"] == "wait_mean")].set_index("variant")
    waits = [r.tenants.set_index("tenant").loc["alice", "wait_mean"] for r in results]
    assert alice.loc["interactive_timeout=0", "mean"] == pytest.approx((waits[0] + waits[1]) / 2)
    assert alice.loc["interactive_timeout=300", "n"] == 2
    fig = compare.tenants_figure(t, "wait_mean")
    assert [tr.name for tr in fig.data] == ["interactive_timeout=0", "interactive_timeout=300"]
