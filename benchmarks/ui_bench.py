"""Dashboard speed: the timeline figure's build and serialisation time and JSON size for 1k, 10k
and 50k jobs, and in Chromium the time from opening the page to its charts drawn (the default
scenario; 200k jobs: the overview and a window) and to a window's detail redrawn. Prints
figures; asserts nothing."""

from __future__ import annotations

import statistics
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


def browser_time_to_gantt(scenario_path: str | None, repeats: int = 5,
                          window: bool = False) -> dict:
    """Start the app on `scenario_path` (None: the default) and time, in Chromium, from
    page.goto to the Timeline page's charts drawn: the first visit (the server simulates), then
    the median of `repeats` visits with the run cached, each a new page (a new browser session
    on the server) in one browser context (its static files cached, as a returning user's).
    ``floor``: the median time to Streamlit's own first element (the sidebar), what any page
    costs before our script draws. With ``window``: the median time from moving the window's
    right end to the detail redrawn."""
    sys.path.insert(0, str(ROOT))
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, start_app
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_app(port, {"SESSION_LAB_SCENARIO": scenario_path} if scenario_path else None)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            first, _, _ = _time_to_charts(ctx, port)    # the server simulates, then draws
            time.sleep(3)       # the run's process keeps it and a new spare process warms up
            warm, floors, windows = [], [], []
            for _ in range(repeats):
                took, floor, moved = _time_to_charts(ctx, port, window)
                warm.append(took)
                floors.append(floor)
                if moved is not None:
                    windows.append(moved)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {"first_s": first, "warm_s": statistics.median(warm),
            "floor_s": statistics.median(floors),
            "window_s": statistics.median(windows) if windows else None}


CHARTS_DRAWN = """(n) => { const ps = [...document.querySelectorAll('.js-plotly-plot')];
  return ps.length >= n && ps.every(p => p.data && p.data.length > 0 && p._fullLayout); }"""


def _time_to_charts(ctx, port: int, window: bool = False):
    """(seconds to every chart of the Timeline page drawn, seconds to the sidebar, seconds to
    redraw the detail after a window change or None)."""
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(f"http://127.0.0.1:{port}")
    page.wait_for_selector("[data-testid=stSidebar]", timeout=300_000)
    floor = time.perf_counter() - t0
    # The overview and the window's detail for a large run; the whole chart for a small one.
    page.get_by_text("A job's story").wait_for(timeout=300_000)
    n = 2 if page.get_by_text("Overview of the whole run").count() else 1
    page.wait_for_function(CHARTS_DRAWN, arg=n, timeout=300_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
    took = time.perf_counter() - t0
    moved = None
    if window:
        moved = _time_window_change(page)
    page.close()
    return took, floor, moved


def _time_window_change(page) -> float:
    """Move the window's right end one step left with the keyboard; time until the detail
    chart holds the new range."""
    old = page.evaluate("() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')]"
                        ".pop()._fullLayout.xaxis.range)")
    thumb = page.get_by_role("slider").nth(1)
    t0 = time.perf_counter()
    thumb.focus()
    page.keyboard.press("PageDown")
    page.wait_for_function(
        "(old) => { const p = [...document.querySelectorAll('.js-plotly-plot')].pop();"
        " return p && p._fullLayout && JSON.stringify(p._fullLayout.xaxis.range) !== old; }",
        arg=old, timeout=120_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
    return time.perf_counter() - t0


def big_scenario_file(jobs: int) -> str:
    doc = engine_bench.large_scenario(total_jobs=jobs, sessions=max(1, jobs // 100))
    doc["name"] = f"bench-{jobs // 1000}k"
    path = Path(tempfile.mkdtemp()) / f"bench-{jobs}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


# One chart drawn, of a Plotly app (CHARTS_DRAWN for a single chart).
_ONE_DRAWN = CHARTS_DRAWN.replace("(n) =>", "() =>").replace("ps.length >= n", "ps.length >= 1")

# The reference for the default page: a one-chart Streamlit app, nothing else of ours in it,
# drawn with st.plotly_chart (Streamlit's full plotly.js), with plotly.js's basic bundle (what
# the Timeline uses: ui/plotly_basic.py) and with Vega-Lite (Streamlit's other chart library).
_ONE_CHART = {
    "plotly": ("import plotly.graph_objects as go\n"
               "st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=['a', 'b'], orientation='h')))\n",
               _ONE_DRAWN),
    "plotly-basic": ("import plotly.graph_objects as go\nfrom ui import plotly_basic\n"
                     "plotly_basic.chart(plotly_basic.figure_json(go.Figure(go.Bar(x=[1, 2], "
                     "y=['a', 'b'], orientation='h'))), key='one')\n",
                     _ONE_DRAWN),
    "vega-lite": ("st.vega_lite_chart({'values': [{'x': 1, 'y': 'a'}, {'x': 2, 'y': 'b'}]}, "
                  "{'mark': 'bar', 'encoding': {'x': {'field': 'x', 'type': 'quantitative'}, "
                  "'y': {'field': 'y', 'type': 'nominal'}}})\n",
                  "() => !!document.querySelector("
                  "'[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg')"),
}


def one_chart_floor(repeats: int = 5) -> dict:
    """Median seconds from page.goto to the chart drawn in a Streamlit app holding a title and
    one two-bar chart, per chart library (new pages in one context, as the Timeline's)."""
    sys.path.insert(0, str(ROOT))
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, start_app
    from playwright.sync_api import sync_playwright

    out = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (code, drawn) in _ONE_CHART.items():
            app = Path(tmp) / name / "app.py"
            app.parent.mkdir()
            (app.parent / "static").symlink_to(ROOT / "static")   # served beside the script
            app.write_text("import streamlit as st\nst.title('One chart')\n" + code)
            port = free_port()
            proc = start_app(port, script=str(app))
            try:
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                times = []
                for i in range(repeats + 1):      # the first visit warms the cache: not counted
                    page = ctx.new_page()
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}")
                    page.wait_for_function(drawn, timeout=120_000)
                    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
                    if i:
                        times.append(time.perf_counter() - t0)
                    page.close()
                ctx.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            out[name] = statistics.median(times)
        browser.close()
    return out
