"""The overview of a large run and the window drawn in detail (ui/overview.py, the timeline
page): exact binned QPU time and session states on hand-worked cases, the window's contents at
its edges, the budget, and the page switching to the overview past it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine import events as ev
from tests.test_app import ROOT, charts
from ui import overview, runs


def jobs_frame(rows) -> pd.DataFrame:
    """(job_id, tenant, backend, submit, start, end) rows as a jobs table."""
    df = pd.DataFrame(rows, columns=["job_id", "tenant", "backend", "submit_time", "start_time",
                                     "end_time"])
    df["qpu_start_time"] = df["start_time"]
    df["qpu_end_time"] = df["end_time"]
    df["finished_at"] = df["end_time"]
    df["session_id"] = None
    return df


def test_covered_time_per_bin_by_hand():
    # [0, 10) and [5, 15) over bins of 5 s: 5, 5+5, 5, 0.
    got = overview._covered(np.array([0.0, 5.0]), np.array([10.0, 15.0]),
                            np.array([0.0, 5.0, 10.0, 15.0, 20.0]))
    assert got.tolist() == [5.0, 10.0, 5.0, 0.0]
    # An interval inside one bin, one across three, one of zero length.
    got = overview._covered(np.array([1.0, 4.0, 7.0]), np.array([2.0, 16.0, 7.0]),
                            np.array([0.0, 5.0, 10.0, 15.0, 20.0]))
    assert got.tolist() == [1.0 + 1.0, 5.0, 5.0, 1.0]


def test_busy_by_tenant_is_exact_and_conserves_qpu_time():
    jobs = jobs_frame([("a1", "a", "q", 0, 0, 3), ("b1", "b", "q", 0, 3, 8),
                       ("a2", "a", "q", 1, 8, 10), ("x", "a", "q", 2, None, None)])
    edges = np.array([0.0, 5.0, 10.0])
    busy = overview.busy_by_tenant(jobs, edges)
    assert busy[("q", "a")].tolist() == [3.0, 2.0]
    assert busy[("q", "b")].tolist() == [2.0, 3.0]
    big = runs.run(runs.validate(runs.builtin("unequal-shares")))
    edges = overview.edges_of(0.0, overview.run_end(big.jobs), 97)
    total = sum(v.sum() for v in overview.busy_by_tenant(big.jobs, edges).values())
    q = overview.qpu_intervals(big.jobs)
    assert total == pytest.approx((q["end"] - q["start"]).sum(), rel=1e-12)


def test_sessions_by_state_is_the_mean_number_in_each_bin():
    spans = pd.DataFrame({"session_id": ["s1", "s2", "s1"],
                          "kind": [ev.RUNNING, ev.RUNNING, ev.RESERVED_IDLE],
                          "start": [0.0, 2.0, 4.0], "end": [4.0, 6.0, 10.0]})
    got = overview.sessions_by_state(spans, np.array([0.0, 5.0, 10.0]))
    assert got[ev.RUNNING].tolist() == [(4 + 3) / 5, 1 / 5]
    assert got[ev.RESERVED_IDLE].tolist() == [1 / 5, 1.0]


def test_a_window_holds_every_job_alive_in_it_edges_included():
    jobs = jobs_frame([("before", "a", "q", 0, 0, 5), ("at_t0", "a", "q", 0, 5, 10),
                       ("inside", "a", "q", 11, 12, 13), ("at_t1", "a", "q", 20, 21, 22),
                       ("after", "a", "q", 21, 22, 23), ("queued", "a", "q", 1, None, None)])
    jobs.loc[jobs["job_id"] == "queued", "finished_at"] = 30.0   # cancelled at 30, unstarted
    got = set(jobs[overview.in_window(jobs, 10.0, 20.0)]["job_id"])
    assert got == {"at_t0", "inside", "at_t1", "queued"}


def test_the_default_window_keeps_to_the_budget():
    jobs = jobs_frame([(f"j{i}", "a", "q", float(i), float(i), float(i) + 0.5)
                       for i in range(1000)])
    t0, t1 = overview.default_window(jobs, budget=100)
    assert t0 == 0.0 and 0 < overview.count_in_window(jobs, t0, t1) <= 100
    assert overview.default_window(jobs.head(50), budget=100) == (0.0, 49.5)


def test_the_overview_figure_stacks_each_backend_by_tenant_and_shades_the_window():
    result = runs.run(runs.validate(runs.builtin("unequal-shares")))
    tenants = [t.name for t in result.scenario.tenants]
    backends = [b.name for b in result.scenario.backends]
    fig = overview.figure(result.jobs, result.spans, tenants=tenants, backends=backends,
                          window=(100.0, 200.0), bins=50)
    stacked = [t for t in fig.data if t.stackgroup == "busy1"]
    assert {t.name for t in stacked} == set(result.jobs["tenant"])
    share = np.sum([np.asarray(t.y, float) for t in stacked], axis=0)
    assert share.max() <= 1.0 + 1e-3 and len(share) == 50   # a QPU is busy at most all the time
    assert len(fig.layout.shapes) == len(backends) + 2       # the window, on every row
    assert fig.layout.shapes[0].x0 == 100.0 and fig.layout.shapes[0].x1 == 200.0


def timeline_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/timeline.py")
    at.run()
    return at


def test_past_the_budget_the_page_draws_the_overview_and_a_window(monkeypatch):
    monkeypatch.setattr(overview, "DETAIL_BUDGET", 40)
    at = timeline_app()
    assert not at.exception
    figs = charts(at)
    assert len(figs) == 2                                   # the overview, then the window
    assert any(t.get("stackgroup") == "busy1" for t in figs[0]["data"])
    slider = next(s for s in at.slider if s.key.startswith("tl_window_"))
    t0, t1 = slider.value
    result = at.session_state["run"]
    end = overview.run_end(result.jobs)
    assert t0 == 0.0 and 0 < t1 < end
    assert figs[1]["layout"]["xaxis"]["range"] == [t0, t1]
    drawn = {cd[0] for t in figs[1]["data"] for cd in (t.get("customdata") or [])
             if isinstance(cd, list) and cd and isinstance(cd[0], str) and "." in cd[0]}
    inside = set(result.jobs[overview.in_window(result.jobs, t0, t1)]["job_id"])
    assert drawn and drawn <= inside                         # the window's bars, exactly
    # A window of more jobs than a click can pick from: drawn, and said.
    monkeypatch.setattr(overview, "CLICK_BUDGET", 5)
    at.run()
    assert not at.exception and len(charts(at)) == 2
    assert any("to pick a job by clicking its bar" in c.value for c in at.caption)
    # A window holding more than the budget: said, and not drawn.
    slider.set_value((0.0, end)).run()
    assert any("draws at most 40" in w.value for w in at.warning)
    assert len(charts(at)) == 1
    # The window is in the URL.
    assert at.query_params["t0"] == "0" and float(at.query_params["t1"]) == pytest.approx(end)


def test_a_small_run_is_drawn_whole_and_zoom_to_a_job_narrows_it():
    at = timeline_app()
    figs = charts(at)
    assert len(figs) == 1
    end = figs[0]["layout"]["xaxis"]["range"][1]
    at.button(key="zoom_job").click().run()
    t0, t1 = charts(at)[0]["layout"]["xaxis"]["range"]
    assert 0 <= t0 < t1 <= end and t1 - t0 < end
    job = at.session_state[next(k for k in at.session_state if str(k).startswith("story_job_"))]
    row = at.session_state["run"].jobs.set_index("job_id").loc[job]
    assert t0 <= row["submit_time"] and row["end_time"] <= t1


def test_a_window_asked_for_off_the_slider_grid_is_widened_onto_it_never_narrowed():
    at = timeline_app()
    result = at.session_state["run"]
    end = overview.run_end(result.jobs)
    assert end >= 20                        # the grid is a tenth of a second
    at.session_state["timeline_window"] = (12.34, 56.789)     # as the Jobs page asks
    at.run()
    assert not at.exception
    slider = next(s for s in at.slider if s.key.startswith("tl_window_"))
    assert slider.value == (12.3, 56.8)
    assert slider.step == 0.1
    assert charts(at)[0]["layout"]["xaxis"]["range"] == [12.3, 56.8]


def test_the_time_cursor_steps_through_changes_and_reads_the_run_at_that_instant():
    at = timeline_app()
    result = at.session_state["run"]
    cur = next(k for k in at.session_state if str(k).startswith("tl_cursor_")
               and "field" not in str(k))
    # A link's cursor: the reserved idle time of seed-story's vqe session (R6), while others
    # queue and the QPU idles.
    at.session_state["timeline_cursor"] = 700.0
    at.run()
    assert not at.exception
    lines = [m.value for m in at.markdown if m.value.startswith("- **qpu_1**")]
    assert lines == ["- **qpu_1**: QPU idle; 2 queued (research 1, teaching 1); session vqe "
                     "(alice) reserved idle since 665.7 s until 725.7 s."]
    assert at.query_params["at"] == "700"
    # The next change: the reserved idle time running out at 725.685044 (R6), to the digit.
    at.button(key="tl_next").click().run()
    assert at.session_state[cur] == pytest.approx(725.685044, abs=1e-6)
    spans = result.spans
    assert at.session_state[cur] in set(spans["end"])
    at.button(key="tl_prev").click().run()
    assert at.session_state[cur] < 725.685044
    # The chart carries the cursor's line.
    line = [s for s in charts(at)[0]["layout"]["shapes"] if s.get("type") == "line"]
    assert line and line[-1]["x0"] == at.session_state[cur]


def test_link_times_read_back_exactly():
    from ui import links

    for t in (0.0, 700.0, 11545.829083, 250_000.0, 3633.732041, 1e-6):
        text = links._exact(t)
        assert float(text) == t and not text.endswith(".0")
    assert links._exact(0.0) == "0" and links._exact(11545.829083) == "11545.829083"
