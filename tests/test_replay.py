"""Trace replay: the sample SWF trace gives the documented jobs and sessions; bad lines are
reported with their line number; the project's own jobs.csv replays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine import ScenarioError, load_scenario, run_scenario, validate_scenario
from engine import replay

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scenarios" / "traces" / "sample.swf"
SCENARIO = ROOT / "scenarios" / "swf-replay.yaml"


def parse(text, **kw):
    args = dict(name="w", tenants={"user1", "user2", "user3", "user4"}, default_tenant="other",
                backends=["qpu_1", "qpu_2"])
    args.update(kw)
    return replay.parse_swf(text, **args)


def test_sample_swf_gives_the_documented_jobs_and_sessions():
    trace = parse(SAMPLE.read_text())
    lines = [l for l in SAMPLE.read_text().splitlines() if l and not l.startswith(";")]
    assert len(lines) == 33 and len(trace.jobs) == 32 and trace.skipped == 1  # job 9 skipped
    by_id = {j.id: j for j in trace.jobs}
    assert "w.9" not in by_id
    # Job 5: run time unknown, its requested time (120 s) is both duration and limit.
    assert by_id["w.5"].duration == 120 and by_id["w.5"].max_execution_time == 120
    # Submit times start at 0: the first job was submitted at 17 in the trace.
    first = min(trace.jobs, key=lambda j: j.submit)
    assert first.id == "w.1" and first.submit == 0.0
    # Fields: job 1 is "1 17 -1 12 ... user 2 ... partition 1".
    assert (by_id["w.1"].tenant, by_id["w.1"].backend, by_id["w.1"].duration) == \
        ("user2", "qpu_1", 12.0)
    assert by_id["w.3"].backend == "qpu_2"                      # partition 2
    # Chains: user3's six jobs and user4's three are one session each.
    chains = {}
    for j in trace.jobs:
        if j.session:
            chains.setdefault(j.session, []).append(j)
    assert sorted(len(v) for v in chains.values()) == [3, 6]
    assert {v[0].tenant for v in chains.values()} == {"user3", "user4"}
    assert sorted(trace.sessions.values()) == [("user3", "qpu_1"), ("user4", "qpu_2")]


def test_the_replay_scenario_runs_its_sessions():
    result = run_scenario(load_scenario(SCENARIO))
    assert len(result.jobs) == 32 and (result.jobs["status"] == "completed").all()
    s = result.sessions.set_index("tenant")
    assert list(s.loc[["user3", "user4"], "jobs"]) == [6, 3]
    assert (result.sessions["end_reason"] == "closed").all()


@pytest.mark.parametrize("bad, message", [
    ("1 0 -1 10 1", "line 2: expected 18 fields, got 5"),
    ("2 5 -1 ten 1 -1 -1 1 20 -1 1 1 1 1 1 1 -1 -1", "line 2: field 4 is not a finite number"),
    ("1 5 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 1 -1 -1", "line 2: job number 1 repeats"),
])
def test_a_bad_line_is_reported_with_its_number(tmp_path, bad, message):
    trace = tmp_path / "bad.swf"
    trace.write_text("1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 1 -1 -1\n" + bad + "\n")
    doc = load_scenario(SCENARIO).model_dump(mode="json", exclude_defaults=True)
    doc["workloads"][0]["trace"] = str(trace)
    sc_file = tmp_path / "s.json"
    import json

    sc_file.write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, "-m", "engine", "simulate", str(sc_file), "--out",
                        str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2
    line = r.stderr.strip()
    assert line.startswith("error: workloads[0].trace = '") and line.endswith(f": {message}")
    assert "\n" not in line
    assert not (tmp_path / "out").exists()


def test_the_projects_own_jobs_csv_replays(tmp_path):
    original = run_scenario(load_scenario(ROOT / "scenarios" / "max-time.yaml"))
    original.write(tmp_path / "orig")
    sc = validate_scenario({
        "name": "again", "backends": [{"name": "qpu_1"}],
        "tenants": [{"name": "alice"}, {"name": "bob"}, {"name": "other"}],
        "workloads": [{"name": "r", "kind": "replay", "format": "jobs_csv", "tenant": "other",
                       "backend": "qpu_1", "trace": "orig/jobs.csv"}]}, base_dir=tmp_path)
    again = run_scenario(sc)
    assert len(again.jobs) == len(original.jobs)
    a = original.jobs.set_index("job_id")
    b = again.jobs.assign(job_id=again.jobs["job_id"].str.removeprefix("r.")).set_index("job_id")
    pd.testing.assert_series_equal(a["duration"], b.loc[a.index, "duration"], check_names=False)
    assert set(b["tenant"]) == set(a["tenant"])
    with pytest.raises(ScenarioError, match="line 1: missing columns"):
        replay.parse_jobs_csv("a,b\n1,2\n", name="r", tenants=set(), default_tenant="x",
                              backends=["q"])


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_TOKENS = st.one_of(st.integers(-3, 5000).map(str), st.sampled_from(["-1", "x", "1e3", "nan",
                                                                      "inf", ";", "1.5"]))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.lists(_TOKENS, min_size=18, max_size=18),
                          st.lists(_TOKENS, max_size=20)).map(" ".join), max_size=8))
def test_any_swf_text_gives_a_trace_or_a_message_naming_the_line(lines):
    text = "\n".join(lines)
    try:
        trace = parse(text)
    except ScenarioError as exc:
        assert "line " in str(exc)
        return
    for job in trace.jobs:
        assert job.duration >= 0 and job.submit >= 0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(["a", "1", "qpu_1", "", "-2", "x,y", "nan", "3.5"]),
                         max_size=8).map(",".join), max_size=6))
def test_any_jobs_csv_text_gives_a_trace_or_a_message_naming_the_line(rows):
    text = "job_id,tenant,backend,submit_time,duration,session_id\n" + "\n".join(rows)
    try:
        replay.parse_jobs_csv(text, name="r", tenants={"a"}, default_tenant="a",
                              backends=["qpu_1"])
    except ScenarioError as exc:
        assert "line " in str(exc)


def test_a_long_chain_and_a_loop_of_predecessors():
    rows = [f"{i} {i} -1 1 1 -1 -1 1 2 -1 1 1 1 1 1 1 {i - 1 if i > 1 else -1} 0"
            for i in range(1, 3001)]
    rows.append("3001 3001 -1 1 1 -1 -1 1 2 -1 1 1 1 1 1 1 3002 0")
    rows.append("3002 3002 -1 1 1 -1 -1 1 2 -1 1 1 1 1 1 1 3001 0")
    trace = parse("\n".join(rows))
    sizes = sorted(sum(1 for j in trace.jobs if j.session == s) for s in trace.sessions)
    assert sizes == [2, 3000]
