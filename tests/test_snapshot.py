"""The run at one instant (engine/snapshot.py, the timeline's time cursor) on hand-made tables
whose answers are read off by hand, and on a real run's reserved idle time."""

import numpy as np
import pandas as pd

from engine import load_scenario, run_scenario
from engine import snapshot
from tests.test_overview import ROOT

NA = np.nan
# One backend "q" with 2 lanes (R19). a: started 0, classical to 2, QPU 2-5. b: started 1,
# classical to 3, waits for the QPU (a has it), QPU 5-6. c: submitted 1, queued until 5 (no
# lane), classical 5-6, QPU 6-8. d: submitted 2, cancelled at 4 unstarted. e on backend "r":
# QPU 0-10 with no classical stage.
JOBS = pd.DataFrame({
    "job_id": ["a", "b", "c", "d", "e"],
    "tenant": ["alice", "bob", "bob", "alice", "carol"],
    "backend": ["q", "q", "q", "q", "r"],
    "submit_time": [0.0, 1.0, 1.0, 2.0, 0.0],
    "start_time": [0.0, 1.0, 5.0, NA, 0.0],
    "ready_time": [2.0, 3.0, 6.0, NA, 0.0],
    "qpu_start_time": [2.0, 5.0, 6.0, NA, 0.0],
    "qpu_end_time": [5.0, 6.0, 8.0, NA, 10.0],
    "end_time": [5.0, 6.0, 8.0, NA, 10.0],
    "finished_at": [5.0, 6.0, 8.0, 4.0, 10.0],
})
SYSTEM = pd.DataFrame({"backend": ["q", "r"], "kind": ["calibration", "reservation"],
                       "id": ["cal-1", "r1"], "tenant": [None, "carol"],
                       "start": [8.0, 4.0], "end": [9.0, 12.0]})


def at(t):
    return snapshot.backends_at(JOBS, t, lanes={"q": 2, "r": 1}, system=SYSTEM).set_index(
        "backend")


def test_the_cursor_reads_each_stage_lane_queue_and_reservation_by_hand():
    q = at(2.5).loc["q"]
    # a on the QPU until 5; b in its classical stage; c and d queued (both lanes taken).
    assert (q["qpu"], q["qpu_tenant"], q["qpu_until"]) == ("a", "alice", 5.0)
    assert (q["lanes_in_use"], q["lanes"], q["classical"], q["ready_waiting"]) == (2, 2, 1, 0)
    assert (q["queued"], q["queued_by_tenant"]) == (2, "alice 1, bob 1")
    q = at(4.0).loc["q"]
    # b ready since 3, waiting for the QPU; d left the queue at 4 (cancelled): c alone queued.
    assert (q["classical"], q["ready_waiting"], q["queued"], q["queued_by_tenant"]) == (
        0, 1, 1, "bob 1")
    q = at(5.0).loc["q"]
    # At 5 a ends and b takes the QPU; c takes a's lane and starts its classical stage.
    assert (q["qpu"], q["lanes_in_use"], q["classical"], q["ready_waiting"], q["queued"]) == (
        "b", 2, 1, 0, 0)
    q = at(8.5).loc["q"]
    assert (q["qpu"], q["qpu_tenant"], q["qpu_until"], q["lanes_in_use"]) == (
        "calibration", "", 9.0, 0)
    assert at(9.0).loc["q"]["qpu"] == "idle"
    r = at(4.0).loc["r"]
    assert (r["qpu"], r["reserved_for"]) == ("e", "carol")
    assert at(3.0).loc["r"]["reserved_for"] == ""


def test_sessions_at_an_instant_pending_running_reserved_idle():
    sessions = pd.DataFrame({"session_id": ["s"], "tenant": ["alice"], "backend": ["q"],
                             "mode": ["dedicated"], "opened_at": [1.0], "start_time": [1.0],
                             "end_time": [20.0]})
    spans = pd.DataFrame({"session_id": ["s", "s", "s"],
                          "kind": ["running", "reserved idle", "inactive"],
                          "start": [3.0, 5.0, 8.0], "end": [5.0, 8.0, 12.0]})

    def state(t):
        got = snapshot.sessions_at(sessions, spans, t)
        return tuple(got.iloc[0][["state", "since", "until"]]) if len(got) else None

    assert state(0.5) is None                                 # not opened yet
    assert state(2.0) == ("pending", 1.0, 3.0)                # its first job waits
    assert state(3.0) == ("running", 3.0, 5.0)
    assert state(6.0) == ("reserved idle", 5.0, 8.0)
    assert state(9.0) == ("inactive", 8.0, 12.0)
    assert state(15.0) == ("pending", 12.0, 20.0)             # back in the queue
    assert state(20.0) is None                                # ended


def test_event_times_are_every_change_once_in_order():
    times = snapshot.event_times(JOBS, system=SYSTEM)
    assert list(times) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 9.0, 10.0, 12.0]


def test_a_session_holding_its_backend_while_others_queue():
    run = run_scenario(load_scenario(ROOT / "scenarios" / "seed-story.yaml"))
    sess = snapshot.sessions_at(run.sessions, run.spans, 700.0)
    assert list(sess["state"]) == ["reserved idle"]           # R6: the vqe session's user thinks
    b = snapshot.backends_at(run.jobs, 700.0).iloc[0]
    assert b["qpu"] == "idle" and b["queued"] > 0             # the QPU idles; others wait


def test_an_expired_session_holds_its_backend_until_its_running_job_ends():
    """max-time: s1 expires at 300 (R9) while b08 runs to 306; until then it keeps qpu_1 and
    alice's 12 jobs wait."""
    run = run_scenario(load_scenario(ROOT / "scenarios" / "max-time.yaml"))
    sess = snapshot.sessions_at(run.sessions, run.spans, 302.0)
    assert list(sess["session_id"]) == ["s1"]
    s1 = sess.iloc[0]
    assert (s1["state"], s1["until"], s1["ended_at"], s1["end_reason"]) == (
        "running", 306.0, 300.0, "expired")
    words = snapshot.in_words(snapshot.backends_at(run.jobs, 302.0), sess)
    assert words == ["**qpu_1**: QPU runs b08 (bob) until 306.0 s; 12 queued (alice 12); "
                     "session s1 (bob) expired at 300.0 s, keeps the backend until its running "
                     "jobs finish at 306.0 s."]
    assert snapshot.sessions_at(run.sessions, run.spans, 306.0).empty


def test_the_cursor_steps_to_the_next_or_previous_change_within_the_window():
    times = snapshot.event_times(JOBS, system=SYSTEM)      # 0 1 2 3 4 5 6 8 9 10 12
    assert snapshot.step(times, 4.0, +1, 0.0, 12.0) == 5.0     # from a change: the next one
    assert snapshot.step(times, 4.0, -1, 0.0, 12.0) == 3.0
    assert snapshot.step(times, 6.5, +1, 0.0, 12.0) == 8.0     # between changes
    assert snapshot.step(times, 6.5, -1, 0.0, 12.0) == 6.0
    assert snapshot.step(times, 12.0, +1, 0.0, 12.0) is None   # none left
    assert snapshot.step(times, 0.0, -1, 0.0, 12.0) is None
    assert snapshot.step(times, 6.0, +1, 0.0, 7.0) is None     # the next lies past the window
