"""Properties over random valid scenarios, checked from the trace alone (R1, R5, R6, R9, R16,
R17), and over broken documents (a clean message, never another exception)."""

import io
import json
import math
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from engine import validate_scenario
from engine.__main__ import main
from engine.job import TERMINAL

from .helpers import run
from .strategies import broken_scenarios, valid_scenarios

PROPS = settings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

TERMINAL_EVENTS = {"job_completed", "job_failed", "job_cancelled", "job_rejected"}


def _close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def check_r1(result):
    """R1: on each backend, each job starts after the one started before it has ended (in the
    trace's order, so zero-length jobs at one instant are ordered right)."""
    ends = dict(zip(result.jobs.job_id, result.jobs.end_time))
    started = result.events[result.events.event == "job_started"]
    for _, ev in started.groupby("backend"):
        rows = list(ev[["time", "job_id"]].itertuples(index=False))
        for prev, nxt in zip(rows, rows[1:]):
            assert nxt.time >= ends[prev.job_id], (prev, nxt)


def check_r5(result):
    """R5: while a dedicated session is active, no other job starts on its backend."""
    ev = result.events
    modes = dict(zip(result.sessions.session_id, result.sessions["mode"]))
    job_session = dict(zip(result.jobs.job_id, result.jobs.session_id))
    active = {}  # backend -> session active there (by event order)
    for row in ev.itertuples(index=False):
        if row.event in ("session_started", "session_reactivated") and \
                modes.get(row.session_id) == "dedicated":
            assert row.backend not in active, f"two active sessions on {row.backend}"
            active[row.backend] = row.session_id
        elif row.event in ("session_deactivated", "session_ended") and \
                active.get(row.backend) == row.session_id:
            del active[row.backend]
        elif row.event == "job_started" and row.backend in active:
            assert job_session[row.job_id] == active[row.backend], row


def check_r6(result):
    """R6: a reserved wait never lasts longer than the interactive timeout."""
    timeouts = dict(zip(result.sessions.session_id, result.sessions.interactive_timeout))
    waiting = {}
    for row in result.events.itertuples(index=False):
        sid = row.session_id
        if row.event == "session_waiting":
            waiting[sid] = row.time
        elif sid in waiting and row.event in ("job_started", "session_deactivated",
                                              "session_ended"):
            held = row.time - waiting.pop(sid)
            assert held <= timeouts[sid] or _close(held, timeouts[sid]), (sid, held)
    # A wait still open when the run ended would have to be shorter than the run.
    assert not waiting


def check_r9(result):
    """R9: no session job starts at or after the session's maximum time."""
    ses = result.sessions.set_index("session_id")
    for job in result.jobs.dropna(subset=["start_time", "session_id"]).itertuples(index=False):
        s = ses.loc[job.session_id]
        assert job.start_time < s.start_time + s.max_time, (job.job_id, job.start_time)


def check_r16(result):
    """R16: every job ends in exactly one terminal status, with one terminal event."""
    assert set(result.jobs.status) <= set(TERMINAL)
    ev = result.events[result.events.event.isin(TERMINAL_EVENTS)]
    counts = ev.job_id.value_counts()
    assert set(counts.index) == set(result.jobs.job_id)
    assert (counts == 1).all()
    never_ran = result.jobs[result.jobs.status.isin(["cancelled", "rejected"])]
    assert never_ran.start_time.isna().all()
    assert (result.jobs[result.jobs.status == "completed"].start_time.notna()).all()


@PROPS
@given(valid_scenarios())
def test_properties_r1_r5_r6_r9_r16_on_random_scenarios(doc):
    result = run(doc)
    check_r1(result)
    check_r5(result)
    check_r6(result)
    check_r9(result)
    check_r16(result)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_property_r17_two_runs_write_identical_files(doc):
    with tempfile.TemporaryDirectory() as tmp:
        a = run(doc).write(Path(tmp) / "a", formats=("csv", "parquet"))
        b = run(doc).write(Path(tmp) / "b", formats=("csv", "parquet"))
        for pa, pb in zip(a, b):
            assert pa.read_bytes() == pb.read_bytes(), pa.name


def _cli(doc, suffix=".json"):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"scenario{suffix}"
        path.write_text(json.dumps(doc, allow_nan=True))
        out = Path(tmp) / "out"
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            code = main(["simulate", str(path), "--out", str(out), "--quiet"])
        return code, err.getvalue(), out.exists() and any(out.iterdir())


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(broken_scenarios())
def test_broken_documents_give_a_valid_run_or_one_line_naming_the_key(doc):
    code, err, wrote = _cli(doc)
    if code == 0:
        assert wrote
        return
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert not wrote
    # The line names a key: the first word after "error: " is a key path or "(file)".
    key = lines[0][len("error: "):].split(" ")[0].rstrip(":")
    assert key, lines[0]


def test_valid_documents_validate():
    # A few valid documents by hand, including the contract's example, validate and run.
    doc = {"name": "c", "seed": 7, "policy": {"preset": "ibm-2022", "interactive_timeout": 60,
                                              "system_max_time": 28800},
           "backends": [{"name": "qpu_a"}], "tenants": [{"name": "alice", "share": 1}],
           "sessions": [{"id": "s1", "tenant": "alice", "backend": "qpu_a", "mode": "dedicated",
                         "max_time": None, "interactive_timeout": None, "close_at": None,
                         "cancel_at": None}],
           "jobs": [{"id": "j1", "tenant": "alice", "backend": "qpu_a", "submit": 0.0,
                     "duration": 10.0, "session": "s1", "max_execution_time": None}]}
    validate_scenario(doc)
    assert _cli(doc)[0] == 0
    assert not math.isnan(run(doc).jobs.end_time.iloc[0])


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_a_scenario_round_trips_through_its_dump(doc):
    # What scenario.json, the YAML editor and the run store write reloads as the same scenario.
    from engine.model import scenario_to_dict

    sc = validate_scenario(doc)
    assert validate_scenario(scenario_to_dict(sc)) == sc
