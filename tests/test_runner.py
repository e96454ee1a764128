"""The dashboard's runs out of the Streamlit process (ui/runner.py, ui/runs.py): each run is a
process of its own; Stop kills it whatever it is doing (Aer included) and frees its core; runs
of different users go at once up to the cores; a run whose process dies is a message; the cache
keeps to its memory budget; a browser session's runs are its own."""

from __future__ import annotations

import os
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from engine import validate_scenario
from ui import runner, runs


def slow_aer_scenario(name: str = "slow-aer") -> dict:
    """Two jobs of a 20-qubit random circuit, depth 40, executed on Aer with noise: each
    takes many seconds of Aer (measured: about 19 s here)."""
    return {"name": name, "seed": 1, "policy": {"preset": "ibm-2024", "execution": "all"},
            "backends": [{"name": "qpu_big", "num_qubits": 20}],
            "tenants": [{"name": "a"}],
            "circuits": {"big": {"family": "random", "num_qubits": 20, "depth": 40, "seed": 3}},
            "workloads": [{"name": "w", "kind": "batch", "tenant": "a", "backend": "qpu_big",
                           "jobs": 2, "mode": "batch", "circuit": "big", "shots": 4000}]}


def long_scenario(name: str, until: float = 3_000_000) -> dict:
    doc = runs.builtin("seed-story")
    doc["name"] = name
    doc["workloads"][0] = dict(doc["workloads"][0], until=until)  # ~60k background jobs
    return doc


def wait_until(cond, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_stop_during_aer_kills_the_process_and_frees_its_core():
    handle = runner.RunHandle(validate_scenario(slow_aer_scenario()))
    wait_until(lambda: handle.phase == runner.SIMULATING)
    time.sleep(2.0)          # inside the first job's circuits (compiling or on Aer)
    assert not handle.done() and handle.done_jobs == 0
    process = handle._worker.process
    assert process.is_alive()
    handle.stop()
    assert not process.is_alive()           # killed, not asked: Aer never looks at a flag
    assert process.exitcode == -signal.SIGKILL
    with pytest.raises(runner.Stopped):
        handle.result(timeout=30)
    wait_until(lambda: runner._FREE._value == runner.SLOTS)   # its core is free again
    small = runner.RunHandle(validate_scenario(runs.builtin("seed-story")))
    assert len(small.result(timeout=120).jobs) > 0


@pytest.mark.skipif(runner.SLOTS < 2, reason="one core: runs take turns")
def test_two_runs_go_at_once_each_in_its_own_process():
    a = runner.RunHandle(validate_scenario(long_scenario("a")))
    b = runner.RunHandle(validate_scenario(long_scenario("b")))
    try:
        wait_until(lambda: a.done_jobs > 0 and b.done_jobs > 0)
        assert not a.done() and not b.done()        # both under way at one moment
        assert a._worker.process.pid != b._worker.process.pid != os.getpid()
    finally:
        a.stop()
        b.stop()


def test_a_run_beyond_the_cores_waits_and_says_so(monkeypatch):
    monkeypatch.setattr(runner, "_FREE", threading.BoundedSemaphore(1))
    monkeypatch.setattr(runner, "SLOTS", 1)
    first = runner.RunHandle(validate_scenario(long_scenario("first")))
    wait_until(lambda: first.phase == runner.SIMULATING)
    second = runner.RunHandle(validate_scenario(runs.builtin("seed-story")))
    # waiting() counts the whole server's waiting runs: other tests' runs may wait too.
    wait_until(lambda: second.phase == runner.WAITING and runner.waiting() >= 1)
    time.sleep(0.5)
    assert second.phase == runner.WAITING and not first.done()
    first.stop()
    assert len(second.result(timeout=120).jobs) > 0


def test_stop_while_waiting_for_a_core(monkeypatch):
    monkeypatch.setattr(runner, "_FREE", threading.BoundedSemaphore(1))
    first = runner.RunHandle(validate_scenario(long_scenario("first")))
    wait_until(lambda: first.phase == runner.SIMULATING)
    second = runner.RunHandle(validate_scenario(runs.builtin("seed-story")))
    wait_until(lambda: second.phase == runner.WAITING and runner.waiting() >= 1)
    second.stop()
    with pytest.raises(runner.Stopped):
        second.result(timeout=30)
    first.stop()


def test_a_run_whose_process_dies_is_a_message():
    handle = runner.RunHandle(validate_scenario(long_scenario("doomed")))
    wait_until(lambda: handle.done_jobs > 0)
    os.kill(handle._worker.process.pid, signal.SIGKILL)   # as the kernel's OOM killer would
    with pytest.raises(runner.RunFailed, match="killed by SIGKILL"):
        handle.result(timeout=60)


def test_a_bad_scenario_at_run_time_is_its_message():
    doc = runs.builtin("swf-replay")
    doc["workloads"][0]["trace"] = "traces/none.swf"      # found missing when it runs
    handle = runs.RunHandle(validate_scenario(doc))
    with pytest.raises(runner.RunFailed) as err:
        handle.result(timeout=120)
    assert str(err.value) == "workloads[0].trace = 'traces/none.swf': no such file"


def test_the_cache_keeps_to_its_memory_budget(monkeypatch):
    monkeypatch.setattr(runs, "_CACHE", runs.OrderedDict())
    monkeypatch.setattr(runs, "CACHE_BYTES", 100)
    scen = [validate_scenario(dict(runs.builtin("seed-story"), name=f"s{i}")) for i in range(4)]
    result = object()
    runs.keep(scen[0], result, 40)
    runs.keep(scen[1], result, 40)
    assert runs.cache_use() == (2, 80)
    runs.cached(scen[0])                 # used: now the newest
    runs.keep(scen[2], result, 40)       # over budget: the least recently used goes
    assert runs.cached(scen[1]) is None and runs.cached(scen[0]) is result
    assert runs.cache_use() == (2, 80)
    runs.keep(scen[3], result, 101)      # larger than the whole budget: not kept
    assert runs.cached(scen[3]) is None and runs.cache_use() == (2, 80)


def test_a_browser_sessions_runs_are_its_own(monkeypatch):
    monkeypatch.setattr(runs, "_CACHE", runs.OrderedDict())   # simulated afresh here
    one, two = runs.PrivateStore(), runs.PrivateStore()
    sc = runs.validate(runs.builtin("seed-story"))
    handle = runs.start(sc, one)
    handle.result(timeout=120)
    assert handle.keeping.wait(60) and handle.kept is not None   # kept by the run's process
    assert len(one.store.list()) == 1
    assert one.folder != two.folder and two.store.list().empty
    again = runs.start(sc, two)          # the cached run: kept by the second session too ...
    assert isinstance(again, runs.Finished)
    assert two.store.list().empty        # ... but not while its page is drawn
    two.flush(keep_back=again.result())
    assert two.store.list().empty
    two.flush()
    assert len(two.store.list()) == 1
    runs.start(sc, two)                  # once per scenario
    two.flush()
    assert len(two.store.list()) == 1
    assert runs.store().list().empty     # the shared store: untouched
    folder = one.folder
    one.close()
    assert not folder.exists()


def test_a_browser_session_keeps_its_last_runs(monkeypatch):
    monkeypatch.setattr(runs, "MAX_PRIVATE", 2)
    mine = runs.PrivateStore()
    result = runs.run(runs.validate(runs.builtin("seed-story")))
    for name in ("a", "b", "c"):
        mine.store.save(result, name=name)
    mine.trim()
    assert list(mine.store.list().sort_values("id")["name"]) == ["b", "c"]


def test_export_names_say_what_they_hold():
    result = runs.run(runs.validate(runs.builtin("seed-story")))
    name = runs.export_name(result, "zip")
    assert name.startswith("session-lab_seed-story_run_") and name.endswith(".zip")
    odd = SimpleNamespace(scenario=result.scenario.model_copy(update={"name": "a/b: ../c"}))
    assert runs.export_name(odd, "csv", "jobs").startswith("session-lab_a-b-c_jobs_")
