"""Today's service (R14 revised, R19-R22): each rule on a hand-worked timeline with exact times,
then properties over generated scenarios (lanes never over-filled, one QPU stage at a time, R16,
R17).

The timelines below were worked out by hand from SCHEDULING_RULES.md alone, independently of the
engine, and agree with it to the microsecond. Times are seconds of simulated time.
"""

from __future__ import annotations

import random

import pytest

from engine import run_scenario, validate_scenario
from engine.model import ScenarioError

from .golden import digest


def run(doc):
    return run_scenario(validate_scenario(doc))


def jobs_of(r):
    return r.jobs.set_index("job_id")


def times(r, job_id):
    """(start, ready, qpu_start, end) of one job."""
    j = jobs_of(r).loc[job_id]
    return (j.start_time, j.ready_time, j.qpu_start_time, j.end_time)


def events_of(r, kind):
    e = r.events
    return e[e.event == kind]


def J(id, tenant, submit, duration, classical=0, session=None, **kw):
    return dict(id=id, tenant=tenant, backend="q", submit=submit, duration=duration,
                classical_time=classical, session=session, **kw)


# ------------------------------------------------------------------------------- R19 lanes

def test_r19_ibms_batch_of_six_fills_three_free_lanes():
    # 5 lanes; alice's a1, a2 take two at 0 (100 s classical each). Bob's batch of six (20 s
    # classical, 5 s QPU) arrives at 1: b1 starts by fair share (R14: first job), b2, b3 fill
    # the other three free lanes at 1. All three are ready at 21; the QPU runs them one at a
    # time in the order they became ready (then started): b1 21-26, b2 26-31, b3 31-36. Each
    # QPU end frees a lane: b4 starts 26 (ready 46, QPU 46-51), b5 31 (51-56), b6 36 (56-61).
    # a1, a2 ready at 100: QPU 100-110, 110-120. The batch, closed at 1, ends at 61 (R10) and
    # is charged its QPU time only, 6 x 5 = 30 s.
    r = run({"policy": {"preset": "ibm-2026"}, "backends": [{"name": "q", "lanes": 5}],
             "tenants": [{"name": "alice"}, {"name": "bob"}],
             "sessions": [{"id": "b", "tenant": "bob", "backend": "q", "mode": "batch",
                           "close_at": 1}],
             "jobs": [J("a1", "alice", 0, 10, 100), J("a2", "alice", 0, 10, 100)]
             + [J(f"b{i}", "bob", 1, 5, 20, "b") for i in range(1, 7)]})
    assert times(r, "b1") == (1, 21, 21, 26)
    assert times(r, "b2") == (1, 21, 26, 31)
    assert times(r, "b3") == (1, 21, 31, 36)
    assert times(r, "b4") == (26, 46, 46, 51)
    assert times(r, "b5") == (31, 51, 51, 56)
    assert times(r, "b6") == (36, 56, 56, 61)
    assert times(r, "a1") == (0, 100, 100, 110)
    assert times(r, "a2") == (0, 100, 110, 120)
    j = jobs_of(r)
    assert list(j.loc[["b1", "b2", "b3"], "qpu_wait"]) == [0, 5, 10]
    assert (j.loc["a2", "in_progress"], j.loc["a2", "usage"]) == (120, 10)
    s = r.sessions.set_index("session_id").loc["b"]
    assert (s.start_time, s.end_time, s.end_reason, s.usage) == (1, 61, "closed", 30)
    assert list(j.loc[["b1", "b2", "b3", "b4"], "rule"]) == ["R3", "R14", "R14", "R14"]


def test_r19_a_session_uses_several_lanes_and_holds_the_backend():
    # 3 lanes, ibm-2026 (interactive timeout 60 s). s1, s2 (10 s classical, 5 s QPU) start at 0
    # in two lanes; bob's x at 1 finds a free lane but the session is active (R5): it waits.
    # QPU s1 10-15, s2 15-20; R6's wait begins at 20 (no job queued or running). s3 at 50
    # starts at once (ready 60, QPU 60-65); the wait runs 65-125; at 125 the session deactivates
    # and x starts (125-130). The session held the backend 0-125: usage 125 s.
    r = run({"policy": {"preset": "ibm-2026"}, "backends": [{"name": "q", "lanes": 3}],
             "tenants": [{"name": "alice"}, {"name": "bob"}],
             "sessions": [{"id": "s", "tenant": "alice", "backend": "q"}],
             "jobs": [J("s1", "alice", 0, 5, 10, "s"), J("s2", "alice", 0, 5, 10, "s"),
                      J("x", "bob", 1, 5), J("s3", "alice", 50, 5, 10, "s")]})
    assert times(r, "s1") == (0, 10, 10, 15)
    assert times(r, "s2") == (0, 10, 15, 20)
    assert times(r, "s3") == (50, 60, 60, 65)
    assert times(r, "x") == (125, 125, 125, 130)
    assert list(events_of(r, "session_waiting").time) == [20, 65]
    assert list(events_of(r, "session_deactivated").time) == [125]
    assert r.sessions.set_index("session_id").loc["s", "usage"] == 125


def test_r19_one_lane_and_no_classical_stage_is_the_old_model():
    # Nothing new used: a job's QPU stage is its whole run; no stage events are logged.
    r = run({"backends": [{"name": "q"}], "tenants": [{"name": "a"}],
             "jobs": [J("j1", "a", 0, 10), J("j2", "a", 0, 10)]})
    assert times(r, "j2") == (10, 10, 10, 20)
    assert events_of(r, "job_qpu_started").empty and events_of(r, "job_ready").empty


def test_r19_compile_time_is_the_classical_stage_in_ibm_2026():
    # No duration: the shape-only timing model. Its compile time (1 s) is the classical stage
    # under compile_stage: classical, and part of the QPU time under qpu.
    base = {"backends": [{"name": "q"}], "tenants": [{"name": "a"}],
            "jobs": [{"id": "j", "tenant": "a", "backend": "q", "submit": 0, "shots": 1000}]}
    qpu = run({**base, "policy": {"timing": {"compile_stage": "qpu"}}})
    cls = run({**base, "policy": {"timing": {"compile_stage": "classical"}}})
    jq, jc = jobs_of(qpu).loc["j"], jobs_of(cls).loc["j"]
    assert jc.classical_time == 1 and jc.qpu_start_time == 1
    assert jq.classical_time == 0 and jq.usage == pytest.approx(jc.usage + 1, abs=1e-6)
    assert jq.end_time == jc.end_time


# ------------------------------------------------------------------------------- R14 revised

def test_r14_a_batch_deactivates_after_1s_dry_and_comes_back_through_the_queue():
    # ibm-2024, one lane. b1 0-10; y (bob, submitted 5) 10-15 by fair share (the batch has
    # nothing queued). b2 arrives 10.5 (inside the 1 s): the batch is still active, b2 runs
    # ahead at 15-25. Dry from 25: inactive at 26, when bob's z starts (26-36). b3 (27) and b4
    # (30) wait in fair share without priority; b3 starts at 36 and reactivates the batch (R7
    # for batches); b4 runs ahead 46-56; inactive again at 57. Charged QPU time: 40 s.
    r = run({"policy": {"preset": "ibm-2024"}, "backends": [{"name": "q"}],
             "tenants": [{"name": "alice"}, {"name": "bob"}],
             "sessions": [{"id": "b", "tenant": "alice", "backend": "q", "mode": "batch"}],
             "jobs": [J("b1", "alice", 0, 10, session="b"), J("y", "bob", 5, 5),
                      J("b2", "alice", 10.5, 10, session="b"), J("z", "bob", 26, 10),
                      J("b3", "alice", 27, 10, session="b"),
                      J("b4", "alice", 30, 10, session="b")]})
    j = jobs_of(r)
    assert list(j.loc[["b1", "y", "b2", "z", "b3", "b4"], "start_time"]) == [0, 10, 15, 26, 36,
                                                                             46]
    assert list(j.loc[["b2", "b3", "b4"], "rule"]) == ["R14", "R3", "R14"]
    assert list(events_of(r, "session_deactivated").time) == [26, 57]
    assert list(events_of(r, "session_reactivated").time) == [36]
    assert r.sessions.set_index("session_id").loc["b", "usage"] == 40


def test_r14_ibm_2022_batches_never_deactivate():
    r = run({"backends": [{"name": "q"}], "tenants": [{"name": "a"}],
             "sessions": [{"id": "b", "tenant": "a", "backend": "q", "mode": "batch"}],
             "jobs": [J("b1", "a", 0, 10, session="b"), J("b2", "a", 50, 10, session="b")]})
    assert events_of(r, "session_deactivated").empty
    assert jobs_of(r).loc["b2", "rule"] == "R14"


# ------------------------------------------------------------------------------- R20 system work

def test_r20_calibration_waits_for_a_session_to_deactivate():
    # ibm-2024, one lane, calibration every 100 s for 20 s, first due at 50. The session holds
    # the backend from 0 (s1 0-40, wait, s2 70-80, wait 80-140): the calibration due at 50 may
    # not interrupt it. At 140 the session deactivates; the calibration takes the free QPU
    # first (140-160); bob's x takes the lane at 140 (In progress) and its QPU stage waits:
    # 160-170. The next calibration would be due at 260, after the run: it never happens. The
    # inactive session expires at its max time, 200 (user work: the run goes on until then).
    r = run({"policy": {"preset": "ibm-2024"},
             "backends": [{"name": "q", "calibration": {"every": 100, "duration": 20,
                                                        "first": 50}}],
             "tenants": [{"name": "alice"}, {"name": "bob"}],
             "sessions": [{"id": "s", "tenant": "alice", "backend": "q", "max_time": 200}],
             "jobs": [J("s1", "alice", 0, 40, session="s"), J("x", "bob", 10, 10),
                      J("s2", "alice", 70, 10, session="s")]})
    assert times(r, "x") == (140, 140, 160, 170)
    sys = r.system
    assert sys[["kind", "id", "start", "end"]].values.tolist() == [
        ["calibration", "calibration-1", 140.0, 160.0]]
    assert list(events_of(r, "system_started").time) == [140]
    assert "calibration" in events_of(r, "system_started").detail.iloc[0]
    s = r.sessions.set_index("session_id").loc["s"]
    assert (s.end_time, s.end_reason, s.usage) == (200, "expired", 140)


def test_r20_maintenance_interrupts_a_batch_and_calibration_goes_before_ready_jobs():
    # One lane. The batch runs b1 0-20, b2 20-40; maintenance due at 30 waits for b2's QPU
    # stage, then runs 40-90 (a batch may be interrupted). b3 takes the lane at 40 and is ready
    # at once, but system work goes ahead of every ready user job: the calibration due at 90
    # runs 90-95, then b3 95-115. The batch ends at 115 (closed at 0, R10).
    r = run({"policy": {"preset": "ibm-2024"},
             "backends": [{"name": "q", "maintenance": [{"start": 30, "duration": 50}],
                           "calibration": {"every": 1000, "duration": 5, "first": 90}}],
             "tenants": [{"name": "alice"}],
             "sessions": [{"id": "b", "tenant": "alice", "backend": "q", "mode": "batch",
                           "close_at": 0}],
             "jobs": [J(f"b{i}", "alice", 0, 20, session="b") for i in (1, 2, 3)]})
    assert times(r, "b3") == (40, 40, 95, 115)
    assert r.system[["kind", "start", "end"]].values.tolist() == [
        ["maintenance", 40.0, 90.0], ["calibration", 90.0, 95.0]]
    assert r.sessions.loc[0, "end_time"] == 115


def test_r20_calibration_before_maintenance_at_one_instant_and_no_work_after_the_users():
    r = run({"backends": [{"name": "q", "maintenance": [{"start": 10, "duration": 5}],
                           "calibration": {"every": 10, "duration": 2}}],
             "tenants": [{"name": "a"}], "jobs": [J("j", "a", 0, 30), J("k", "a", 0, 10)]})
    # Both due at 10 while j runs (0-30): at 30, calibration first (30-32), then maintenance
    # (32-37); k takes the lane at 30 and its QPU stage waits: 37-47. The next calibration is
    # due 10 s after the last one ended (42) and waits for k; at 47 no user work is left, so it
    # never starts, and the run ends.
    assert r.system[["kind", "start", "end"]].values.tolist() == [
        ["calibration", 30.0, 32.0], ["maintenance", 32.0, 37.0]]
    assert times(r, "k") == (30, 30, 37, 47)
    assert r.events.time.max() == 47


# ------------------------------------------------------------------------------- R21 reservations

def test_r21_a_reservation_displaces_a_session_and_charges_its_window():
    # Bob reserves q from 100 to 200. Alice's session holds q from 0 (s1 0-50, wait, s2 80-110;
    # closed at 95 with a3 queued). At 100 the session becomes inactive at once; s2 finishes at
    # 110. Only bob's jobs start until 200: b2 (waiting since 50) 110-120, b1 120-140. At 200
    # a3 starts by fair share (200-210), the session ends (closed, R10). Bob is charged the
    # window, 100 s, and not again for b2 and b1; alice's hold: 0-100 and 200-210 = 110 s.
    r = run({"policy": {"preset": "ibm-2024"}, "backends": [{"name": "q"}],
             "tenants": [{"name": "alice"}, {"name": "bob"}],
             "reservations": [{"id": "r1", "tenant": "bob", "backend": "q", "start": 100,
                               "end": 200}],
             "sessions": [{"id": "s", "tenant": "alice", "backend": "q", "close_at": 95}],
             "jobs": [J("s1", "alice", 0, 50, session="s"), J("b2", "bob", 50, 10),
                      J("s2", "alice", 80, 30, session="s"),
                      J("a3", "alice", 90, 10, session="s"), J("b1", "bob", 120, 20)]})
    j = jobs_of(r)
    assert list(j.loc[["s2", "b2", "b1", "a3"], "start_time"]) == [80, 110, 120, 200]
    assert list(j.loc[["s2", "b2", "b1", "a3"], "end_time"]) == [110, 120, 140, 210]
    assert list(events_of(r, "session_deactivated").time) == [100]
    assert list(events_of(r, "reservation_started").time) == [100]
    assert list(events_of(r, "reservation_ended").time) == [200]
    t = r.tenants.set_index("tenant")
    assert (t.loc["bob", "charged"], t.loc["alice", "charged"]) == (100, 110)
    s = r.sessions.set_index("session_id").loc["s"]
    assert (s.end_time, s.end_reason, s.usage) == (210, "closed", 110)


def test_r21_overlapping_reservations_are_refused():
    with pytest.raises(ScenarioError) as err:
        validate_scenario({"backends": [{"name": "q"}], "tenants": [{"name": "a"}],
                           "reservations": [
                               {"id": "r1", "tenant": "a", "backend": "q", "start": 0, "end": 10},
                               {"id": "r2", "tenant": "a", "backend": "q", "start": 5,
                                "end": 20}]})
    assert err.value.key == "reservations[1].start"


# ------------------------------------------------------------------------------- R22 plans

def test_r22_a_usage_limit_releases_jobs_as_the_rolling_window_moves():
    # alice: 100 s per 1000 s window. a1 0-80 (usage 80 <= 100: a2 may start), a2 80-160
    # (the overrun counts: 160 > 100), a3 held. Usage in [t-1000, t] falls to 100 at t = 1060
    # (the window [60, 1060] holds 60-160): a3 runs 1060-1140. bob's x is not held (500-510).
    r = run({"policy": {"preset": "ibm-2024"}, "backends": [{"name": "q"}],
             "tenants": [{"name": "alice", "usage_limit": {"seconds": 100, "window": 1000}},
                         {"name": "bob"}],
             "jobs": [J("a1", "alice", 0, 80), J("a2", "alice", 0, 80), J("a3", "alice", 0, 80),
                      J("x", "bob", 500, 10)]})
    assert times(r, "a3") == (1060, 1060, 1060, 1140)
    assert times(r, "x") == (500, 500, 500, 510)
    assert "usage limit" in events_of(r, "job_started").set_index("job_id").loc["a3", "detail"]
    assert r.tenants.set_index("tenant").loc["alice", "limit_held"] == 900


def test_r22_open_plan_session_rejected_batch_capped_limit_and_the_3h_cap():
    # ibm-2026, one lane (the backend says so not; 5 lanes by default). Tenant o is on the Open
    # plan: o1 (a dedicated session's job) is rejected. Its batch bo (ob1, ob2: 400 s QPU each)
    # starts at 0 with both jobs in lanes; QPU ob1 0-400, ob2 400-800. The batch's max time is
    # 600 s (open_batch_max_time): it expires at 600 and ob2, running, finishes (800). o's
    # usage, 800 s, exceeds the Open plan's 600 s per 28 days: ox (900) waits until the window
    # lets 200 s fall out, at 2419200 + 200 = 2419400 (runs 10 s). p's p1 asks 12000 s of QPU:
    # the 3 h cap (job_max_usage, 10800 s) stops it at 1000 + 10800 = 11800.
    r = run({"policy": {"preset": "ibm-2026"}, "backends": [{"name": "q"}],
             "tenants": [{"name": "o", "plan": "open"}, {"name": "p"}],
             "sessions": [{"id": "s", "tenant": "o", "backend": "q"},
                          {"id": "bo", "tenant": "o", "backend": "q", "mode": "batch"}],
             "jobs": [J("o1", "o", 0, 10, session="s"), J("ob1", "o", 0, 400, session="bo"),
                      J("ob2", "o", 0, 400, session="bo"), J("ox", "o", 900, 10),
                      J("p1", "p", 1000, 12000)]})
    j = jobs_of(r)
    assert (j.loc["o1", "status"], j.loc["o1", "reason"]) == (
        "rejected", "sessions are not available on the Open plan (R22)")
    assert times(r, "ob2") == (0, 0, 400, 800)
    bo = r.sessions.set_index("session_id").loc["bo"]
    assert (bo.max_time, bo.end_time, bo.end_reason) == (600, 600, "expired")
    assert times(r, "ox") == (2419400, 2419400, 2419400, 2419410)
    assert (j.loc["p1", "status"], j.loc["p1", "reason"], j.loc["p1", "end_time"]) == (
        "failed", "max execution time", 11800)
    assert j.loc["p1", "usage"] == 10800


def test_r22_a_limit_on_all_usage_ever_fails_the_jobs_it_holds_at_the_last_event():
    # Flex-like limit: 10 s ever. f1 runs 0-20 (usage 20 > 10): f2 can never start; the run's
    # last event is g's end at 30, when f2 fails with "usage limit reached" (R16).
    r = run({"backends": [{"name": "q"}],
             "tenants": [{"name": "f", "plan": "flex",
                          "usage_limit": {"seconds": 10, "window": None}}, {"name": "g"}],
             "jobs": [J("f1", "f", 0, 20), J("f2", "f", 0, 5), J("g", "g", 0, 10)]})
    j = jobs_of(r)
    assert (j.loc["f2", "status"], j.loc["f2", "reason"], j.loc["f2", "finished_at"]) == (
        "failed", "usage limit reached", 30)


def test_r22_a_held_job_does_not_keep_a_session_holding():
    # The session's tenant is over its limit after s1 (0-50 hold > 30): s2, queued at 10, is
    # held and does not count as queued for R6: the session waits 60 s after s1 and
    # deactivates at 110; bob's x starts then.
    r = run({"policy": {"preset": "ibm-2024"}, "backends": [{"name": "q"}],
             "tenants": [{"name": "alice", "usage_limit": {"seconds": 30}}, {"name": "bob"}],
             "sessions": [{"id": "s", "tenant": "alice", "backend": "q"}],
             "jobs": [J("s1", "alice", 0, 50, session="s"), J("s2", "alice", 10, 5, session="s"),
                      J("x", "bob", 20, 5)]})
    assert list(events_of(r, "session_deactivated").time) == [110]
    assert times(r, "x")[0] == 110


# ------------------------------------------------------------------------------- properties

def generated_today(seed: int) -> dict:
    rng = random.Random(seed)
    backends = []
    for i in range(rng.randint(1, 2)):
        b = {"name": f"b{i}", "lanes": rng.randint(1, 5)}
        if rng.random() < 0.5:
            b["calibration"] = {"every": rng.choice([20, 45]), "duration": rng.choice([3, 8])}
        if rng.random() < 0.4:
            b["maintenance"] = [{"start": rng.randint(0, 60), "duration": rng.randint(1, 20)}]
        backends.append(b)
    tenants = []
    for i in range(rng.randint(1, 3)):
        t = {"name": f"t{i}", "plan": rng.choice(["premium", "premium", "open", "flex"])}
        if rng.random() < 0.3:
            t["usage_limit"] = {"seconds": rng.randint(5, 60),
                                "window": rng.choice([100, 400, None])}
        tenants.append(t)
    names = [t["name"] for t in tenants]
    bnames = [b["name"] for b in backends]
    sessions = [{"id": f"s{i}", "tenant": rng.choice(names), "backend": rng.choice(bnames),
                 "mode": rng.choice(["dedicated", "batch"]),
                 **({"close_at": rng.randint(0, 80)} if rng.random() < 0.5 else {})}
                for i in range(rng.randint(0, 3))]
    jobs = []
    for i in range(rng.randint(1, 25)):
        if sessions and rng.random() < 0.5:
            s = rng.choice(sessions)
            tenant, backend, sid = s["tenant"], s["backend"], s["id"]
        else:
            tenant, backend, sid = rng.choice(names), rng.choice(bnames), None
        jobs.append({"id": f"j{i}", "tenant": tenant, "backend": backend,
                     "submit": rng.randint(0, 80) / rng.choice([1, 2]),
                     "duration": rng.choice([0, 2, 5, 12.5]),
                     "classical_time": rng.choice([0, 0, 3, 10]), "session": sid})
    reservations = []
    if rng.random() < 0.4:
        reservations.append({"id": "r", "tenant": rng.choice(names), "backend": bnames[0],
                             "start": rng.randint(0, 50), "end": rng.randint(55, 120)})
    return {"name": f"today-{seed}", "seed": seed,
            "policy": {"preset": rng.choice(["ibm-2024", "ibm-2026"]),
                       "interactive_timeout": rng.choice([0, 5, 20])},
            "backends": backends, "tenants": tenants, "sessions": sessions, "jobs": jobs,
            "reservations": reservations}


@pytest.mark.parametrize("seed", range(60))
def test_r1_r16_r17_r19_properties_hold_on_generated_scenarios(seed):
    doc = generated_today(seed)
    r = run(doc)
    jobs, system = r.jobs, r.system
    lanes = {b["name"]: b["lanes"] for b in doc["backends"]}
    for b, mine in jobs.groupby("backend"):
        ran = mine.dropna(subset=["start_time"])
        # R19: never more than `lanes` jobs running (start to end) on a backend.
        marks = sorted([(t, 1) for t in ran.start_time] + [(t, -1) for t in ran.end_time],
                       key=lambda m: (m[0], m[1]))
        level = peak = 0
        for _, d in marks:
            level += d
            peak = max(peak, level)
        assert peak <= lanes[b]
        # R1: QPU stages, system work included, never overlap.
        spans = [(a, e) for a, e in zip(ran.qpu_start_time, ran.qpu_end_time) if a == a]
        sysb = system[(system.backend == b) & (system.kind != "reservation")]
        spans += list(zip(sysb.start, sysb.end))
        spans.sort()
        for (a0, e0), (a1, _) in zip(spans, spans[1:]):
            assert a1 >= e0, (b, (a0, e0), a1)
        # Stages in order.
        assert (ran.start_time <= ran.ready_time).all()
        assert (ran.dropna(subset=["qpu_start_time"]).ready_time
                <= ran.dropna(subset=["qpu_start_time"]).qpu_start_time).all()
    # R16: every job ends in exactly one terminal status, with one terminal event.
    assert jobs.status.isin(["completed", "failed", "cancelled", "rejected"]).all()
    terminal = r.events[r.events.event.isin(["job_completed", "job_failed", "job_cancelled",
                                             "job_rejected"])]
    assert sorted(terminal.job_id) == sorted(jobs.job_id)
    # R22: an Open-plan tenant never runs a job in a dedicated session.
    open_tenants = {t["name"] for t in doc["tenants"] if t["plan"] == "open"}
    ded = jobs[(jobs["mode"] == "dedicated") & jobs.tenant.isin(open_tenants)]
    assert (ded.status == "rejected").all()
    # R17: the same scenario, the same trace.
    assert digest(run(doc)) == digest(r)


# ------------------------------------------------------------------------------- refused input

@pytest.mark.parametrize("patch, key", [
    ({"backends": [{"name": "q", "calibration": {"every": 0.001, "duration": 1}}]},
     "backends[0].calibration.every"),
    ({"backends": [{"name": "q", "lanes": 0}]}, "backends[0].lanes"),
    ({"tenants": [{"name": "a", "plan": "gold"}]}, "tenants[0].plan"),
    ({"tenants": [{"name": "a", "usage_limit": {"seconds": -1}}]}, "tenants[0].usage_limit.seconds"),
    ({"reservations": [{"id": "r", "tenant": "zz", "backend": "q", "start": 0, "end": 5}]},
     "reservations[0].tenant"),
    ({"reservations": [{"id": "r", "tenant": "a", "backend": "q", "start": 5, "end": 5}]},
     "reservations[0]"),
    ({"jobs": [{"id": "j", "tenant": "a", "backend": "q", "submit": 0, "duration": 1,
                "classical_time": -3}]}, "jobs[0].classical_time"),
])
def test_today_keys_out_of_range_are_refused_naming_the_key(patch, key):
    doc = {"backends": [{"name": "q"}], "tenants": [{"name": "a"}], **patch}
    with pytest.raises(ScenarioError) as err:
        validate_scenario(doc)
    assert err.value.key == key


def test_r19_r20_a_jobs_story_says_why_it_waited_for_the_qpu():
    from engine.story import job_story

    r = run({"policy": {"preset": "ibm-2024"},
             "backends": [{"name": "q", "maintenance": [{"start": 30, "duration": 50}]}],
             "tenants": [{"name": "alice"}],
             "jobs": [J("b1", "alice", 0, 40), J("b2", "alice", 0, 20)]})
    story = " ".join(job_story(r.jobs, r.events, "b2"))
    # b2 takes the lane at 40 and waits 50 s behind the maintenance (40-90): contention.
    assert "It was ready at 40.0 s and waited 50.0 s for the QPU" in story
    assert "maintenance-1" in story and "after 20.0 s on the QPU" in story


def test_r20_r21_work_in_progress_at_the_end_of_the_run_is_in_the_system_table():
    # Two lanes. j holds the QPU 0-12; k takes the other lane at 5 and is ready at once; the
    # calibration due at 10 goes first when the QPU frees (12-32), then k (32-33), the last user
    # work. A's reservation 20-500 (begun after the calibration started) is still in force when
    # the run ends at 33: its whole window is listed.
    r = run({"backends": [{"name": "q", "lanes": 2, "calibration": {"every": 10,
                                                                    "duration": 20}}],
             "tenants": [{"name": "a"}, {"name": "b"}],
             "reservations": [{"id": "r", "tenant": "a", "backend": "q", "start": 20,
                               "end": 500}],
             "jobs": [J("j", "a", 0, 12), J("k", "a", 5, 1)]})
    assert times(r, "k") == (5, 5, 32, 33)
    assert r.system[["kind", "start", "end"]].values.tolist() == [
        ["calibration", 12.0, 32.0], ["reservation", 20.0, 500.0]]
