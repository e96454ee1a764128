"""The run store under stress: processes creating it at once, names that read as ids, damaged
files and blobs, a full disk. Every failure is one line naming the store, never a traceback,
and nothing already saved is lost."""

from __future__ import annotations

import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine import load_scenario, run_scenario
from engine.store import RunStore, StoreError

from .helpers import cli

ROOT = Path(__file__).resolve().parents[1]
MAX_TIME = ROOT / "scenarios" / "max-time.yaml"
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def result():
    return run_scenario(load_scenario(MAX_TIME))


# ---------------------------------------------------------------- creating the store at once

def test_processes_creating_a_new_store_at_once_keep_every_run(tmp_path):
    """Six processes open each of ten not-yet-existing stores within a few milliseconds of each
    other (0.7 ms apart: some arrive while another is creating the file) and save a run."""
    stores = tmp_path / "stores"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from engine import load_scenario, run_scenario
        from engine.store import RunStore
        tag, start = sys.argv[1], float(sys.argv[2])
        result = run_scenario(load_scenario({str(MAX_TIME)!r}))
        for i in range(10):
            at = start + i * 0.25 + "abcdef".index(tag) * 0.0007
            time.sleep(max(0.0, at - time.time() - 0.005))
            while time.time() < at:
                pass
            RunStore(Path({str(stores)!r}) / f"s{{i}}" / "runs.sqlite").save(result, name=tag)
    """)
    start = time.time() + 15  # after every process has imported the engine
    procs = [subprocess.Popen([sys.executable, "-c", script, tag, repr(start)], cwd=ROOT,
                              env=ENV, stderr=subprocess.PIPE, text=True) for tag in "abcdef"]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    for i in range(10):
        names = RunStore(stores / f"s{i}" / "runs.sqlite").list()["name"]
        assert sorted(names) == list("abcdef"), i


def test_a_foreign_database_is_refused_and_not_modified(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (t TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    r = cli("runs", "list", "--store", foreign)
    assert r.returncode == 2
    assert r.stderr == (f"error: store = '{foreign}': not a Session Lab run store "
                        f"(a foreign SQLite database)\n")
    assert foreign.read_bytes() == before  # not even its journal mode changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.sqlite"]


def test_an_empty_file_becomes_a_store(tmp_path, result):
    path = tmp_path / "empty.sqlite"
    path.touch()
    assert RunStore(path).save(result, name="first") == 1


# ---------------------------------------------------------------- names never read as ids

def test_rename_to_a_digit_name_is_refused_so_delete_2_deletes_run_2(tmp_path, result):
    store = tmp_path / "runs.sqlite"
    s = RunStore(store)
    s.save(result, name="alpha")
    s.save(result, name="beta")
    r = cli("runs", "rename", "1", "2", store=store)
    assert r.returncode == 2
    assert r.stderr == ("error: name = '2': reads as a run id; a name needs a character that "
                        "is not a digit\n")
    r = cli("runs", "delete", "2", store=store)
    assert (r.returncode, r.stdout) == (0, "deleted run 2\n")
    assert RunStore(store).list()[["id", "name"]].values.tolist() == [[1, "alpha"]]
    r = cli("runs", "rename", "1", " 7 ", store=store)
    assert r.returncode == 2 and "reads as a run id" in r.stderr


def test_rename_to_a_name_another_run_has_is_refused(tmp_path, result):
    s = RunStore(tmp_path / "runs.sqlite")
    s.save(result, name="alpha")
    s.save(result, name="beta")
    with pytest.raises(StoreError) as err:
        s.rename(2, "alpha")
    assert str(err.value) == "name = 'alpha': run 1 already has this name"
    s.rename(1, "alpha")  # its own name again is no clash
    assert list(s.list()["name"]) == ["beta", "alpha"]


def test_simulate_save_with_a_digit_name_is_refused_before_running(tmp_path):
    store = tmp_path / "runs.sqlite"
    out = tmp_path / "out"
    r = cli("simulate", MAX_TIME, "--out", out, "--save", "42", store=store)
    assert r.returncode == 2
    assert r.stderr == ("error: name = '42': reads as a run id; a name needs a character that "
                        "is not a digit\n")
    assert not out.exists()


def test_a_scenario_named_with_digits_gets_a_prefix(tmp_path):
    doc = load_scenario(MAX_TIME).model_dump(mode="json", exclude_defaults=True)
    doc["name"] = "2024"
    from engine import validate_scenario

    s = RunStore(tmp_path / "runs.sqlite")
    run_id = s.save(run_scenario(validate_scenario(doc)))
    assert s.list()["name"].tolist() == ["run 2024"]
    assert s.resolve("run 2024") == run_id


# ---------------------------------------------------------------- damaged files and blobs

def saved_store(path: Path, result, runs: int = 4) -> Path:
    s = RunStore(path)
    for i in range(runs):
        s.save(result, name=f"run-{i}")
    return path


COMMANDS = [("runs", "list"), ("runs", "show", "1"), ("runs", "export", "1", "--out", "OUT"),
            ("runs", "rename", "1", "renamed"), ("runs", "delete", "1"),
            ("simulate", MAX_TIME, "--out", "OUT", "--save", "--quiet")]


def run_all(store: Path, tmp_path: Path):
    outs = []
    for i, cmd in enumerate(COMMANDS):
        out = tmp_path / f"out{i}"
        outs.append(cli(*[out if a == "OUT" else a for a in cmd], "--store", store))
    return outs


@pytest.mark.parametrize("damage", ["middle-overwritten", "truncated"])
def test_a_damaged_store_file_is_one_line_in_every_command(damage, tmp_path, result):
    store = saved_store(tmp_path / "runs.sqlite", result)
    data = bytearray(store.read_bytes())
    if damage == "middle-overwritten":
        # Every page but the first (the header and the schema) becomes garbage.
        data[4096:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - 4096))
        store.write_bytes(bytes(data))
    else:
        store.write_bytes(bytes(data[:len(data) // 2]))
    before = store.read_bytes()
    for cmd, r in zip(COMMANDS, run_all(store, tmp_path)):
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        assert r.stderr.count("\n") == 1, (cmd, r.stderr)
        assert r.stderr.startswith(f"error: store = '{store}': "), (cmd, r.stderr)
    assert store.read_bytes() == before  # reported, never repaired or overwritten
    assert not any((tmp_path / f"out{i}").exists() for i in range(len(COMMANDS)))


def test_a_garbage_file_is_one_line_in_every_command(tmp_path):
    store = tmp_path / "junk.sqlite"
    store.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    before = store.read_bytes()
    for cmd, r in zip(COMMANDS, run_all(store, tmp_path)):
        assert r.returncode == 2, (cmd, r.stderr)
        assert r.stderr.startswith(f"error: store = '{store}': ") and r.stderr.count("\n") == 1
    assert store.read_bytes() == before


def test_a_damaged_blob_or_document_names_the_run(tmp_path, result):
    store = saved_store(tmp_path / "runs.sqlite", result, runs=3)
    conn = sqlite3.connect(store)
    conn.execute("UPDATE run_tables SET data = ? WHERE run_id = 1 AND name = 'jobs'",
                 (b"PAR1 this is not parquet PAR1",))
    conn.execute("UPDATE runs SET scenario = '{\"name\": ' WHERE id = 2")
    conn.commit()
    conn.close()
    r = cli("runs", "show", "1", "--store", store)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: run = '1': stored run 1 in {store} is damaged (")
    r = cli("runs", "export", "1", "--out", tmp_path / "x", "--store", store)
    assert r.returncode == 2 and r.stderr.startswith("error: run = '1': stored run 1 in ")
    assert not (tmp_path / "x").exists()
    r = cli("runs", "show", "2", "--store", store)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: run = '2': stored run 2 in {store} is damaged (")
    # The runs around them are whole; the list still works.
    assert cli("runs", "show", "3", "--store", store).returncode == 0
    assert cli("runs", "list", "--store", store).returncode == 0
    conn = sqlite3.connect(store)
    conn.execute("UPDATE runs SET summary = 'garbage' WHERE id = 3")
    conn.commit()
    conn.close()
    r = cli("runs", "list", "--store", store)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: store = '{store}': a stored run is damaged")


# ---------------------------------------------------------------- a full disk

def file_size_limit(limit: int):
    def preexec():
        # Writes past the limit fail (EFBIG) instead of killing the process: a full disk.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_saving_on_a_full_disk_reports_the_disk_and_keeps_the_store(tmp_path, result):
    store = tmp_path / "runs.sqlite"
    RunStore(store).save(result, name="kept")
    # 50 kB: room for SQLite's 32 kB shared-memory file, not for a run's 73 kB of tables.
    r = cli("sweep", MAX_TIME, "--set", "seed=2", "--save", "--store", store,
            preexec_fn=file_size_limit(50_000))
    assert r.returncode == 2, r.stderr
    # SQLite calls the EFBIG a file size limit gives an I/O error (a full disk: "database or
    # disk is full"); either way the write's own error, never the rollback's.
    assert r.stderr.splitlines()[-1] == (f"error: store = '{store}': cannot write: disk I/O "
                                         f"error (this process may not write files larger "
                                         f"than 50,000 bytes: ulimit -f)")
    assert "Traceback" not in r.stderr and "rollback" not in r.stderr
    s = RunStore(store)
    assert list(s.list()["name"]) == ["kept"]
    assert s.save(result, name="after") == 2  # the store is whole and usable
