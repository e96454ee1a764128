"""The command line against the contract (SCENARIO_FORMAT.md): files, columns, bad input."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .helpers import cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

JOB_COLS = ["job_id", "tenant", "backend", "session_id", "submit_time", "start_time",
            "end_time", "status", "reason"]
SESSION_COLS = ["session_id", "tenant", "backend", "mode", "start_time", "end_time",
                "end_reason", "max_time", "usage"]
EVENT_COLS = ["time", "backend", "event", "session_id", "job_id", "detail"]



def header(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_builtin_scenario_runs_and_writes_the_three_csv_files(scenario, tmp_path):
    out = tmp_path / "out"
    r = cli("simulate", scenario, "--out", out)
    assert r.returncode == 0, r.stderr
    assert header(out / "jobs.csv")[:len(JOB_COLS)] == JOB_COLS
    assert header(out / "sessions.csv")[:len(SESSION_COLS)] == SESSION_COLS
    assert header(out / "events.csv")[:len(EVENT_COLS)] == EVENT_COLS
    jobs = pd.read_csv(out / "jobs.csv")
    assert len(jobs) > 0
    assert set(jobs.status) <= {"completed", "failed", "cancelled", "rejected"}
    sessions = pd.read_csv(out / "sessions.csv", keep_default_na=False)
    assert set(sessions.end_reason) <= {"closed", "expired", "cancelled", ""}
    events = pd.read_csv(out / "events.csv")
    assert events.time.is_monotonic_increasing
    assert set(events.event) >= {"job_submitted", "job_started", "job_completed"}
    assert r.stdout.splitlines()[0].startswith(yaml.safe_load(scenario.read_text())["name"])
    assert r.stdout.strip()
    assert r.returncode == 0 and cli("validate", scenario).returncode == 0


def test_max_time_scenario_tells_the_story(tmp_path):
    out = tmp_path / "out"
    assert cli("simulate", ROOT / "scenarios/max-time.yaml", "--out", out, "--quiet").returncode == 0
    jobs = pd.read_csv(out / "jobs.csv", keep_default_na=False).set_index("job_id")
    assert (jobs.loc["b08", "status"], jobs.loc["b08", "end_time"]) == ("completed", "306.0")
    assert (jobs.loc["b09", "status"], jobs.loc["b09", "reason"]) == ("failed", "session expired")
    assert jobs.loc["b09", "start_time"] == ""  # never ran: empty, as the contract says
    assert list(jobs.loc[["b10", "b11"], "status"]) == ["rejected", "rejected"]
    s = pd.read_csv(out / "sessions.csv").set_index("session_id").loc["s1"]
    assert (s.start_time, s.end_time, s.end_reason) == (0.0, 300.0, "expired")


def test_session_beats_batch_and_job_mode_in_the_mode_scenario(tmp_path):
    # ibm-2024: an iterative loop's batch deactivates 1 s after each job (R14), so between
    # steps it waits in fair share like job mode: the session is the one that helps.
    out = tmp_path / "out"
    assert cli("simulate", ROOT / "scenarios/session-vs-batch-vs-job.yaml", "--out", out,
               "--quiet").returncode == 0
    c = pd.read_csv(out / "clients.csv").set_index("mode")["time_to_solution"]
    assert c["dedicated"] < c["batch"] <= c["job"]
    events = pd.read_csv(out / "events.csv")
    assert (events.event == "session_deactivated").sum() > 0


def test_parquet_holds_the_same_tables(tmp_path):
    out = tmp_path / "out"
    r = cli("simulate", ROOT / "scenarios/max-time.yaml", "--out", out, "--format", "both",
            "--quiet")
    assert r.returncode == 0, r.stderr
    for name in ("jobs", "sessions", "events"):
        a = pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
        b = pd.read_parquet(out / f"{name}.parquet")
        assert list(a.columns) == list(b.columns)
        assert len(a) == len(b)
    r = cli("simulate", ROOT / "scenarios/max-time.yaml", "--out", tmp_path / "p", "--format",
            "parquet", "--quiet")
    assert r.returncode == 0
    assert not list((tmp_path / "p").glob("*.csv"))
    assert (tmp_path / "p" / "jobs.parquet").exists()


def _doc(**changes):
    doc = {"name": "bad", "seed": 1, "backends": [{"name": "qpu_a"}],
           "tenants": [{"name": "alice", "share": 1}],
           "sessions": [{"id": "s1", "tenant": "alice", "backend": "qpu_a"}],
           "jobs": [{"id": "j1", "tenant": "alice", "backend": "qpu_a", "submit": 0.0,
                     "duration": 10.0}]}
    doc.update(changes)
    return doc


def _job(**fields):
    return [{"id": "j1", "tenant": "alice", "backend": "qpu_a", "submit": 0.0, "duration": 10.0,
             **fields}]


BAD = [
    ("unknown backend", _doc(jobs=_job(backend="qpu_z")), "jobs[0].backend = 'qpu_z': unknown backend"),
    ("unknown tenant", _doc(jobs=_job(tenant="eve")), "jobs[0].tenant = 'eve': unknown tenant"),
    ("unknown session", _doc(jobs=_job(session="s9")), "jobs[0].session = 's9': unknown session"),
    ("duplicate id", _doc(jobs=_job() + _job()), "jobs[1].id = 'j1': duplicate id"),
    ("duplicate backend", _doc(backends=[{"name": "qpu_a"}, {"name": "qpu_a"}]),
     "backends[1].name = 'qpu_a': duplicate name"),
    ("negative time", _doc(jobs=_job(submit=-5)), "jobs[0].submit = -5: "),
    ("non-numeric time", _doc(jobs=_job(submit="soon")), "jobs[0].submit = 'soon': "),
    ("negative duration", _doc(jobs=_job(duration=-1)), "jobs[0].duration = -1: "),
    ("missing key", _doc(jobs=[{"id": "j1", "tenant": "alice", "submit": 0}]),
     "jobs[0].backend: required key is missing"),
    ("missing backends", {"name": "x", "tenants": [{"name": "a"}]},
     "backends: required key is missing"),
    ("session on unknown backend", _doc(sessions=[{"id": "s1", "tenant": "alice",
                                                   "backend": "nowhere"}]),
     "sessions[0].backend = 'nowhere': unknown backend"),
    ("negative close_at", _doc(sessions=[{"id": "s1", "tenant": "alice", "backend": "qpu_a",
                                          "close_at": -1}]), "sessions[0].close_at = -1: "),
    ("bad mode", _doc(sessions=[{"id": "s1", "tenant": "alice", "backend": "qpu_a",
                                 "mode": "turbo"}]), "sessions[0].mode = 'turbo': "),
    ("unknown key", _doc(colour="red"), "colour = 'red': unknown key"),
    ("bad preset", _doc(policy={"preset": "ibm-1999"}), "policy.preset = 'ibm-1999': "),
]


@pytest.mark.parametrize("case,doc,message", BAD, ids=[b[0] for b in BAD])
def test_bad_scenario_exits_2_with_one_line_naming_key_and_value(case, doc, message, tmp_path):
    from engine.__main__ import main

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    out = tmp_path / "out"
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["simulate", str(path), "--out", str(out), "--quiet"])
    assert code == 2
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("error: " + message), err.getvalue()
    assert not out.exists()


def test_bad_scenario_through_the_real_command_has_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_doc(jobs=_job(backend="qpu_z"))))
    r = cli("simulate", path, "--out", tmp_path / "out")
    assert r.returncode == 2
    assert r.stderr == "error: jobs[0].backend = 'qpu_z': unknown backend\n"
    assert r.stdout == ""
    assert not (tmp_path / "out").exists()


def test_broken_yaml_and_missing_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nbackends: [\n  - name: a\n")
    r = cli("validate", path)
    assert r.returncode == 2
    assert r.stderr.startswith("error: (file) = 'line ") and "not valid YAML" in r.stderr
    r = cli("simulate", tmp_path / "nope.yaml", "--out", tmp_path / "o")
    assert r.returncode == 2 and "no such file" in r.stderr
    assert not (tmp_path / "o").exists()


def test_validate_describes_a_good_file():
    r = cli("validate", ROOT / "scenarios/seed-story.yaml")
    assert r.returncode == 0
    assert "valid scenario 'seed-story'" in r.stdout


def test_unwritable_out_is_reported_not_raised(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a folder")
    r = cli("simulate", ROOT / "scenarios/max-time.yaml", "--out", target)
    assert r.returncode == 2 and r.stderr.startswith("error: --out = ")
    r = cli("simulate", ROOT / "scenarios/max-time.yaml", "--out", target / "sub")
    assert r.returncode == 2 and "cannot write" in r.stderr and "Traceback" not in r.stderr


BELL_QASM = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\n'
             'cx q[0],q[1];\nmeasure q -> c;\n')


def test_files_outside_the_scenario_folder_need_data_dir(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bell.qasm").write_text(BELL_QASM)
    path = tmp_path / "scen" / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "dd", "backends": [{"name": "a"}], "tenants": [{"name": "t"}],
        "circuits": {"bell": {"qasm": "../data/bell.qasm"}},
        "jobs": [{"id": "j", "tenant": "t", "backend": "a", "submit": 0, "circuit": "bell"}]}))
    for command in (["validate", path], ["simulate", path, "--out", tmp_path / "o"],
                    ["sweep", path, "--set", "seed=1,2", "--workers", "1"]):
        r = cli(*command)
        assert r.returncode == 2 and r.stdout == "", r.stderr
        assert r.stderr.startswith("error: circuits.bell.qasm = '../data/bell.qasm': lies "
                                   "outside the scenario's folder")
        assert cli(*command, "--data-dir", tmp_path / "data").returncode == 0
    jobs = pd.read_csv(tmp_path / "o" / "jobs.csv")
    assert list(jobs.status) == ["completed"]
    r = cli("validate", path, "--data-dir", tmp_path / "nowhere")
    assert r.returncode == 2 and r.stderr.startswith("error: --data-dir = ")


def test_a_clock_past_its_limit_is_refused_and_nothing_written(tmp_path):
    # 5,000 jobs of 10^9 s each, one after another: the clock would pass 2**62 microseconds.
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump({
        "name": "long", "backends": [{"name": "a"}], "tenants": [{"name": "t"}],
        "workloads": [{"name": "w", "kind": "background", "tenant": "t", "backend": "a",
                       "duration": 1e9, "count": 5000,
                       "arrivals": {"process": "periodic", "interval": 1}}]}))
    r = cli("simulate", path, "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 2
    assert r.stderr.startswith("error: (scenario): the simulated clock would pass")
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()
