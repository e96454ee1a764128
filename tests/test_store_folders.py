"""A run's output folder is written whole or not at all, replaces only a folder that holds a
run (or nothing), survives a full disk; Ctrl-C during a run leaves the folder and the store as
they were, and Ctrl-C inside a store write rolls that write back."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yaml

from engine import load_scenario, output, run_scenario
from engine.run import RUN_FILES
from engine.store import RunStore
from tests.test_store_robust import ENV, cli, file_size_limit

ROOT = Path(__file__).resolve().parents[1]
MAX_TIME = ROOT / "scenarios" / "max-time.yaml"
SEED = ROOT / "scenarios" / "seed-story.yaml"
def snapshot(folder: Path) -> dict:
    """Every entry of a folder with its bytes and mode."""
    return {p.name: (p.read_bytes(), p.stat().st_mode) for p in sorted(folder.iterdir())}


def variant(seed: int):
    sc = load_scenario(MAX_TIME)
    doc = sc.model_dump(mode="json", exclude_defaults=True)
    doc["seed"] = seed
    from engine import validate_scenario

    return run_scenario(validate_scenario(doc))


@pytest.fixture(scope="module")
def runs():
    return variant(1), variant(2)


# ---------------------------------------------------------------- whole or not at all

def test_a_write_interrupted_part_way_leaves_the_earlier_run_exactly(tmp_path, runs,
                                                                     monkeypatch):
    out = tmp_path / "out"
    runs[0].write(out, ("csv", "parquet"))
    before = snapshot(out)
    real = output._atomic_write
    calls = []

    def fail_after_two(path, write):
        calls.append(path)
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        real(path, write)

    monkeypatch.setattr(output, "_atomic_write", fail_after_two)
    with pytest.raises(OSError, match="No space left"):
        runs[1].write(out, ("csv",))
    assert len(calls) == 3
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_a_run_written_over_another_replaces_it_whole(tmp_path, runs):
    out = tmp_path / "out"
    runs[0].write(out, ("csv", "parquet"))
    runs[1].write(out, ("csv",))
    fresh = tmp_path / "fresh"
    runs[1].write(fresh, ("csv",))
    assert snapshot(out) == snapshot(fresh)  # no parquet file of the first run left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out"]


def test_run_files_get_the_permissions_the_umask_gives(tmp_path, runs):
    old = os.umask(0o022)
    try:
        runs[0].write(tmp_path / "out")
    finally:
        os.umask(old)
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "out").iterdir()} == {"0o644"}
    assert oct((tmp_path / "out").stat().st_mode & 0o777) == "0o755"


def test_the_fallback_without_renameat2_replaces_whole_too(tmp_path, runs, monkeypatch):
    out = tmp_path / "out"
    runs[0].write(out, ("csv", "parquet"))
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    runs[1].write(out, ("csv",))
    fresh = tmp_path / "fresh"
    runs[1].write(fresh, ("csv",))
    assert snapshot(out) == snapshot(fresh)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out"]


def test_export_into_a_folder_holding_another_run_replaces_it_whole(tmp_path, runs):
    store = tmp_path / "runs.sqlite"
    RunStore(store).save(runs[1], name="second")
    out = tmp_path / "out"
    runs[0].write(out, ("csv", "parquet"))
    r = cli("runs", "export", "second", "--out", out, store=store)
    assert r.returncode == 0, r.stderr
    fresh = tmp_path / "fresh"
    assert cli("runs", "export", "second", "--out", fresh, store=store).returncode == 0
    assert snapshot(out) == snapshot(fresh)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        n for n in RUN_FILES if not n.endswith(".parquet"))


def test_export_into_a_folder_with_a_foreign_file_is_refused(tmp_path, runs):
    store = tmp_path / "runs.sqlite"
    RunStore(store).save(runs[1], name="second")
    out = tmp_path / "out"
    runs[0].write(out)
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    r = cli("runs", "export", "second", "--out", out, store=store)
    assert r.returncode == 2
    assert r.stderr == (f"error: --out = '{out}': holds files that are not a Session Lab run; "
                        f"choose a new or empty folder\n")
    assert snapshot(out) == before


def test_simulate_refuses_a_home_like_folder_before_running(tmp_path):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / "jobs.csv").write_text("my own jobs\n")
    before = {p: p.stat().st_mtime_ns for p in home.rglob("*")}
    r = cli("simulate", SEED, "--out", home)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"error: --out = '{home}': holds files that are not a Session Lab run; "
                        f"choose a new or empty folder\n")
    assert {p: p.stat().st_mtime_ns for p in home.rglob("*")} == before
    assert (home / "jobs.csv").read_text() == "my own jobs\n"


def test_an_empty_folder_is_written_into(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    r = cli("simulate", MAX_TIME, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        n for n in RUN_FILES if not n.endswith(".parquet"))


def test_the_current_folder_is_never_replaced_even_when_empty(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    r = subprocess.run([sys.executable, "-m", "engine", "simulate", str(MAX_TIME), "--out", ".",
                        "--quiet"], cwd=here, env=ENV, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2
    assert r.stderr == ("error: --out = '.': is the current folder or holds it; choose "
                        "another\n")
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["here"]


# ---------------------------------------------------------------- a full disk

def test_out_on_a_full_disk_is_one_line_and_leaves_no_folder(tmp_path):
    out = tmp_path / "new" / "deeper" / "out"
    r = cli("simulate", MAX_TIME, "--out", out, "--quiet", preexec_fn=file_size_limit(2_000))
    assert r.returncode == 2
    assert r.stderr == f"error: --out = '{out}': cannot write: File too large\n"
    assert list(tmp_path.iterdir()) == []  # not the run's folder, nor the folders above it


def test_out_on_a_full_disk_keeps_the_earlier_run(tmp_path, runs):
    out = tmp_path / "out"
    runs[0].write(out)
    before = snapshot(out)
    # 5 kB: room for jobs.csv and sessions.csv, not for events.csv.
    r = cli("simulate", MAX_TIME, "--out", out, "--quiet", preexec_fn=file_size_limit(5_000))
    assert r.returncode == 2 and "cannot write: File too large" in r.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ---------------------------------------------------------------- Ctrl-C

def big_seed_story(folder: Path) -> Path:
    """seed-story with its background load running for ~1,000 hours: about 100k jobs."""
    doc = yaml.safe_load(SEED.read_text())
    for w in doc["workloads"]:
        if w["kind"] == "background":
            w["until"] = 3_000_000
    path = folder / "big.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def interrupt_when_busy(proc: subprocess.Popen, cpu_seconds: float, tree: bool = False):
    """SIGINT to the command once it (or, with ``tree``, one of its workers) has used
    ``cpu_seconds`` of CPU: past the imports, inside the simulation."""
    import psutil

    p = psutil.Process(proc.pid)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        procs = p.children() if tree else [p]
        busy = [c for c in procs if sum(c.cpu_times()[:2]) >= cpu_seconds]
        if busy:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be interrupted"
    workers = [c.pid for c in p.children(recursive=True)]
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return out, err, workers


def test_ctrl_c_during_simulate_leaves_out_and_the_store_as_they_were(tmp_path, runs):
    big = big_seed_story(tmp_path)
    out = tmp_path / "out"
    runs[0].write(out)
    store = tmp_path / "runs.sqlite"
    RunStore(store).save(runs[0], name="kept")
    before, stored = snapshot(out), store.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "engine", "simulate", str(big), "--out",
                             str(out), "--save", "--store", str(store), "--quiet"],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    stdout, stderr, _ = interrupt_when_busy(proc, 3.0)
    assert (proc.returncode, stdout, stderr) == (130, "", "error: interrupted\n")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml", "out", "runs.sqlite"]
    assert store.read_bytes() == stored
    assert list(RunStore(store).list()["name"]) == ["kept"]


def test_ctrl_c_during_a_sweep_stops_its_workers_and_saves_nothing(tmp_path, runs):
    import psutil

    big = big_seed_story(tmp_path)
    store = tmp_path / "runs.sqlite"
    RunStore(store).save(runs[0], name="kept")
    proc = subprocess.Popen([sys.executable, "-m", "engine", "sweep", str(big), "--set",
                             "seed=1,2", "--workers", "2", "--save", "--store", str(store),
                             "--out", str(tmp_path / "table.csv")],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    stdout, stderr, workers = interrupt_when_busy(proc, 3.0, tree=True)
    assert proc.returncode == 130
    assert stderr.splitlines() == ["2 variants of 'seed-story'", "error: interrupted"]
    assert stdout == ""
    def alive():
        return [w for w in workers if psutil.pid_exists(w)
                and psutil.Process(w).status() != psutil.STATUS_ZOMBIE]

    deadline = time.time() + 10  # multiprocessing's resource tracker ends on its own, soon
    while alive() and time.time() < deadline:
        time.sleep(0.1)
    assert len(workers) >= 2 and alive() == []
    assert not (tmp_path / "table.csv").exists()
    assert list(RunStore(store).list()["name"]) == ["kept"]


def test_ctrl_c_inside_a_store_write_rolls_it_back(tmp_path, runs, monkeypatch):
    from engine import store as store_module
    from engine.__main__ import main

    path = tmp_path / "runs.sqlite"
    RunStore(path).save(runs[0], name="kept")

    def ctrl_c():
        raise KeyboardInterrupt

    # The store reads the clock inside its transaction (after BEGIN IMMEDIATE) for "created".
    clock = types.SimpleNamespace(time=ctrl_c, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(store_module, "time", clock)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["simulate", str(MAX_TIME), "--out", str(tmp_path / "out"), "--save",
                     "--store", str(path), "--quiet"])
    assert (code, err.getvalue()) == (130, "error: interrupted\n")
    monkeypatch.undo()
    s = RunStore(path)
    assert list(s.list()["name"]) == ["kept"]
    assert s.save(runs[1], name="after") == 2  # not left locked
