"""The Compare page with a sweep in which one variant failed: the failure is shown with its
message, the variant that ran is drawn, and only it can be kept in the run store."""

from __future__ import annotations

from pathlib import Path

from engine import load_scenario, run_scenario
from engine import sweep
from tests.test_app import app, charts, navigation_mode  # noqa: F401 (an autouse fixture)
from ui import runs

ROOT = Path(__file__).resolve().parents[1]


def test_compare_page_shows_a_failed_variant_and_draws_the_one_that_ran():
    plan = sweep.variants(load_scenario(ROOT / "scenarios" / "max-time.yaml"),
                          [("seed", [1, 2])])
    ran = run_scenario(plan[0][1])
    failed = sweep.Failed("seed = 2: refused by the test")
    at = app("pages/compare.py")
    at.session_state["sweep"] = (["seed"], [a for a, _ in plan], [ran, failed])
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["1 of 2 runs failed; the others are shown below."]
    shown = [df.value for df in at.dataframe if "error" in df.value.columns]
    assert len(shown) == 1
    assert shown[0].to_dict("records") == [{"seed": 2, "error": "seed = 2: refused by the test"}]
    # The metrics panels, the tenants chart and one timeline: the variant that ran.
    assert len(charts(at)) == 3
    before = len(runs.store().list())
    at.button(key="sw_keep").click().run()
    assert not at.exception
    kept = runs.store().list()
    assert len(kept) == before + 1
    assert kept.iloc[0]["name"] == ran.scenario.name


def test_the_dask_scheduler_is_the_servers_setting_not_a_browser_field(monkeypatch):
    monkeypatch.delenv("SESSION_LAB_DASK", raising=False)
    at = app("pages/compare.py")
    at.run()
    assert not at.exception, at.exception
    assert not [t for t in at.text_input if t.key == "sw_dask"]      # no address to type
    assert any("in its own process" in c.value for c in at.caption)
    workers = at.number_input(key="sw_workers")
    import os

    assert workers.max == (os.cpu_count() or 1)
    monkeypatch.setenv("SESSION_LAB_DASK", "tcp://127.0.0.1:8786")
    at = app("pages/compare.py")
    at.run()
    assert any("tcp://127.0.0.1:8786" in c.value for c in at.caption)
