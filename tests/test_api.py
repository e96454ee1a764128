"""The Python jobs API and the README's example, run as written."""

import re
from pathlib import Path

from engine import Simulation, load_scenario, validate_scenario

from .helpers import scenario

ROOT = Path(__file__).resolve().parent.parent


def test_cancel_through_the_api():
    # b1 0-10, b2 queued; cancel at 3: b2 cancelled, b1 completes; the session ends at 3.
    sim = Simulation(validate_scenario(scenario()))
    b1 = sim.submit("bob", "qpu_a", 10, start_session=True)
    b2 = sim.submit("bob", "qpu_a", 5, at=1, session_id=b1.session)
    sim.cancel(b1.session, at=3)
    sim.run()
    assert (b1.status, b1.end_time, b2.status, b2.reason) == (
        "completed", 10, "cancelled", "session cancelled")
    d = sim.session_details(b1.session)
    assert (d["state"], d["end_reason"], d["closed_at"]) == ("closed", "cancelled", 3)


def test_progress_reports_rise_to_the_total():
    sim = Simulation(load_scenario(ROOT / "scenarios/seed-story.yaml"))
    seen = []
    sim.run(progress=lambda done, total: seen.append((done, total)), every=50)
    assert len(seen) > 3
    dones = [d for d, _ in seen]
    assert dones == sorted(dones)
    assert seen[-1][0] == seen[-1][1] == len(sim.jobs)


def test_submitting_in_the_past_is_an_error():
    sim = Simulation(validate_scenario(scenario()))
    sim.submit("bob", "qpu_a", 10)
    sim.run()
    try:
        sim.submit("bob", "qpu_a", 1, at=2)
    except ValueError as exc:
        assert "clock is already at 10" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


def test_readme_python_example_runs(monkeypatch, tmp_path):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)   # what the examples write lands here, not in the repository
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "runs" / "my-run" / "jobs.csv").exists()
