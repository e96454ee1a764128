"""Figure builders against a hand-worked trace: bar starts and ends, band spans, marker times,
queue depth; and the WebGL switch for large runs.

The trace (interactive timeout 60 s, one backend, alice and bob with equal shares):
  b1  bob   job mode      submitted 0,   runs 0-100
  a1  alice session S     submitted 10,  waits behind b1, runs 100-120 (S starts at 100, R4)
  a2  alice session S     submitted 140, inside S's window: runs 140-150 at once (R6)
      S holds qpu_a reserved 150-210, then deactivates at 210 (R6)
  b2  bob   job mode      submitted 200, waits for the hold, runs 210-260
  a3  alice session S     submitted 300, S inactive, wins fair share: runs 300-310, S
      reactivates at 300 (R7); reserved 310-370, deactivates at 370
  S closed at 400 while inactive: ends at once (R10)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from .helpers import job, run, scenario, session
from ui import figures


@pytest.fixture(scope="module")
def trace():
    doc = scenario(jobs=[job("b1", "bob", 0, 100), job("a1", "alice", 10, 20, session="S"),
                         job("a2", "alice", 140, 10, session="S"), job("b2", "bob", 200, 50),
                         job("a3", "alice", 300, 10, session="S")],
                   sessions=[session("S", "alice", close_at=400)],
                   tenants={"alice": 1, "bob": 1})
    return run(doc)


EXPECTED_SPANS = [("open", 10, 100), ("running", 100, 120), ("reserved idle", 120, 140),
                  ("running", 140, 150), ("reserved idle", 150, 210), ("inactive", 210, 300),
                  ("running", 300, 310), ("reserved idle", 310, 370), ("inactive", 370, 400)]


def test_the_engine_records_running_reserved_idle_inactive_open_spans(trace):
    got = [(k, s, e) for k, s, e in trace.spans[["kind", "start", "end"]].itertuples(index=False)]
    assert got == EXPECTED_SPANS
    # The session's hold and reserved idle in sessions.csv are the sums of its spans.
    row = trace.sessions.set_index("session_id").loc["S"]
    assert (row.reserved_idle, row.active_time) == (60 + 20 + 60, 20 + 20 + 10 + 60 + 10 + 60)


def test_spans_of_older_runs_are_worked_out_from_their_events(trace):
    from engine.trace import spans_from_events

    spans = spans_from_events(trace.jobs, trace.sessions, trace.events)
    assert [tuple(r) for r in spans[["kind", "start", "end"]].itertuples(index=False)] == \
        EXPECTED_SPANS


def test_session_markers(trace):
    m = figures.session_markers(trace.events, trace.sessions)
    assert list(zip(m["kind"], m["time"])) == [
        ("open", 10), ("start", 100), ("deactivate", 210), ("reactivate", 300),
        ("deactivate", 370), ("closed", 400)]


def test_queue_depth_steps(trace):
    d = figures.queue_depth(trace.jobs)
    assert list(zip(d["time"], d["depth"])) == [(0, 0), (10, 1), (100, 0), (140, 0), (200, 1),
                                                 (210, 0), (300, 0)]


def test_timeline_draws_each_job_bar_band_and_marker_where_the_trace_says(trace):
    fig = figures.timeline(trace.jobs, trace.sessions, trace.events, trace.spans,
                           tenants=["alice", "bob"])
    bars = {t.name: t for t in fig.data if t.type == "bar" and t.name in ("alice", "bob")}
    alice, bob = bars["alice"], bars["bob"]
    assert list(alice.base) == [100, 140, 300] and list(alice.x) == [20, 10, 10]
    assert list(bob.base) == [0, 210] and list(bob.x) == [100, 50]
    assert set(alice.y) == {"qpu_a"} and alice.xaxis == "x" and alice.yaxis == "y"
    # Session jobs are hatched; job-mode jobs are not.
    assert list(alice.marker.pattern.shape) == ["/", "/", "/"]
    assert list(bob.marker.pattern.shape) == ["", ""]
    # Hover carries the job, tenant, session, times, wait, status and rule.
    assert list(bob.customdata[1]) == ["b2", "bob", "none (job mode)", 200.0, 210.0, 260.0,
                                       10.0, "completed", "R3"]
    idle = next(t for t in fig.data if t.name == "reserved idle")
    assert list(zip(idle.base, np.add(idle.base, idle.x))) == [(120, 140), (150, 210),
                                                               (310, 370)]
    assert idle.yaxis == "y2"
    inactive = next(t for t in fig.data if t.name == "inactive")
    assert list(inactive.base) == [210, 370] and list(inactive.x) == [90, 30]
    deact = next(t for t in fig.data if t.type == "scatter" and t.name == "deactivated")
    assert list(deact.x) == [210, 370] and list(deact.y) == ["S", "S"]
    closed = next(t for t in fig.data if t.type == "scatter" and t.name == "closed")
    assert list(closed.x) == [400]
    queue = next(t for t in fig.data if t.name == "queue qpu_a")
    assert list(queue.x) == [0, 10, 100, 140, 200, 210, 300] and queue.line.shape == "hv"
    assert queue.yaxis == "y3"
    # One time axis for all rows, with a range slider at the bottom.
    assert fig.layout.xaxis.matches == "x3" and fig.layout.xaxis2.matches == "x3"
    assert fig.layout.xaxis3.rangeslider.visible


def test_filters_narrow_every_table(trace):
    j, s, e, sp = figures.filter_run(trace.jobs, trace.sessions, trace.events, trace.spans,
                                     tenants=["bob"])
    assert list(j["job_id"]) == ["b1", "b2"] and s.empty and sp.empty
    j, s, e, sp = figures.filter_run(trace.jobs, trace.sessions, trace.events, trace.spans,
                                     session_ids=["S"])
    assert list(j["job_id"]) == ["a1", "a2", "a3"] and list(s["session_id"]) == ["S"]
    assert set(sp["session_id"]) == {"S"} and len(sp) == len(trace.spans)


def test_large_runs_switch_to_webgl_segments():
    n = figures.WEBGL_THRESHOLD + 1
    starts = np.arange(n, dtype=float) * 2
    jobs = pd.DataFrame({
        "job_id": [f"j{i}" for i in range(n)], "tenant": np.where(np.arange(n) % 2, "a", "b"),
        "backend": "q", "session_id": None, "submit_time": starts, "start_time": starts,
        "end_time": starts + 1.5, "finished_at": starts + 1.5, "wait": 0.0,
        "status": "completed", "rule": "R3"})
    empty_s = pd.DataFrame(columns=["session_id", "tenant", "backend", "mode", "start_time",
                                    "end_time", "end_reason", "opened_at"])
    empty_e = pd.DataFrame(columns=["time", "backend", "event", "session_id", "job_id",
                                    "detail", "tenant", "seq"])
    fig = figures.timeline(jobs, empty_s, empty_e,
                           pd.DataFrame(columns=["session_id", "kind", "start", "end"]))
    gl = [t for t in fig.data if t.type == "scattergl"]
    assert {t.name for t in gl} == {"a", "b"}
    assert not [t for t in fig.data if t.type == "bar"]
    b = next(t for t in gl if t.name == "b")
    assert list(b.y[:2]) == [0, 0] and list(fig.layout.yaxis.ticktext) == ["q"]
    # Segments: start, end, gap for each job.
    assert list(b.x[:3])[:2] == [0.0, 1.5] and np.isnan(b.x[2])
    assert len(b.x) == 3 * ((n + 1) // 2)
    json.loads(fig.to_json())  # serialisable


def test_result_charts():
    fig = figures.counts_histogram({"00": 480, "11": 520, "01": 3})
    assert list(fig.data[0].x) == ["00", "01", "11"] and list(fig.data[0].y) == [480, 3, 520]
    it = pd.DataFrame({"client_id": ["c", "c"], "iteration": [1, 2], "job_id": ["j1", "j2"],
                       "submit_time": [0, 10], "result_time": [5, 30], "value": [-1.0, -1.5]})
    cl = pd.DataFrame({"client_id": ["c"], "target": [-1.857]})
    f1 = figures.iteration_values(it, cl)
    f2 = figures.iteration_values(it, cl, against="time")
    assert list(f1.data[0].x) == [1, 2] and list(f2.data[0].x) == [5, 30]
    assert f1.layout.shapes[0].y0 == -1.857
