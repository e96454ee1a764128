"""The dashboard in a real browser: Streamlit on 127.0.0.1, Debian's Chromium through Playwright.

Opens the app, waits for the Gantt chart, changes the interactive timeout on the Scenario page,
reruns, and checks that the chart changed. Screenshots of every page land in
test-output/screenshots/ (look at them).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (make test installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, env: dict | None = None, script: str = "app.py") -> subprocess.Popen:
    """Streamlit serving ``script`` (app.py) on 127.0.0.1:port, ready when its health check
    answers. ``env``: settings for the server only, over this process's environment (None:
    unset)."""
    server_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for k, v in (env or {}).items():
        if v is None:
            server_env.pop(k, None)
        else:
            server_env[k] = v
    proc = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=open(os.environ.get("APP_LOG", os.devnull), "w"), stderr=subprocess.STDOUT,
        env=server_env)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("streamlit did not start (set APP_LOG=file to see its output)")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = start_app(port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


GANTT_TRACES = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  return plot && plot.data ? plot.data.map(d => [d.name, d.type]) : null;
}"""


def wait_for_gantt(page, timeout=90_000):
    page.wait_for_selector(".js-plotly-plot .barlayer .point, .js-plotly-plot .scatterlayer",
                           timeout=timeout)
    page.wait_for_function(GANTT_TRACES, timeout=timeout)
    return page.evaluate(GANTT_TRACES)


def settle(page):
    """Wait until Streamlit has finished running the script (it disables navigation while it
    runs) and the page has drawn."""
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stSidebarNavLink\"]').length > 0 &&"
        " !document.querySelector('[data-testid=\"stSidebarNavLink\"][disabled]')",
        timeout=120_000)
    time.sleep(0.7)


def go(page, link: str, marker: str) -> None:
    """Open a page from the navigation and wait until it has drawn ``marker``."""
    page.get_by_role("link", name=link).click()
    page.get_by_text(marker).first.wait_for(timeout=60_000)
    settle(page)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_dashboard_in_chromium_changes_the_chart_when_the_timeout_changes(server, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2200})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    before = wait_for_gantt(page)
    names = [n for n, _ in before]
    assert {"research", "teaching", "alice", "reserved idle", "deactivated"} <= set(names)
    settle(page)
    shot(page, "1-timeline")
    # Clicking a bar tells that job's story.
    story = page.get_by_text("was submitted to").first
    first_story = story.inner_text()
    x, y = page.evaluate("""() => {
        const bars = document.querySelectorAll('.js-plotly-plot .barlayer .point path');
        const r = bars[Math.floor(bars.length / 3)].getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; }""")
    page.mouse.click(x, y)
    page.wait_for_function(
        "t => !document.body.innerText.includes(t)", arg=first_story, timeout=60_000)
    settle(page)

    page.get_by_role("link", name="Scenario").click()
    box = page.get_by_role("spinbutton", name="Interactive timeout (s)")
    box.wait_for(timeout=60_000)
    settle(page)
    shot(page, "2-scenario")
    box.fill("0")
    box.press("Tab")
    page.get_by_role("button", name="Apply and run").click()
    settle(page)
    page.get_by_role("link", name="Timeline").click()
    wait_for_gantt(page)
    # The new run goes in its own process while the last good run stays on screen; the page
    # redraws by itself when it is done.
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot');"
        " return p && p.data && !p.data.some(d => d.name === 'reserved idle'); }",
        timeout=120_000)
    settle(page)
    after = page.evaluate(GANTT_TRACES)  # read once the rerun has drawn
    names_after = [n for n, _ in after]
    # With no interactive timeout the session never holds the QPU idle, so it deactivates
    # after every job: no reserved-idle band, and the chart differs.
    assert "reserved idle" not in names_after and "deactivated" in names_after
    assert after != before
    shot(page, "3-timeline-timeout-0")

    go(page, "Results", "A job's Aer result")
    shot(page, "4-results")
    go(page, "Events", "Export")
    shot(page, "5-events")
    go(page, "Compare", "Stored runs")
    # A sweep of the current scenario over three interactive timeouts, three seeds each: means
    # with 95% confidence intervals, drawn as error bars.
    page.get_by_role("tab", name="Sweep fields").click()
    page.get_by_role("button", name="Run sweep").click()
    page.get_by_text("means of 3 seeds, 95% intervals").wait_for(timeout=180_000)
    settle(page)
    bars = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .flatMap(p => p.data).filter(d => d.error_y && d.error_y.visible)
        .map(d => d.x.length)""")
    assert bars and all(n == 3 for n in bars)       # a point per variant, with its interval
    shot(page, "6-compare-sweep")
    go(page, "Lessons", "Predict")
    page.get_by_text("b1 (bob has used less)").click()
    page.get_by_role("button", name="Check and reveal").click()
    page.get_by_text("Right.").wait_for(timeout=60_000)
    settle(page)
    shot(page, "7-lessons")
    assert not page.get_by_text("Traceback").count()
    assert not errors, errors
    page.close()
