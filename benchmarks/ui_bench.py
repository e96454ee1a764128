"""Dashboard speed: the timeline figure's build and serialisation time and JSON size for 1k, 10k
and 50k jobs, and the time from opening the page to a drawn Gantt chart in Chromium. Prints
figures; asserts nothing."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import plotly.io as pio
import yaml

import engine_bench
from engine import run_scenario, validate_scenario
from ui import figures

ROOT = Path(__file__).resolve().parent.parent


def trace_of(jobs: int):
    """A real run of `jobs` jobs (engine_bench's large scenario, scaled), as the app sees it."""
    doc = engine_bench.large_scenario(total_jobs=jobs, sessions=max(1, jobs // 100))
    return doc, run_scenario(validate_scenario(doc))


def figure_cost(result, repeats: int = 3) -> dict:
    """Best-of build time (figures.timeline) and serialisation time (what st.plotly_chart
    sends: the figure's JSON) and its size."""
    build, ser, size = [], [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        fig = figures.timeline(result.jobs, result.sessions, result.events, result.spans)
        t1 = time.perf_counter()
        text = pio.to_json(fig, validate=False)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        ser.append(t2 - t1)
        size = len(text.encode())
    return {"build_s": min(build), "json_s": min(ser), "total_s": min(build) + min(ser),
            "bytes": size, "webgl": len(result.jobs) > figures.WEBGL_THRESHOLD}


def browser_time_to_gantt(scenario_path: str | None) -> dict:
    """Start the app on `scenario_path` (None: the default) and time, in Chromium, from
    page.goto to the first drawn Gantt chart (its plot data present and painted)."""
    sys.path.insert(0, str(ROOT))
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, start_app
    from playwright.sync_api import sync_playwright

    env_before = os.environ.get("SESSION_LAB_SCENARIO")
    if scenario_path:
        os.environ["SESSION_LAB_SCENARIO"] = scenario_path
    port = free_port()
    proc = start_app(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first = _time_to_gantt(browser, port)   # the server simulates, then draws
            warm = _time_to_gantt(browser, port)    # the run is cached: figure and drawing
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if env_before is None:
            os.environ.pop("SESSION_LAB_SCENARIO", None)
        else:
            os.environ["SESSION_LAB_SCENARIO"] = env_before
    return {"first_s": first, "warm_s": warm}


def _time_to_gantt(browser, port: int) -> float:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    t0 = time.perf_counter()
    page.goto(f"http://127.0.0.1:{port}")
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot');"
        " return p && p.data && p.data.length > 0 && p._fullLayout; }", timeout=300_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
    took = time.perf_counter() - t0
    page.close()
    return took


def big_scenario_file(jobs: int) -> str:
    doc = engine_bench.large_scenario(total_jobs=jobs, sessions=max(1, jobs // 100))
    doc["name"] = f"bench-{jobs // 1000}k"
    path = Path(tempfile.mkdtemp()) / f"bench-{jobs}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)
