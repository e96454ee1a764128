"""The dashboard's sweeps in the background (ui/sweeping.py): the same numbers as the engine's
own sweep, at most the asked number of runs at once, each in its own process, and a Stop that
kills what is in flight and gives the server's run slots back."""

from __future__ import annotations

import time
from collections import OrderedDict

import pytest

from engine import sweep as sweeps
from engine import validate_scenario
from ui import runner, runs, sweeping
from tests.test_runner import long_scenario, slow_aer_scenario, wait_until


def plan(values):
    return sweeps.variants(runs.with_folder(validate_scenario(runs.builtin("seed-story"))),
                           [("interactive_timeout", values)])


def test_a_background_sweep_gives_the_engines_numbers_in_order(monkeypatch):
    monkeypatch.setattr(runs, "_CACHE", OrderedDict())   # every variant simulated here and now
    scens = [s for _, s in plan([0, 60, 300])]
    job = sweeping.SweepJob(scens, workers=2)
    most = 0
    while not job.done():
        most = max(most, job.running)
        time.sleep(0.01)
    got = job.results()
    want = sweeps.run_variants(scens, workers=1)
    assert job.finished == job.total == 3 and not job.stopped
    assert most <= 2
    table, ref = sweeps.table([{}] * 3, got), sweeps.table([{}] * 3, want)
    for column in ("wait_mean", "utilisation", "reserved_idle"):
        assert list(table[column]) == list(ref[column]), column
    assert [r.scenario.policy.interactive_timeout for r in got] == [0, 60, 300]


def test_stop_kills_the_runs_in_flight_and_frees_their_slots():
    scens = [validate_scenario(slow_aer_scenario(f"slow-{i}")) for i in range(3)]
    job = sweeping.SweepJob(scens, workers=1)
    wait_until(lambda: any(h.phase == runner.SIMULATING for h in list(job.inflight.values())))
    time.sleep(2.0)                                   # into its first job's circuits
    handle = next(iter(job.inflight.values()))
    assert not handle.done()
    job.stop()
    assert job.wait(15) and job.stopped
    assert job.finished == 0
    with pytest.raises(runner.Stopped):
        handle.result(timeout=15)                     # its process killed
    with pytest.raises(RuntimeError, match="stopped"):
        job.results()                                 # nothing of it to show
    wait_until(lambda: runner._FREE._value == runner.SLOTS, timeout=30)


@pytest.mark.skipif(runner.SLOTS < 2, reason="one core: runs take turns")
def test_a_sweep_leaves_room_for_another_browsers_run():
    """A sweep of many long variants on one process: another run starts beside it at once
    (the machine has a slot left), never waiting for the sweep to end."""
    scens = [validate_scenario(long_scenario(f"long-{i}")) for i in range(4)]
    job = sweeping.SweepJob(scens, workers=1)
    try:
        wait_until(lambda: job.running == 1)
        other = runs.RunHandle(validate_scenario(runs.builtin("seed-story")))
        assert len(other.result(timeout=120).jobs) > 0
        assert not job.done()
    finally:
        job.stop()
        job.wait(30)


def test_stop_on_the_dask_path_cancels_at_the_next_variant(monkeypatch):
    """On Dask the sweep learns of Stop at the next variant finished (engine/sweep.py then
    cancels the rest); the page sees it stopped at once."""
    seen = []

    def fake_run_variants(scens, *, dask, progress):
        for k in range(1, len(scens) + 1):
            time.sleep(0.05)
            seen.append(k)
            progress(k, len(scens))     # raises once stopped
        return ["ran"] * len(scens)

    monkeypatch.setattr(sweeps, "run_variants", fake_run_variants)
    job = sweeping.SweepJob([None] * 1000, workers=1, dask="tcp://127.0.0.1:1")
    wait_until(lambda: job.finished >= 3)
    job.stop()
    assert job.stopped                                # at once, for the page
    assert job.wait(5)
    assert len(seen) < 1000 and job.stopped


def test_a_sweep_whose_browser_has_gone_stops_by_itself(monkeypatch):
    monkeypatch.setattr(sweeping, "ABANDONED", 0.3)
    scens = [validate_scenario(long_scenario(f"gone-{i}")) for i in range(3)]
    job = sweeping.SweepJob(scens, workers=1, alive=lambda: False)
    assert job.wait(30) and job.stopped
    wait_until(lambda: runner._FREE._value == runner.SLOTS, timeout=30)
