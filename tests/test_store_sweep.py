"""The run store (round trips, concurrent saves, bad files) and sweeps (local and Dask)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from engine import load_scenario
from engine.store import RunStore, StoreError
from engine import sweep

from .helpers import cli

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scenarios" / "seed-story.yaml"
MAX_TIME = ROOT / "scenarios" / "max-time.yaml"



def test_store_round_trip_in_a_new_process_gives_the_identical_trace(tmp_path):
    store = tmp_path / "runs.sqlite"
    r = cli("simulate", MAX_TIME, "--out", tmp_path / "direct", "--save", "mine", store=store)
    assert r.returncode == 0, r.stderr
    assert "kept in the run store as run 1" in r.stdout
    # A new process reads it back and exports it: the same files, byte for byte.
    r = cli("runs", "export", "mine", "--out", tmp_path / "back", store=store)
    assert r.returncode == 0, r.stderr
    for name in ("jobs.csv", "sessions.csv", "events.csv", "tenants.csv"):
        assert (tmp_path / "back" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()
    listed = cli("runs", "list", store=store).stdout
    assert "mine" in listed and "cli" in listed
    assert "1 expired" in cli("runs", "show", "1", store=store).stdout
    assert cli("runs", "rename", "1", "renamed", store=store).returncode == 0
    assert "renamed" in cli("runs", "list", store=store).stdout
    assert cli("runs", "delete", "renamed", store=store).returncode == 0
    gone = cli("runs", "show", "1", store=store)
    assert gone.returncode == 2 and "no such run" in gone.stderr


def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    store = tmp_path / "runs.sqlite"
    RunStore(store)  # created before the race, as the dashboard or a first save would
    script = textwrap.dedent(f"""
        import sys
        from engine import load_scenario, run_scenario
        from engine.store import RunStore
        result = run_scenario(load_scenario({str(MAX_TIME)!r}))
        store = RunStore({str(store)!r})
        for i in range(6):
            store.save(result, name=f"{{sys.argv[1]}}-{{i}}", source="test")
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, tag], cwd=ROOT,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
             for tag in ("a", "b")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    names = set(RunStore(store).list()["name"])
    assert names == {f"{t}-{i}" for t in "ab" for i in range(6)}


def test_a_run_is_saved_whole_or_not_at_all(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    result = sweep.run_variants([load_scenario(MAX_TIME)], workers=1)[0]
    store.save(result, name="good")
    broken = pd.DataFrame({"x": [object()]})            # cannot be written as Parquet
    result.events = broken
    with pytest.raises(Exception):
        store.save(result, name="bad")
    assert list(store.list()["name"]) == ["good"]


def test_corrupt_and_foreign_store_files_are_reported_and_left_alone(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all " * 50)
    before = junk.read_bytes()
    r = cli("runs", "list", "--store", junk)
    assert r.returncode == 2 and "not a readable SQLite database" in r.stderr
    assert "Traceback" not in r.stderr and junk.read_bytes() == before
    import sqlite3

    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (t TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="foreign SQLite database"):
        RunStore(foreign)


def test_sweep_fields_and_bad_values():
    sc = load_scenario(SEED)
    plan = sweep.variants(sc, [("interactive_timeout", [0, 60]), ("tenants[0].share", [1, 4])])
    assert [a for a, _ in plan] == [
        {"interactive_timeout": 0, "tenants[0].share": 1},
        {"interactive_timeout": 0, "tenants[0].share": 4},
        {"interactive_timeout": 60, "tenants[0].share": 1},
        {"interactive_timeout": 60, "tenants[0].share": 4}]
    assert plan[1][1].tenants[0].share == 4 and plan[1][1].policy.interactive_timeout == 0
    modes = sweep.variants(sc, [("mode", ["dedicated", "job"])])
    assert [w.mode for w in modes[1][1].workloads if w.kind == "interactive"] == ["job"]
    with pytest.raises(sweep.ScenarioError, match="interactive_timeout=soon"):
        sweep.variants(sc, [("interactive_timeout", ["soon"])])
    with pytest.raises(sweep.ScenarioError, match="no such field"):
        sweep.variants(sc, [("workloads[9].start", [1])])
    with pytest.raises(sweep.ScenarioError, match="FIELD=VALUE"):
        sweep.parse_set("interactive_timeout")
    assert sweep.parse_set("x=0, 1.5,none,true,abc")[1] == [0, 1.5, None, True, "abc"]


def test_sweep_cli_and_its_errors(tmp_path):
    out = tmp_path / "sweep.csv"
    r = cli("sweep", SEED, "--set", "interactive_timeout=0,60,300", "--out", out, "--save")
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out)
    assert list(table["interactive_timeout"]) == [0, 60, 300]
    # The trade-off the sweep is for: a longer hold helps the session, costs everyone else.
    assert table["time_to_solution"].is_monotonic_decreasing
    assert table["background_wait_p95"].is_monotonic_increasing
    bad = cli("sweep", SEED, "--set", "interactive_timeout=-5")
    assert bad.returncode == 2 and "interactive_timeout=-5" in bad.stderr
    assert "Traceback" not in bad.stderr
    nodask = cli("sweep", SEED, "--set", "seed=1", "--dask", "tcp://127.0.0.1:9")
    assert nodask.returncode == 2 and "cannot reach the Dask scheduler" in nodask.stderr


def test_sweep_locally_and_on_a_dask_local_cluster_gives_identical_results():
    from distributed import LocalCluster

    plan = sweep.variants(load_scenario(SEED), [("interactive_timeout", [0, 60, 300])])
    scens = [sc for _, sc in plan]
    serial = sweep.run_variants(scens, workers=1)
    local = sweep.run_variants(scens, workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        on_dask = sweep.run_variants(scens, dask=cluster.scheduler_address)
    for a, b, c in zip(serial, local, on_dask):
        for name in ("jobs", "events", "sessions", "iterations", "results"):
            pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])
            pd.testing.assert_frame_equal(a.tables()[name], c.tables()[name])


def test_sweep_workers_never_rerun_the_callers_main_script(tmp_path, monkeypatch):
    """Under the dashboard, ``__main__`` is the Streamlit page (a module with a ``__file__`` and
    no spec): spawned workers once re-ran it, simulating its default scenario and storing runs
    nobody asked for. Here a stand-in main script leaves a mark if it is ever run."""
    import types

    mark = tmp_path / "main-was-run"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(mark)!r}, 'w').write('ran')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    page.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", page)
    plan = sweep.variants(load_scenario(ROOT / "scenarios" / "max-time.yaml"),
                          [("seed", [1, 2])])
    results = sweep.run_variants([s for _, s in plan], workers=2)
    assert all(sweep.succeeded(r) for r in results)
    assert not mark.exists()
