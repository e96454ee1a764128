"""Sweeps answer the question asked: each variant gets the inputs ``simulate`` would give it, a
failing variant is a failed row (never a lost sweep), a lost worker process is survived, and a
factorial too large to run is refused before anything runs."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from engine import load_scenario, run_scenario
from engine import sweep
from engine.run import RunResult
from engine.store import RunStore
from tests.test_store_sweep import cli

ROOT = Path(__file__).resolve().parents[1]
SWF = ROOT / "scenarios" / "swf-replay.yaml"
MAX_TIME = ROOT / "scenarios" / "max-time.yaml"
SEED = ROOT / "scenarios" / "seed-story.yaml"

BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""


def swf_copy(folder: Path) -> Path:
    """scenarios/swf-replay.yaml and its trace, in a folder of their own."""
    shutil.copy(SWF, folder / "swf-replay.yaml")
    shutil.copytree(ROOT / "scenarios" / "traces", folder / "traces")
    return folder / "swf-replay.yaml"


def qasm_scenario(folder: Path) -> Path:
    """A scenario whose jobs' QPU time comes from a circuit in a file beside it."""
    (folder / "circuits").mkdir()
    (folder / "circuits" / "bell.qasm").write_text(BELL)
    doc = {"name": "qasm-file", "seed": 3, "policy": {"execution": "none"},
           "backends": [{"name": "qpu_1", "num_qubits": 5}],
           "tenants": [{"name": "alice", "share": 1}, {"name": "bob", "share": 1}],
           "circuits": {"bell": {"qasm": "circuits/bell.qasm"}},
           "jobs": [{"id": "j1", "tenant": "alice", "backend": "qpu_1", "submit": 0,
                     "circuit": "bell", "shots": 1000},
                    {"id": "j2", "tenant": "bob", "backend": "qpu_1", "submit": 1,
                     "circuit": "bell", "shots": 4000},
                    {"id": "j3", "tenant": "alice", "backend": "qpu_1", "submit": 2,
                     "circuit": "bell", "shots": 2000}]}
    path = folder / "qasm-file.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def simulate_variant(path: Path, seed: int) -> RunResult:
    """What ``simulate`` runs for one variant: the file with the field changed, beside it."""
    doc = yaml.safe_load(path.read_text())
    doc["seed"] = seed
    variant = path.with_name(f"{path.stem}-seed{seed}.yaml")
    variant.write_text(yaml.safe_dump(doc))
    return run_scenario(load_scenario(variant))


@pytest.mark.parametrize("make", [swf_copy, qasm_scenario], ids=["swf-trace", "qasm-file"])
def test_sweep_variants_get_the_scenario_folder_and_equal_simulate(make, tmp_path):
    path = make(tmp_path)
    expected = {s: simulate_variant(path, s) for s in (1, 2)}
    assert all((r.jobs["status"] == "completed").sum() > 0 for r in expected.values())
    plan = sweep.variants(load_scenario(path), [("seed", [1, 2])])
    scens = [sc for _, sc in plan]
    for workers in (1, 2):
        got = sweep.run_variants(scens, workers=workers)
        for (a, _), r in zip(plan, got):
            assert isinstance(r, RunResult), r
            pd.testing.assert_frame_equal(r.jobs, expected[a["seed"]].jobs)
    # The command line from another folder: the same completed counts and last job end.
    out = tmp_path / "table.csv"
    r = cli("sweep", path, "--set", "seed=1,2", "--workers", "2", "--out", out)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(out)
    assert list(table["status"]) == ["ok", "ok"]
    for s, row in zip((1, 2), table.itertuples()):
        assert row.completed == expected[s].summary["status"]["completed"]
        assert row.last_job_end == expected[s].summary["last_job_end"]


def test_sweep_on_dask_gets_the_scenario_folder(tmp_path):
    from distributed import LocalCluster

    path = qasm_scenario(tmp_path)
    expected = simulate_variant(path, 5)
    plan = sweep.variants(load_scenario(path), [("seed", [5])])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        got = sweep.run_variants([sc for _, sc in plan], dask=cluster.scheduler_address)
    pd.testing.assert_frame_equal(got[0].jobs, expected.jobs)


def missing_trace_sweep(tmp_path):
    # A trace that exists but breaks on line 2 fails when the variant runs (a missing file is
    # refused up front, for the whole sweep, like any invalid variant).
    path = swf_copy(tmp_path)
    (tmp_path / "traces" / "broken.swf").write_text(
        "1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 1 -1 -1\n1 0 -1 10 1\n")
    return path, ["workloads[0].trace=traces/sample.swf,traces/broken.swf"]


def test_a_failing_variant_is_a_failed_row_and_the_others_complete(tmp_path):
    path, sets = missing_trace_sweep(tmp_path)
    store = tmp_path / "runs.sqlite"
    out = tmp_path / "table.csv"
    # What simulate says about the failing variant, word for word.
    doc = yaml.safe_load(path.read_text())
    doc["workloads"][0]["trace"] = "traces/broken.swf"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    said = cli("simulate", bad, "--out", tmp_path / "bad-out")
    assert said.returncode == 2
    message = said.stderr.strip().removeprefix("error: ")

    r = cli("sweep", path, "--set", *sets, "--workers", "2", "--out", out, "--save", store=store)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert "1 of 2 variants failed" in r.stderr
    assert message in r.stdout
    table = pd.read_csv(out)
    assert list(table["status"]) == ["ok", "failed"]
    assert list(table["error"].fillna("")) == ["", message]
    assert table.loc[0, "completed"] == 32 and pd.isna(table.loc[1, "completed"])
    # --save keeps only the variant that ran.
    assert list(RunStore(store).list()["name"]) == [
        "swf-replay [workloads[0].trace=traces/sample.swf]"]

    for workers in (1, 2):
        plan = sweep.variants(load_scenario(path), [sweep.parse_set(sets[0])])
        results = sweep.run_variants([sc for _, sc in plan], workers=workers)
        assert isinstance(results[0], RunResult)
        assert results[1] == sweep.Failed(message)
        t = sweep.table([a for a, _ in plan], results)
        assert list(t["status"]) == ["ok", "failed"]
        assert list(t["error"]) == ["", message]
        assert pd.isna(t.loc[1, "completed"]) and t.loc[0, "completed"] == 32


def test_all_variants_ok_exits_0_with_empty_errors(tmp_path):
    out = tmp_path / "t.csv"
    r = cli("sweep", MAX_TIME, "--set", "seed=1,2", "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "failed" not in r.stderr
    t = pd.read_csv(out, keep_default_na=False)
    assert list(t["status"]) == ["ok", "ok"] and list(t["error"]) == ["", ""]


def refuse_seed_2(doc, base_dir):
    """A runner whose variant with seed 2 raises in the worker (a ScenarioError cannot be
    unpickled as raised: its __init__ takes three arguments); seed 3 divides by zero."""
    if doc["seed"] == 2:
        raise sweep.ScenarioError("seed", 2, "refused by the test")
    if doc["seed"] == 3:
        1 / 0
    return sweep._run_one(doc, base_dir)


@pytest.mark.parametrize("workers", [1, 2])
def test_any_error_in_a_variant_comes_back_as_its_message(workers):
    plan = sweep.variants(load_scenario(MAX_TIME), [("seed", [1, 2, 3, 4])])
    results = sweep.run_variants([sc for _, sc in plan], workers=workers, runner=refuse_seed_2)
    assert results[1] == sweep.Failed("seed = 2: refused by the test")
    assert results[2] == sweep.Failed("ZeroDivisionError: division by zero")
    assert isinstance(results[0], RunResult) and isinstance(results[3], RunResult)
    assert results[3].summary == run_scenario(plan[3][1]).summary


# ---------------------------------------------------------------- lost worker processes

def load_doc(seed: int, until: float = 500_000) -> dict:
    """About 100k background jobs: a few seconds of simulation."""
    wl = [{"kind": "background", "tenant": t, "backend": "qpu_1",
           "arrivals": {"process": "poisson", "rate": 0.1},
           "duration": {"dist": "exponential", "mean": 4}, "until": until} for t in ("a", "b")]
    return {"name": "load", "seed": seed, "backends": [{"name": "qpu_1"}],
            "tenants": [{"name": "a", "share": 1}, {"name": "b", "share": 2}], "workloads": wl}


def pool_workers():
    import psutil

    return [p for p in psutil.Process().children()
            if "spawn_main" in " ".join(p.cmdline())]


def test_a_worker_killed_from_outside_loses_no_row(monkeypatch):
    from engine import validate_scenario

    scens = [validate_scenario(load_doc(s)) for s in (1, 2, 3, 4)]
    passes = []  # (variants queued, workers) of each pool the sweep started
    real_pass = sweep._pool_pass

    def counting_pass(queue, workers, *args, **kwargs):
        passes.append((len(queue), workers))
        return real_pass(queue, workers, *args, **kwargs)

    monkeypatch.setattr(sweep, "_pool_pass", counting_pass)
    first_done = threading.Event()
    out = {}

    def progress(done, total):
        first_done.set()

    def go():
        out["results"] = sweep.run_variants(scens, workers=2, progress=progress)

    others = {p.pid for p in pool_workers()}   # spawned before: not the sweep's (a spare run
    t = threading.Thread(target=go)            # process of the dashboard's runner, say)
    t.start()
    assert first_done.wait(120)
    victims = [p for p in pool_workers() if p.pid not in others]
    assert victims, "no pool worker to kill"
    os.kill(victims[0].pid, signal.SIGKILL)
    t.join(300)
    assert not t.is_alive()
    results = out["results"]
    assert all(isinstance(r, RunResult) for r in results), results
    # The pool broke; the variants it had in flight were rerun one at a time.
    assert passes[0] == (4, 2) and (1, 1) in passes[1:]
    for sc, r in zip(scens, results):
        assert r.summary == run_scenario(sc).summary


def kill_seed_2(doc, base_dir):
    """A variant that always kills its worker process (seed 2); the others run normally."""
    if doc["seed"] == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return sweep._run_one(doc, base_dir)


def test_a_variant_that_kills_its_worker_twice_is_a_failed_row():
    plan = sweep.variants(load_scenario(MAX_TIME), [("seed", [1, 2, 3, 4])])
    results = sweep.run_variants([sc for _, sc in plan], workers=2, runner=kill_seed_2)
    assert [isinstance(r, RunResult) for r in results] == [True, False, True, True]
    assert results[1].message.startswith("its worker process died twice")
    # How it died is named when the pool still knows its worker's exit code; when the pool's
    # own thread has reaped it first (seen under load) the message says so plainly instead.
    assert ("SIGKILL" in results[1].message
            or "(it ended without a result)" in results[1].message)
    for (_, sc), r in zip(plan, results):
        if isinstance(r, RunResult):
            assert r.summary == run_scenario(sc).summary


# ---------------------------------------------------------------- the size of a factorial

def test_a_factorial_over_the_cap_is_refused_before_anything_runs(monkeypatch):
    sets = [("seed", list(range(60))), ("interactive_timeout", list(range(100)))]
    monkeypatch.setattr(sweep, "validate_scenario",
                        lambda *a, **k: pytest.fail("validated a variant"))
    with pytest.raises(sweep.ScenarioError) as err:
        sweep.variants(load_scenario(MAX_TIME), sets)
    assert str(err.value).endswith(": 6,000 variants; the limit is 1,000")
    assert err.value.key == "--set"


def test_the_sweep_command_refuses_a_factorial_over_the_cap(tmp_path):
    seeds = ",".join(str(s) for s in range(60))
    timeouts = ",".join(str(s) for s in range(100))
    t0 = time.perf_counter()
    r = cli("sweep", MAX_TIME, "--set", f"seed={seeds}", "--set",
            f"interactive_timeout={timeouts}", "--out", tmp_path / "t.csv")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: --set = 'seed=0,1,2,")
    assert r.stderr.endswith("': 6,000 variants; the limit is 1,000\n")
    assert not (tmp_path / "t.csv").exists()
    assert time.perf_counter() - t0 < 30
    assert sweep.MAX_VARIANTS == 1000
