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
    # One time axis for all rows (the page's window slider chooses its stretch: no range
    # slider).
    assert fig.layout.xaxis.matches == "x3" and fig.layout.xaxis2.matches == "x3"
    assert not fig.layout.xaxis3.rangeslider.visible


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


# --------------------------------------------------------------------------- today's service
# R19-R21 drawn: stages on lane tracks, system work, reservations, lanes in use. Hand-worked:
#
# Lanes (ibm-2026, one backend q with 5 lanes; bob's batch b closed at 1 s):
#   a1, a2 alice: submitted 0, take lanes 1, 2 at 0, classical 100 s: ready at 100; the QPU runs
#          a1 100-110, a2 waits 100-110 (QPU contention) and runs 110-120
#   b1-b3 bob (batch): take lanes 3-5 at 1, classical 20 s: ready at 21; QPU b1 21-26, b2 26-31
#          (waited 21-26), b3 31-36 (waited 21-31)
#   b4-b6: no lane free until b1, b2, b3 end: start 26, 31, 36; ready 46, 51, 56; QPU 46-51,
#          51-56, 56-61 (each ready as the one before leaves the QPU: no wait)

def lanes_doc():
    def j(id, tenant, submit, duration, classical, session=None):
        return job(id, tenant, submit, duration, backend="q", session=session,
                   classical_time=classical)
    return {"name": "lanes", "seed": 0, "policy": {"preset": "ibm-2026"},
            "backends": [{"name": "q", "lanes": 5}],
            "tenants": [{"name": "alice"}, {"name": "bob"}],
            "sessions": [session("b", "bob", backend="q", mode="batch", close_at=1)],
            "jobs": [j("a1", "alice", 0, 10, 100), j("a2", "alice", 0, 10, 100),
                     *[j(f"b{i}", "bob", 1, 5, 20, session="b") for i in range(1, 7)]]}


@pytest.fixture(scope="module")
def lanes_run():
    return run(lanes_doc())


def spans_of(trace):
    """(start, end) of each bar of a Bar trace, or of each segment of a WebGL line trace."""
    if trace.type == "bar":
        return [(float(b), float(b) + float(x)) for b, x in zip(trace.base, trace.x)]
    xs = list(trace.x)
    return [(float(xs[i]), float(xs[i + 1])) for i in range(0, len(xs), 3)]


def test_the_engine_gives_the_stages_the_figure_draws(lanes_run):
    j = lanes_run.jobs.set_index("job_id")
    assert list(j.loc[["a1", "a2"], "ready_time"]) == [100, 100]
    assert list(j.loc[["a1", "a2"], "qpu_start_time"]) == [100, 110]
    assert list(j.loc[["b1", "b2", "b3", "b4", "b5", "b6"], "start_time"]) == [1, 1, 1, 26, 31, 36]
    assert list(j.loc[["b1", "b2", "b3"], "qpu_start_time"]) == [21, 26, 31]


def test_stages_are_drawn_on_lane_tracks_classical_waiting_and_qpu(lanes_run):
    r = lanes_run
    fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans, tenants=["alice", "bob"],
                           system=r.system, lanes={"q": 5})
    by_name = {t.name: t for t in fig.data}
    # Classical stages (start -> ready): lighter and thinner than the QPU bars.
    assert spans_of(by_name["alice: classical stage"]) == [(0, 100), (0, 100)]
    assert spans_of(by_name["bob: classical stage"]) == [(1, 21), (1, 21), (1, 21), (26, 46),
                                                          (31, 51), (36, 56)]
    # Ready but waiting for the QPU (ready -> QPU start): a thin line; only who waited.
    assert spans_of(by_name["alice: waiting for the QPU"]) == [(100, 110)]
    assert spans_of(by_name["bob: waiting for the QPU"]) == [(21, 26), (21, 31)]
    # The QPU stages, solid, under the tenant's own name (its legend entry).
    assert spans_of(by_name["alice"]) == [(100, 110), (110, 120)]
    assert spans_of(by_name["bob"]) == [(21, 26), (26, 31), (31, 36), (46, 51), (51, 56),
                                        (56, 61)]
    classical, qpu, wait = by_name["bob: classical stage"], by_name["bob"], \
        by_name["bob: waiting for the QPU"]
    bob_color = figures.tenant_colors(["alice", "bob"])["bob"]
    assert qpu.marker.color == bob_color
    assert classical.marker.color == figures._rgba(bob_color, figures.CLASSICAL_OPACITY)
    assert max(classical.width) < min(qpu.width) and max(wait.width) < min(classical.width)
    # Batch jobs' QPU bars are hatched; the classical stage is not.
    assert set(qpu.marker.pattern.shape) == {"/"}
    # Five jobs in progress at once: five tracks, each bar inside the row, none overlapping a
    # bar of another job on its track at the same time.
    centers = np.round(np.asarray(qpu.offset) + np.asarray(qpu.width) / 2, 6)
    assert len(set(np.round(np.asarray(classical.offset) + np.asarray(classical.width) / 2,
                            6))) == 3   # b1-b3 side by side; b4-b6 reuse their tracks
    assert all(-0.42 <= o and o + w <= 0.42 for o, w in zip(qpu.offset, qpu.width))
    assert len(set(centers)) == 3
    # Hover names the stage and its times.
    assert "classical stage" in classical.hovertemplate
    assert "waiting for the QPU" in wait.hovertemplate and "QPU stage" in qpu.hovertemplate
    row = list(wait.customdata[1])   # b3: submitted 1, started 1, ready 21, QPU 31-36
    assert row[:9] == ["b3", "bob", "b", 1.0, 1.0, 21.0, 36.0, 31.0, 36.0]
    assert row[13] == 10.0   # its QPU contention


def test_lanes_in_use_row_counts_jobs_between_start_and_end(lanes_run):
    r = lanes_run
    busy = figures.lanes_busy(r.jobs)
    assert list(zip(busy["time"], busy["busy"])) == [
        (0, 2), (1, 5), (26, 5), (31, 5), (36, 5), (51, 4), (56, 3), (61, 2), (110, 1),
        (120, 0)]
    fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans, system=r.system,
                           lanes={"q": 5})
    lanes = next(t for t in fig.data if t.name == "lanes q")
    assert list(lanes.x) == list(busy["time"]) and lanes.line.shape == "hv"
    cap = next(t for t in fig.data if t.name == "q: 5 lanes")
    assert list(cap.y) == [5, 5]
    # Its own row, beneath the backends: sessions and queue move down one.
    assert lanes.yaxis == "y2" and fig.layout.annotations[1].text.startswith("Lanes in use")
    assert next(t for t in fig.data if t.name == "queue q").yaxis == "y4"
    assert fig.layout.xaxis.matches == "x4" and fig.layout.xaxis4.title.text.startswith("simulated")


def test_webgl_draws_the_same_stages_as_segments(lanes_run):
    r = lanes_run
    fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans, tenants=["alice", "bob"],
                           system=r.system, lanes={"q": 5}, webgl=True)
    gl = {t.name: t for t in fig.data if t.type == "scattergl" and t.mode == "lines"}
    assert spans_of(gl["bob: classical stage"]) == [(1, 21), (1, 21), (1, 21), (26, 46),
                                                    (31, 51), (36, 56)]
    assert spans_of(gl["alice: waiting for the QPU"]) == [(100, 110)]
    assert spans_of(gl["alice"]) == [(100, 110), (110, 120)]
    assert gl["alice: waiting for the QPU"].line.width < gl["alice: classical stage"].line.width \
        < gl["alice"].line.width
    hover = next(t for t in fig.data if t.type == "scattergl" and t.mode == "markers"
                 and t.name == "alice")
    assert list(hover.text)[1] == "a2 (alice) waited 0 s, R3; classical 0-100; QPU 110-120 s"
    json.loads(fig.to_json())


def test_calibration_is_a_grey_bar_and_a_one_lane_run_has_no_lanes_row():
    """s4 of the oracle: one lane, calibration every 100 s (20 s, first due at 50), alice's
    dedicated session (max time 200 s) runs s1 0-40 and s2 70-80 and holds the QPU until it
    deactivates at 140; the calibration, due since 50, waits for it and runs 140-160; bob's x
    (submitted 10) takes the lane at 140 and waits for the QPU until 160, runs 160-170."""
    doc = {"name": "s4", "seed": 0, "policy": {"preset": "ibm-2024"},
           "backends": [{"name": "q", "calibration": {"every": 100, "duration": 20,
                                                       "first": 50}}],
           "tenants": [{"name": "alice"}, {"name": "bob"}],
           "sessions": [session("s", "alice", backend="q", max_time=200)],
           "jobs": [job("s1", "alice", 0, 40, backend="q", session="s"),
                    job("x", "bob", 10, 10, backend="q"),
                    job("s2", "alice", 70, 10, backend="q", session="s")]}
    r = run(doc)
    assert [tuple(x) for x in r.system[["kind", "start", "end"]].itertuples(index=False)] == \
        [("calibration", 140, 160)]
    fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans, tenants=["alice", "bob"],
                           system=r.system, lanes={"q": 1})
    by_name = {t.name: t for t in fig.data}
    cal = by_name["calibration"]
    assert spans_of(cal) == [(140, 160)] and list(cal.y) == ["q"] and cal.yaxis == "y"
    assert "calibration" in [a.text for a in fig.layout.annotations]
    assert spans_of(by_name["bob: waiting for the QPU"]) == [(140, 160)]
    assert spans_of(by_name["bob"]) == [(160, 170)]
    assert spans_of(by_name["alice"]) == [(0, 40), (70, 80)]
    assert "bob: classical stage" not in by_name   # no classical stage: none drawn
    # One lane, no classical stage: no lanes row; sessions and queue keep rows 2 and 3.
    assert not [t for t in fig.data if (t.name or "").startswith("lanes ")]
    assert by_name["queue q"].yaxis == "y3"
    # One track: the bars are today's (0.7 high, centred).
    assert list(by_name["bob"].width) == [pytest.approx(0.7)]
    assert list(by_name["bob"].offset) == [pytest.approx(-0.35)]
    # WebGL too.
    gl = figures.timeline(r.jobs, r.sessions, r.events, r.spans, system=r.system, webgl=True)
    cal = next(t for t in gl.data if t.name == "calibration")
    assert cal.type == "scattergl" and spans_of(cal) == [(140, 160)]


def test_a_reservation_is_an_outlined_band_naming_its_tenant():
    """s5 of the oracle: bob reserves q 100-200; the run's jobs are drawn as before (one lane,
    no stage to show), the reservation behind them."""
    doc = {"name": "s5", "seed": 0, "policy": {"preset": "ibm-2024"},
           "backends": [{"name": "q"}], "tenants": [{"name": "alice"}, {"name": "bob"}],
           "reservations": [{"id": "r1", "tenant": "bob", "backend": "q", "start": 100,
                             "end": 200}],
           "sessions": [session("s", "alice", backend="q", close_at=95)],
           "jobs": [job("s1", "alice", 0, 50, backend="q", session="s"),
                    job("b2", "bob", 50, 10, backend="q"),
                    job("s2", "alice", 80, 30, backend="q", session="s"),
                    job("a3", "alice", 90, 10, backend="q", session="s"),
                    job("b1", "bob", 120, 20, backend="q")]}
    r = run(doc)
    fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans, tenants=["alice", "bob"],
                           system=r.system, lanes={"q": 1})
    res = next(t for t in fig.data if t.name == "reservation")
    assert spans_of(res) == [(100, 200)] and res.width == 0.96
    bob_color = figures.tenant_colors(["alice", "bob"])["bob"]
    assert list(res.marker.line.color) == [bob_color]           # bob's colour, outlined
    assert res.marker.color[0] == figures._rgba(bob_color, 0.13)   # translucent fill
    assert fig.data.index(res) < fig.data.index(next(t for t in fig.data if t.name == "bob"))
    assert "reserved for bob (r1)" in [a.text for a in fig.layout.annotations]
    bob = next(t for t in fig.data if t.name == "bob")
    assert spans_of(bob) == [(110, 120), (120, 140)] and bob.offset is None  # as before
    assert "outlined band = reservation" in fig.layout.annotations[0].text


def test_a_run_recorded_before_lanes_is_drawn_as_before(trace):
    """No qpu_start_time column (a run saved before R19): start to end, no stage traces, no
    lanes row; passing an empty system table changes nothing."""
    old = trace.jobs.drop(columns=[c for c in ("qpu_start_time", "qpu_end_time", "ready_time",
                                               "classical_time", "qpu_wait", "in_progress",
                                               "usage") if c in trace.jobs])
    empty = pd.DataFrame(columns=["backend", "kind", "id", "tenant", "start", "end"])
    for jobs, system in ((old, None), (old, empty), (trace.jobs, empty)):
        fig = figures.timeline(jobs, trace.sessions, trace.events, trace.spans,
                               tenants=["alice", "bob"], system=system)
        names = [t.name for t in fig.data]
        assert not [n for n in names if "stage" in n or "waiting for" in n or "lanes" in n]
        alice = next(t for t in fig.data if t.name == "alice")
        assert list(alice.base) == [100, 140, 300] and list(alice.x) == [20, 10, 10]
        assert len(fig.layout.annotations) == 3   # the three subplot titles
    assert not figures.staged(old) and not figures.staged(trace.jobs)


def test_lane_slots_never_put_two_jobs_on_one_track_at_once(lanes_run):
    jobs = lanes_run.jobs
    slots = figures.lane_slots(jobs)
    assert int(slots.max()) + 1 == 5
    for k in range(5):
        mine = jobs[slots == k].sort_values("start_time")
        assert (mine["start_time"].to_numpy()[1:] >= mine["end_time"].to_numpy()[:-1]).all()
