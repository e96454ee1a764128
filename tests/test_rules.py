"""One test (or a few) per scheduling rule R1-R18, each on a hand-worked timeline with exact times.

Every timeline is worked out in the comment above its assertions; times are seconds.
"""

import math

import pytest

from engine import ScenarioError, Simulation, validate_scenario
from engine.policy import UsageMeter

from .helpers import events_of, job, run, scenario, session, session_row, times


def test_r1_one_job_at_a_time_per_backend_and_backends_independent():
    # qpu_a: a1 0-10, then a2 10-15 (it waited). qpu_b: b1 0-7, independent of qpu_a.
    r = run(scenario(backends=("qpu_a", "qpu_b"), jobs=[
        job("a1", "alice", 0, 10), job("a2", "alice", 0, 5),
        job("b1", "alice", 0, 7, backend="qpu_b")]))
    t = times(r)
    assert t["a1"] == (0, 10, "completed")
    assert t["a2"] == (10, 15, "completed")
    assert t["b1"] == (0, 7, "completed")


def test_r2_job_mode_enters_the_fair_share_queue():
    # j1 runs 0-10; j2 (job mode) arrives at 1 and waits in the queue until 10.
    r = run(scenario(jobs=[job("j1", "alice", 0, 10), job("j2", "bob", 1, 5)]))
    t = times(r)
    assert t["j2"] == (10, 15, "completed")
    sub = r.events[(r.events.job_id == "j2") & (r.events.event == "job_submitted")]
    assert "R2" in sub.detail.iloc[0]
    assert r.jobs.set_index("job_id").loc["j2", "rule"] == "R3"


def test_r3_fair_share_by_usage_over_share_with_ties_by_submission_order():
    # alice share 1, bob share 3, all jobs 10 s, all submitted at 0 in file order a1 a2 a3 b1..b4.
    # t=0 all usage 0: tie -> same submit time -> submission order: a1 (0-10).
    # t=10 alice 10/1=10, bob 0/3=0 -> b1 (10-20). t=20 bob 10/3 -> b2 (20-30).
    # t=30 bob 20/3 -> b3 (30-40). t=40 bob 30/3=10 = alice 10 -> tie -> a2 (earlier seq) 40-50.
    # t=50 alice 20 vs bob 10 -> b4 (50-60). t=60 a3 (60-70). Within a tenant: FIFO.
    jobs = [job(f"a{i}", "alice", 0, 10) for i in (1, 2, 3)]
    jobs += [job(f"b{i}", "bob", 0, 10) for i in (1, 2, 3, 4)]
    r = run(scenario(tenants={"alice": 1, "bob": 3}, jobs=jobs))
    starts = {k: v[0] for k, v in times(r).items()}
    assert starts == {"a1": 0, "b1": 10, "b2": 20, "b3": 30, "a2": 40, "b4": 50, "a3": 60}
    detail = r.events[(r.events.job_id == "b1") & (r.events.event == "job_started")].detail.iloc[0]
    assert detail.startswith("R3 fair share: bob usage 0 s / share 3 = 0")


def _window_story(fair_share):
    # qpu_a runs carol's c0 0-40 while alice's a1 (t=1) and bob's b1 (t=2) queue behind it.
    # qpu_b: alice a0 0-20, then bob b0 25-35. At t=40, who goes first on qpu_a?
    #   all-time usage: alice 20, bob 10            -> bob
    #   window 20 s, [20, 40]: alice 0, bob 10      -> alice
    #   half-life 10 s: alice (10/ln2)(2^-2 - 2^-4) = 2.705, bob (10/ln2)(2^-.5 - 2^-1.5) = 5.10
    #                                               -> alice
    doc = scenario(backends=("qpu_a", "qpu_b"), policy={"fair_share": fair_share}, jobs=[
        job("c0", "carol", 0, 40), job("a1", "alice", 1, 5), job("b1", "bob", 2, 5),
        job("a0", "alice", 0, 20, backend="qpu_b"), job("b0", "bob", 25, 10, backend="qpu_b")])
    t = times(run(doc))
    return "alice" if t["a1"][0] == 40 else "bob"


def test_r3_usage_over_a_rolling_window_forgets_old_usage():
    assert _window_story({"usage": "window", "window": 1e9}) == "bob"
    assert _window_story({"usage": "window", "window": 20}) == "alice"


def test_r3_usage_with_half_life_decays_old_usage():
    assert _window_story({"usage": "half_life", "half_life": 1e12}) == "bob"
    assert _window_story({"usage": "half_life", "half_life": 10}) == "alice"


def test_r3_usage_meter_exact_values():
    w = UsageMeter("window", window=20)
    w.charge(0, 20)
    w.open(25)
    assert w.value(30) == 10 + 5           # [10,30]: 10 of [0,20] + 5 of the open span
    w.close(35)
    assert w.value(40) == 10               # [20,40]: only [25,35]
    assert w.total(40) == 30
    h = UsageMeter("half_life", half_life=10)
    h.charge(0, 20)
    expected = (10 / math.log(2)) * (2 ** -2 - 2 ** -4)
    assert h.value(40) == pytest.approx(expected, rel=1e-12)


def test_r3_dedicated_session_is_charged_its_hold_including_idle_wait():
    # s1 (bob): b1 0-10, reserved 10-70 (timeout 60), deactivates at 70: usage 70, not 10.
    # At 70 alice's a1 (submitted 1) starts; alice usage 0.
    r = run(scenario(sessions=[session("s1", "bob")],
                     jobs=[job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5)]))
    assert session_row(r, "s1")["usage"] == 70
    assert r.tenants.set_index("tenant").loc["bob", "usage"] == 70
    assert times(r)["a1"] == (70, 75, "completed")


def test_r4_session_starts_when_its_first_job_starts():
    # a1 runs 0-10; s1's first job b1 arrives at 2 and waits in fair share until 10.
    # The session's start is 10; its max time (100) runs from 10, so it expires at 110.
    r = run(scenario(sessions=[session("s1", "bob", max_time=100)], jobs=[
        job("a1", "alice", 0, 10), job("b1", "bob", 2, 5, session="s1")]))
    assert times(r)["b1"] == (10, 15, "completed")
    row = session_row(r, "s1")
    assert row["start_time"] == 10
    assert row["end_time"] == 110 and row["end_reason"] == "expired"
    assert events_of(r, "session_started", "s1") == [10]


def test_r5_active_session_runs_its_queued_job_first_and_reserves_the_backend():
    # s1 (bob): b1 0-10; b2 queued at 5. alice's a1 queued at 1 with lower usage.
    # t=10: s1 active -> b2 (10-15) ahead of a1 (R5). 15-75 reserved (timeout 60): a1 must wait
    # though the QPU is idle. t=75 s1 deactivates, a1 runs 75-80.
    r = run(scenario(sessions=[session("s1", "bob")], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5),
        job("b2", "bob", 5, 5, session="s1")]))
    t = times(r)
    assert t["b2"] == (10, 15, "completed")
    assert t["a1"] == (75, 80, "completed")
    assert r.jobs.set_index("job_id").loc["b2", "rule"] == "R5"


def test_r6_job_inside_the_interactive_window_starts_at_once():
    # b1 0-10; reserved from 10 for up to 60 s; b2 submitted at 40 starts at 40 (40-45);
    # reserved again 45-105; deactivation at 105; alice's a1 (t=1) runs 105-110.
    r = run(scenario(sessions=[session("s1", "bob")], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5),
        job("b2", "bob", 40, 5, session="s1")]))
    t = times(r)
    assert t["b2"] == (40, 45, "completed")
    assert t["a1"] == (105, 110, "completed")
    assert events_of(r, "session_waiting", "s1") == [10, 45]
    assert events_of(r, "session_deactivated", "s1") == [105]
    assert session_row(r, "s1")["reserved_idle"] == 30 + 60


def test_r6_no_job_in_window_deactivates_and_fair_share_resumes():
    # Per-session timeout 20 overrides the policy's 60: b1 0-10, deactivated at 30, a1 30-35.
    r = run(scenario(sessions=[session("s1", "bob", interactive_timeout=20)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5)]))
    assert events_of(r, "session_deactivated", "s1") == [30]
    assert times(r)["a1"] == (30, 35, "completed")


def test_r6_zero_timeout_means_no_wait():
    # timeout 0: b1 0-10, the session deactivates at 10 and a1 runs 10-15 at once.
    r = run(scenario(sessions=[session("s1", "bob", interactive_timeout=0)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5)]))
    assert times(r)["a1"] == (10, 15, "completed")
    assert events_of(r, "session_deactivated", "s1") == [10]
    assert session_row(r, "s1")["reserved_idle"] == 0


def test_r7_inactive_session_jobs_wait_without_priority_then_reactivate():
    # timeout 10. s1 (bob): b1 0-40, reserved 40-50, inactive at 50 (bob usage 50).
    # alice a1 51-81. b2 (s1) arrives at 55, alice a2 at 60. At 81: alice 30 < bob 50, so a2
    # runs first (81-86) although b2 came earlier: no priority. b2 86-91 and s1 reactivates at
    # 86; reserved 91-101; inactive again at 101.
    r = run(scenario(sessions=[session("s1", "bob", interactive_timeout=10)], jobs=[
        job("b1", "bob", 0, 40, session="s1"), job("a1", "alice", 51, 30),
        job("b2", "bob", 55, 5, session="s1"), job("a2", "alice", 60, 5)]))
    t = times(r)
    assert t["a2"] == (81, 86, "completed")
    assert t["b2"] == (86, 91, "completed")
    assert events_of(r, "session_reactivated", "s1") == [86]
    assert events_of(r, "session_deactivated", "s1") == [50, 101]
    sub = r.events[(r.events.job_id == "b2") & (r.events.event == "job_submitted")]
    assert "R7" in sub.detail.iloc[0]


def test_r8_inactive_session_does_not_block_another_session():
    # timeout 20. s1 (bob): b1 0-10, reserved 10-30, inactive at 30.
    # s2 (carol): c1 queued at 5, starts at 30 (30-35): s2 active, reserved 35-55.
    # s1's b2 at 40 waits: s2 is the active session. s2 inactive at 55: b2 55-60, s1 reactivates.
    r = run(scenario(policy={"interactive_timeout": 20},
                     sessions=[session("s1", "bob"), session("s2", "carol")], jobs=[
                         job("b1", "bob", 0, 10, session="s1"),
                         job("c1", "carol", 5, 5, session="s2"),
                         job("b2", "bob", 40, 5, session="s1")]))
    t = times(r)
    assert t["c1"] == (30, 35, "completed")
    assert t["b2"] == (55, 60, "completed")
    assert events_of(r, "session_started", "s2") == [30]
    assert events_of(r, "session_reactivated", "s1") == [55]


def test_r9_explicit_max_time_expires_the_session():
    # s1 max_time 25, starts at 0: expires at 25.
    # b1 0-10; b2 (t=12) 12-22; b3 (t=23) 23-33 still runs at 25 and finishes (completed);
    # b4 (t=24) queued behind b3 fails at 25 "session expired"; b5 (t=30) is rejected.
    # alice's a1 (t=1) waited for the session; the backend is free again at 33: a1 33-38.
    r = run(scenario(sessions=[session("s1", "bob", max_time=25)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5),
        job("b2", "bob", 12, 10, session="s1"), job("b3", "bob", 23, 10, session="s1"),
        job("b4", "bob", 24, 5, session="s1"), job("b5", "bob", 30, 5, session="s1")]))
    t = times(r)
    assert t["b3"] == (23, 33, "completed")
    assert t["b4"] == (None, None, "failed")
    assert t["b5"] == (None, None, "rejected")
    assert t["a1"] == (33, 38, "completed")
    jobs = r.jobs.set_index("job_id")
    assert jobs.loc["b4", "reason"] == "session expired"
    row = session_row(r, "s1")
    assert (row["end_time"], row["end_reason"], row["max_time"]) == (25, "expired", 25)


def test_r9_seed_rule_takes_the_first_jobs_max_execution_time():
    # ibm-2022, no max_time: max time = min(system 28800, first job's max_execution_time 50).
    # b1 0-10 starts the session at 0 -> expires at 50.
    r = run(scenario(sessions=[session("s1", "bob")], jobs=[
        job("b1", "bob", 0, 10, session="s1", max_execution_time=50)]))
    row = session_row(r, "s1")
    assert (row["max_time"], row["end_time"], row["end_reason"]) == (50, 50, "expired")


def test_r9_never_exceeds_the_system_limit():
    # system limit 30: a first job allowing 1000 s still gives a max time of 30.
    r = run(scenario(policy={"system_max_time": 30}, sessions=[session("s1", "bob")], jobs=[
        job("b1", "bob", 0, 10, session="s1", max_execution_time=1000)]))
    assert session_row(r, "s1")["end_time"] == 30
    # An explicit max_time above the limit is refused up front, naming the key.
    with pytest.raises(ScenarioError, match=r"sessions\[0\]\.max_time = 100"):
        validate_scenario(scenario(policy={"system_max_time": 30},
                                   sessions=[session("s1", "bob", max_time=100)]))


def test_r9_ibm_2024_defaults_to_the_system_limit():
    r = run(scenario(policy={"preset": "ibm-2024"}, sessions=[session("s1", "bob")], jobs=[
        job("b1", "bob", 0, 10, session="s1", max_execution_time=50)]))
    assert session_row(r, "s1")["max_time"] == 8 * 3600


def test_r10_close_lets_queued_jobs_run_then_ends_without_waiting():
    # b1 0-10, b2 queued at 1; close() at 2; b3 at 4 is rejected. b2 runs 10-15 with priority
    # over alice's a1 (t=3); then the session ends at 15 with no interactive wait; a1 15-20.
    r = run(scenario(sessions=[session("s1", "bob", close_at=2)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("b2", "bob", 1, 5, session="s1"),
        job("a1", "alice", 3, 5), job("b3", "bob", 4, 5, session="s1")]))
    t = times(r)
    assert t["b2"] == (10, 15, "completed")
    assert t["a1"] == (15, 20, "completed")
    assert t["b3"][2] == "rejected"
    row = session_row(r, "s1")
    assert (row["end_time"], row["end_reason"], row["closed_at"]) == (15, "closed", 2)
    assert events_of(r, "session_waiting", "s1") == []


def test_r10_close_during_the_reserved_wait_ends_at_once():
    # b1 0-10, reserved from 10; close() at 20 ends the session at 20; a1 (t=1) runs 20-25.
    r = run(scenario(sessions=[session("s1", "bob", close_at=20)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5)]))
    assert times(r)["a1"] == (20, 25, "completed")
    row = session_row(r, "s1")
    assert (row["end_time"], row["end_reason"], row["reserved_idle"]) == (20, "closed", 10)


def test_r11_cancel_cancels_queued_jobs_and_lets_the_running_one_finish():
    # b1 0-10 running, b2 queued (t=1); cancel() at 5: b2 cancelled at 5, session ends at 5,
    # b1 finishes at 10; b3 (t=6) is rejected; alice's a1 (t=2) runs 10-15.
    r = run(scenario(sessions=[session("s1", "bob", cancel_at=5)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("b2", "bob", 1, 5, session="s1"),
        job("a1", "alice", 2, 5), job("b3", "bob", 6, 5, session="s1")]))
    t = times(r)
    assert t["b1"] == (0, 10, "completed")
    assert t["b2"] == (None, None, "cancelled")
    assert t["b3"] == (None, None, "rejected")
    assert t["a1"] == (10, 15, "completed")
    row = session_row(r, "s1")
    assert (row["end_time"], row["end_reason"]) == (5, "cancelled")
    # The session held the backend until its running job finished: usage 10.
    assert row["usage"] == 10


def test_r12_job_stopped_at_its_max_execution_time_fails():
    # j1 asks 100 s with a 30 s limit: stopped at 30, failed; j2 (t=1) runs 30-35.
    r = run(scenario(jobs=[job("j1", "alice", 0, 100, max_execution_time=30),
                           job("j2", "bob", 1, 5)]))
    t = times(r)
    assert t["j1"] == (0, 30, "failed")
    assert r.jobs.set_index("job_id").loc["j1", "reason"] == "max execution time"
    assert t["j2"] == (30, 35, "completed")


def test_r12_policy_default_limit_applies_to_jobs_without_their_own():
    r = run(scenario(policy={"default_max_execution_time": 20}, jobs=[job("j1", "alice", 0, 50)]))
    assert times(r)["j1"] == (0, 20, "failed")


def test_r13_jobs_api_start_session_session_id_and_rejections():
    sim = Simulation(validate_scenario(scenario()))
    first = sim.submit("bob", "qpu_a", 10, start_session=True)
    sid = first.session
    assert sid is not None
    second = sim.submit("bob", "qpu_a", 5, at=2, session_id=sid)
    unknown = sim.submit("bob", "qpu_a", 5, at=3, session_id="nope")
    sim.close(sid, at=4)
    late = sim.submit("bob", "qpu_a", 5, at=6, session_id=sid)
    sim.run()
    assert (first.start_time, first.end_time, first.status) == (0, 10, "completed")
    assert (second.start_time, second.end_time, second.status) == (10, 15, "completed")
    assert unknown.status == "rejected" and "unknown session" in unknown.reason
    assert late.status == "rejected" and "closed" in late.reason
    d = sim.session_details(sid)
    assert (d["state"], d["started_at"], d["closed_at"], d["end_reason"]) == (
        "closed", 0, 4, "closed")
    assert d["accepting_jobs"] is False
    # A rejected job is recorded, not dropped.
    result_ids = set(sim.jobs)
    assert {unknown.id, late.id} <= result_ids


def test_r13_session_details_while_running():
    sim = Simulation(validate_scenario(scenario()))
    j = sim.submit("bob", "qpu_a", 10, start_session=True, max_time=100)
    sim.run(until=5)
    d = sim.session_details(j.session)
    assert (d["state"], d["accepting_jobs"], d["active_timeout"], d["usage_time"]) == (
        "active", True, 95, 5)
    sim.run_until_done(j)
    assert sim.now == 10


def test_r14_batch_jobs_run_ahead_of_fair_share_without_holding():
    # batch b (bob): t1 0-10 starts the batch; alice a1 at 1; t2 at 2 runs 10-15 ahead of a1
    # (bob usage 10 > alice 0: fair share alone would pick a1). Nothing queued: no hold, a1 15-25.
    # t3 at 16 and alice a2 at 16: t3 runs first at 25-30 (R14), then a2 30-35.
    # Usage is QPU time only: 10 + 5 + 5 = 20.
    r = run(scenario(sessions=[session("b", "bob", mode="batch")], jobs=[
        job("t1", "bob", 0, 10, session="b"), job("a1", "alice", 1, 10),
        job("t2", "bob", 2, 5, session="b"), job("t3", "bob", 16, 5, session="b"),
        job("a2", "alice", 16, 5)]))
    t = times(r)
    assert t["t2"] == (10, 15, "completed")
    assert t["a1"] == (15, 25, "completed")
    assert t["t3"] == (25, 30, "completed")
    assert t["a2"] == (30, 35, "completed")
    assert r.jobs.set_index("job_id").loc["t3", "rule"] == "R14"
    row = session_row(r, "b")
    assert row["usage"] == 20 and row["reserved_idle"] == 0
    assert events_of(r, "session_waiting", "b") == []


def test_r15_session_reuses_compiled_circuits():
    # Timing: overhead 2, compile 3, 1000 shots x 1 ms = 1 s. Uncached job 6 s, cached 3 s.
    # In session s1: g1 (ghz) 0-6, g2 (ghz, cache hit) 6-9, q1 (qft, miss) 9-15.
    # The same three in job mode compile every time: 0-6, 6-12, 12-18.
    timing = {"per_job_overhead": 2, "compile_time": 3, "rep_delay": 0.001,
              "circuit_duration": 0}

    def jobs(sess, prefix):
        # circuit_duration 0 replaces the circuits' scheduled durations for round numbers.
        return [{"id": f"{prefix}{n}", "tenant": "bob", "backend": "qpu_a", "submit": 0,
                 "session": sess, "shots": 1000, "circuit": c, "circuit_duration": 0}
                for n, c in (("g1", "ghz"), ("g2", "ghz"), ("q1", "qft"))]

    circuits = {"ghz": {"family": "ghz", "num_qubits": 3},
                "qft": {"family": "qft", "num_qubits": 3}}
    r = run({**scenario(policy={"timing": timing}, sessions=[session("s1", "bob")],
                        jobs=jobs("s1", "s")), "circuits": circuits})
    t = times(r)
    assert (t["sg1"], t["sg2"], t["sq1"]) == ((0, 6, "completed"), (6, 9, "completed"),
                                             (9, 15, "completed"))
    assert list(r.jobs.compiled) == ["miss", "hit", "miss"]
    r = run({**scenario(policy={"timing": timing}, jobs=jobs(None, "j")), "circuits": circuits})
    t = times(r)
    assert (t["jg1"][:2], t["jg2"][:2], t["jq1"][:2]) == ((0, 6), (6, 12), (12, 18))


def test_r16_every_job_ends_in_exactly_one_terminal_status():
    r = run(scenario(sessions=[session("s1", "bob", max_time=25),
                               session("s2", "carol", cancel_at=1, backend="qpu_a")], jobs=[
        job("ok", "alice", 0, 10), job("limit", "alice", 0, 100, max_execution_time=1),
        job("b1", "bob", 0, 30, session="s1"), job("b2", "bob", 1, 5, session="s1"),
        job("c1", "carol", 0, 5, session="s2"), job("late", "carol", 2, 5, session="s2")]))
    status = dict(zip(r.jobs.job_id, r.jobs.status))
    assert status == {"ok": "completed", "limit": "failed", "b1": "completed", "b2": "failed",
                      "c1": "cancelled", "late": "rejected"}
    # Exactly one terminal event per job.
    terminal = r.events[r.events.event.isin(
        ["job_completed", "job_failed", "job_cancelled", "job_rejected"])]
    assert sorted(terminal.job_id) == sorted(status)


def test_r17_same_scenario_same_trace(tmp_path):
    doc = scenario(seed=3, workloads=[
        {"kind": "background", "tenant": "alice", "backend": "qpu_a",
         "arrivals": {"process": "poisson", "rate": 0.1}, "count": 50,
         "duration": {"dist": "exponential", "mean": 8}},
        {"kind": "interactive", "tenant": "bob", "backend": "qpu_a", "iterations": 5,
         "think_time": {"dist": "uniform", "low": 1, "high": 30}}])
    a = run(doc).write(tmp_path / "a")
    b = run(doc).write(tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    other = run({**doc, "seed": 4})
    assert not other.jobs.equals(run(doc).jobs)


def test_r18_same_instant_order_completion_submission_close_timer_decision():
    # At t=70 four things meet: the interactive timeout of s1 (b1 ended at 10, +60), a
    # submission b2 to s1, a close() of s1, and a decision.
    # Order: b2 is accepted (deadline inclusive), close() sees b2 queued, the timer finds a
    # queued job (no deactivation), the decision runs b2 (R5); s1 ends when b2 is done.
    r = run(scenario(backends=("qpu_a",), sessions=[session("s1", "bob", close_at=70)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("b2", "bob", 70, 5, session="s1")]))
    t = times(r)
    assert t["b2"] == (70, 75, "completed")
    at70 = r.events[r.events.time == 70].event.tolist()
    assert at70 == ["job_submitted", "session_closing", "job_started"]
    row = session_row(r, "s1")
    assert (row["end_time"], row["end_reason"]) == (75, "closed")


def test_r18_submission_at_exactly_max_time_is_accepted_then_expires():
    r = run(scenario(sessions=[session("s1", "bob", max_time=20)], jobs=[
        job("b1", "bob", 0, 10, session="s1"), job("b2", "bob", 20, 5, session="s1")]))
    assert times(r)["b2"] == (None, None, "failed")
    at20 = r.events[r.events.time == 20].event.tolist()
    assert at20 == ["job_submitted", "job_failed", "session_ended"]


def test_r18_completion_and_submission_at_one_instant_decide_together():
    # a0 ends at 10 as alice's a1 and bob's b1 arrive at 10 (a1 first in the file): one
    # decision sees both. alice has used 10, bob 0 -> b1 runs 10-15, a1 15-20.
    r = run(scenario(jobs=[job("a0", "alice", 0, 10), job("a1", "alice", 10, 5),
                           job("b1", "bob", 10, 5)]))
    t = times(r)
    assert t["b1"] == (10, 15, "completed")
    assert t["a1"] == (15, 20, "completed")


def test_presets_and_open_timeout():
    # ibm-2024: interactive timeout 60 by default; a session opened with no job closes
    # itself after 30 minutes.
    r = run(scenario(policy={"preset": "ibm-2024"}, sessions=[
        session("idle", "bob", open_at=100), session("s1", "carol")], jobs=[
        job("c1", "carol", 0, 10, session="s1")]))
    row = session_row(r, "idle")
    assert (row["end_time"], row["end_reason"]) == (1900, "closed")
    assert events_of(r, "session_deactivated", "s1") == [70]
    r = run(scenario(policy={"preset": "ibm-2022"}, sessions=[session("s1", "carol")],
                     jobs=[job("c1", "carol", 0, 10, session="s1")]))
    assert events_of(r, "session_deactivated", "s1") == [310]


def test_r1_zero_length_jobs_at_one_instant_run_one_after_another():
    # j0 takes 0 s: it starts and ends at 0; j1 then starts at 0 too. Never two at once.
    r = run(scenario(jobs=[job("j0", "alice", 0, 0), job("j1", "bob", 0, 5)]))
    t = times(r)
    assert t["j0"] == (0, 0, "completed") and t["j1"] == (0, 5, "completed")
    order = r.events[r.events.event.isin(["job_started", "job_completed"])].job_id.tolist()
    assert order == ["j0", "j0", "j1", "j1"]


# ------------------------------------------------------------------ R18: an instant is exact
# Each of these failed when times were float sums: 0.7 + 0.2 = 0.8999999999999999, not 0.9.


def test_r18_exact_job_submitted_at_the_computed_end_of_the_interactive_timeout():
    # s: j1 runs 0-0.7; the reserved wait runs 0.7-0.9 (timeout 0.2); j2 is submitted at 0.9,
    # exactly at its end: it catches the session (inclusive deadline) and runs 0.9-1.9. Bob's
    # b (queued at 0.1) waits until the wait after j2 ends: 1.9 + 0.2 = 2.1, then runs to 7.1.
    r = run(scenario(policy={"interactive_timeout": 0.2}, sessions=[session("s", "alice")],
                     jobs=[job("j1", "alice", 0, 0.7, session="s"), job("b", "bob", 0.1, 5),
                           job("j2", "alice", 0.9, 1, session="s")]))
    t = times(r)
    assert t["j2"] == (0.9, 1.9, "completed")
    assert t["b"] == (2.1, 7.1, "completed")
    assert events_of(r, "session_deactivated", "s") == [2.1]
    assert session_row(r, "s")["reserved_idle"] == 0.4


def test_r18_exact_job_submitted_at_the_computed_maximum_time_expires():
    # s starts with j1 at 0.1 (max_time 0.2): its maximum time is 0.1 + 0.2 = 0.3. j1 ends at
    # 0.2 and s holds the QPU; j2 submitted at 0.3 is accepted, then fails: the session expired.
    r = run(scenario(sessions=[session("s", "alice", max_time=0.2)],
                     jobs=[job("j1", "alice", 0.1, 0.1, session="s"),
                           job("j2", "alice", 0.3, 1, session="s")]))
    assert times(r)["j2"] == (None, None, "failed")
    assert r.jobs.set_index("job_id").loc["j2", "reason"] == "session expired"
    assert session_row(r, "s")["end_time"] == 0.3
    at = r.events[r.events.time == 0.3].event.tolist()
    assert at == ["job_submitted", "job_failed", "session_ended"]


def test_r18_exact_completion_and_submission_meet_in_one_decision():
    # a1 runs 0.7-0.9 (0.7 + 0.2). a2 was queued at 0.8; b1 arrives at 0.9, the instant a1
    # ends: one decision sees both. Alice has used 0.2 s, bob nothing: b1 runs 0.9-1.9, then a2.
    r = run(scenario(jobs=[job("a1", "alice", 0.7, 0.2), job("a2", "alice", 0.8, 1),
                           job("b1", "bob", 0.9, 1)]))
    t = times(r)
    assert t["a1"] == (0.7, 0.9, "completed")
    assert t["b1"] == (0.9, 1.9, "completed")
    assert t["a2"] == (1.9, 2.9, "completed")


def test_r18_times_in_the_tables_are_the_exact_instants():
    # Spans are tick differences, never differences of rounded seconds.
    r = run(scenario(jobs=[job("a", "alice", 0.1, 0.2), job("b", "bob", 0.2, 0.1)]))
    row = r.jobs.set_index("job_id").loc["b"]
    assert (row.start_time, row.end_time, row.wait, row.qpu_time, row.turnaround) == \
        (0.3, 0.4, 0.1, 0.1, 0.2)


def test_r3_ratios_within_one_part_in_a_billion_tie():
    # Half-life 10 s. Alice is charged one span 0-1 (qpu_b), bob two spans 0-0.3 and 0.3-1
    # (qpu_c): the same usage, whose decayed floats differ in the last bits. On qpu_a carol runs
    # 0-5; bob's b1 (submitted at 1) and alice's a1 (at 2) wait. At 5 their ratios tie, so the
    # earlier submission goes first: b1 5-6, then a1 6-7.
    doc = scenario(backends=("qpu_a", "qpu_b", "qpu_c"),
                   policy={"fair_share": {"usage": "half_life", "half_life": 10}}, jobs=[
        job("c0", "carol", 0, 5), job("a0", "alice", 0, 1, backend="qpu_b"),
        job("b0", "bob", 0, 0.3, backend="qpu_c"), job("b0x", "bob", 0.3, 0.7, backend="qpu_c"),
        job("b1", "bob", 1, 1), job("a1", "alice", 2, 1)])
    t = times(run(doc))
    assert (t["b1"][0], t["a1"][0]) == (5, 6)
    # The two usages really differ as floats: without the tie rule alice would go first.
    sim = Simulation(validate_scenario(doc))
    sim.run(until=5)
    ua, ub = sim.meters["alice"].value(sim.env.now), sim.meters["bob"].value(sim.env.now)
    assert ua < ub and abs(ua - ub) < 1e-9 * ua


def test_r3_pick_next_ties_ratios_closer_than_one_part_in_a_billion():
    from types import SimpleNamespace as NS

    from engine.policy import pick_next

    early, late = NS(submit_tick=1, seq=0), NS(submit_tick=2, seq=1)
    # 0.3 and 0.1 + 0.2 (0.30000000000000004) are one float apart: a tie, so the earlier
    # submission wins although the later one's ratio is the smaller float.
    assert 0.3 < 0.1 + 0.2
    job, _ = pick_next([("a", late), ("b", early)], {"a": 0.3, "b": 0.1 + 0.2}, {"a": 1, "b": 1})
    assert job is early
    job, _ = pick_next([("a", early), ("b", late)], {"a": 0.3 + 1e-6, "b": 0.3}, {"a": 1, "b": 1})
    assert job is late   # a real difference still decides


# ------------------------------------------------------------------ R16: ids, conservation


@pytest.mark.parametrize("doc_changes,key", [
    # An explicit job whose id a workload generates.
    ({"jobs": [job("bg.1", "alice", 0, 1)]}, "jobs[0].id"),
    # An explicit session whose id an interactive workload's client opens.
    ({"sessions": [session("iw", "bob")]}, "sessions[0].id"),
    # A workload whose name another (with several clients: iw-1, iw-2) generates.
    ({"workloads_extra": {"name": "iw-2", "kind": "background", "tenant": "carol",
                          "backend": "qpu_a", "arrivals": {"process": "periodic",
                                                           "interval": 5}, "count": 2}},
     "workloads[2].name"),
])
def test_r16_ids_a_workload_generates_are_refused_elsewhere(doc_changes, key):
    workloads = [{"name": "bg", "kind": "background", "tenant": "alice", "backend": "qpu_a",
                  "arrivals": {"process": "periodic", "interval": 10}, "count": 3},
                 {"name": "iw", "kind": "interactive", "tenant": "bob", "backend": "qpu_a",
                  "iterations": 2, "clients": 1 if "workloads_extra" not in doc_changes else 2}]
    extra = doc_changes.pop("workloads_extra", None)
    if extra:
        workloads.append(extra)
    doc = scenario(workloads=workloads, **doc_changes)
    with pytest.raises(ScenarioError) as err:
        validate_scenario(doc)
    assert err.value.key == key


def test_r16_ids_made_up_by_the_api_avoid_every_taken_and_generated_id():
    # A scenario already holding session-1 and job-2, and a workload named "job" whose jobs
    # are job.1, job.2: the API's own ids (one counter) go around all of them.
    doc = scenario(sessions=[session("session-1", "bob")],
                   jobs=[job("job-2", "alice", 0, 1)],
                   workloads=[{"name": "job", "kind": "background", "tenant": "carol",
                               "backend": "qpu_a", "arrivals": {"process": "periodic",
                                                                "interval": 1}, "count": 2}])
    sim = Simulation(validate_scenario(doc))
    made = [sim.submit("alice", "qpu_a", 1, start_session=True) for _ in range(3)]
    assert [j.id for j in made] == ["job-3", "job-5", "job-7"]
    assert [j.session for j in made] == ["session-2", "session-4", "session-6"]
    sim.run()
    assert len(sim.jobs) == 6 and sim.jobs["job-2"].status == "completed"
    assert set(sim.sessions) == {"session-1", "session-2", "session-4", "session-6"}
    # A workload "job" with several clients generates job-1, job-2, ...: the API switches to
    # job_N rather than search for ever.
    doc = scenario(workloads=[{"name": "job", "kind": "interactive", "tenant": "carol",
                               "backend": "qpu_a", "clients": 2, "iterations": 1}])
    sim = Simulation(validate_scenario(doc))
    assert sim.submit("alice", "qpu_a", 1).id == "job_1"
    sim.run()
    assert {"job-1", "job-2", "job_1"} <= set(sim.sessions) | set(sim.jobs)


def test_r16_a_run_checks_conservation_and_fails_loudly():
    from engine.sim import ConservationError

    sim = Simulation(validate_scenario(scenario(jobs=[job("a", "alice", 0, 1)])))
    lost = sim.jobs["a"]
    sim.run()
    sim.jobs["ghost"] = lost          # a job known but never finished by the engine
    with pytest.raises(ConservationError, match="R16"):
        sim.check_conservation()
    sim = Simulation(validate_scenario(scenario(jobs=[job("a", "alice", 0, 1)])))
    sim.run()
    with pytest.raises(ConservationError, match="would end twice"):
        sim._finish(sim.jobs["a"], "failed", "again", "again")
    with pytest.raises(ValueError, match="already used"):
        sim.register(sim.jobs["a"])
