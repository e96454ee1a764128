"""The Gymnasium environment (engine/environment.py): Gymnasium's own checker, seeded and
reproducible episodes, IBM's fair share as an agent reproducing a plain run to the microsecond,
invalid actions as documented, no thread left behind, and rewards on cases worked by hand.

Hand-worked cases use one backend, one lane and ibm-2022 timing (tests/helpers.py), so a job
starts the instant the one before it ends."""

from __future__ import annotations

import gc
import importlib.util
import threading
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from engine import load_scenario, run_scenario, validate_scenario
from engine.environment import (ENV_ID, REWARDS, SchedulerEnv, fair_share_policy,
                                random_policy, rollout)
from engine.schedulers import Fifo, ShortestJobFirst
from tests.helpers import ROOT, job, scenario, session, times

SCENARIOS = ROOT / "scenarios"

# alice's 10 s job and bob's two 1 s jobs, all submitted at 0 in this order.
THREE = scenario(jobs=[job("a1", "alice", 0, 10), job("b1", "bob", 0, 1),
                       job("b2", "bob", 0, 1)], tenants={"alice": 1, "bob": 1})


def shortest(obs, info):
    """Shortest job first, from the observation alone."""
    d = np.where(obs["queue_mask"] == 1, obs["queue_duration"], np.inf)
    return int(np.argmin(d))


def first_slot(obs, info):
    return 0


def same(a, b) -> bool:
    """Exact equality of nested observations / infos (arrays by dtype and value)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.all(a == b))
    return a == b


def same_run(r1, r2) -> bool:
    return (r1.actions == r2.actions and r1.rewards == r2.rewards
            and same(r1.observations, r2.observations) and same(r1.infos, r2.infos))


@pytest.fixture
def no_new_threads():
    before = threading.active_count()
    yield
    gc.collect()
    assert threading.active_count() == before


# --------------------------------------------------------------------------- Gymnasium's API


def test_gymnasiums_checker_passes_without_a_warning(no_new_threads):
    env = gym.make(ENV_ID, scenario=str(SCENARIOS / "unequal-shares.yaml")).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    env.close()
    assert [str(w.message) for w in caught if issubclass(w.category, UserWarning)] == []


def test_every_observation_is_in_the_space_and_the_mask_marks_the_candidates():
    env = SchedulerEnv(SCENARIOS / "session-vs-batch-vs-job.yaml", max_queue=4)
    run = rollout(env, random_policy(1), seed=3)
    env.close()
    assert run.infos[-1]["terminal"] and not run.infos[0]["terminal"]
    for obs, info in zip(run.observations, run.infos):
        assert obs in env.observation_space
        n = len(info["candidates"])
        assert n == min(4, info["candidates_total"])
        assert list(info["action_mask"]) == list(obs["queue_mask"]) == [1] * n + [0] * (4 - n)
    assert max(i["candidates_total"] for i in run.infos) > 4   # some decisions were cut


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="reward must be one of"):
        SchedulerEnv(THREE, reward="latency")
    with pytest.raises(ValueError, match="max_queue"):
        SchedulerEnv(THREE, max_queue=0)
    env = SchedulerEnv(THREE)
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    with pytest.raises(ValueError, match="seed must be"):
        env.reset(seed=2**63)
    env.close()


# --------------------------------------------------------------------------- seeds


def test_one_seed_gives_one_trajectory_and_another_seed_another(no_new_threads):
    path = SCENARIOS / "unequal-shares.yaml"      # Poisson arrivals, exponential durations
    env = SchedulerEnv(path)
    a = rollout(env, random_policy(5), seed=11)
    b = rollout(env, random_policy(5), seed=11)
    other = SchedulerEnv(path)                    # a second env: the same again
    c = rollout(other, random_policy(5), seed=11)
    d = rollout(env, random_policy(5), seed=12)
    env.close()
    other.close()
    assert len(a.actions) == 600
    assert same_run(a, b) and same_run(a, c)
    assert not same(a.observations[:3], d.observations[:3])
    assert a.rewards != d.rewards


def test_reset_without_a_seed_runs_the_scenarios_seed_then_draws_from_np_random():
    doc = scenario(workloads=[{"kind": "background", "tenant": "alice", "backend": "qpu_a",
                               "count": 5, "arrivals": {"process": "poisson", "rate": 0.1},
                               "duration": {"dist": "exponential", "mean": 20}}], seed=4)
    env = SchedulerEnv(doc)
    assert same(env.reset()[0], env.reset(seed=4)[0])
    env.reset(seed=9)
    nxt, _ = env.reset()
    env.reset(seed=9)
    assert same(env.reset()[0], nxt)              # the drawn seed follows the seeded reset
    assert env.scenario.seed != 9
    env.close()


# --------------------------------------------------------------------------- IBM's fair share


@pytest.mark.parametrize("name, seed", [
    ("unequal-shares", None), ("unequal-shares", 11), ("session-vs-batch-vs-job", None),
    ("session-vs-batch-vs-job-2026", None), ("lanes-contention", None),
    ("calibration-day", None), ("open-plan", None), ("max-time", None), ("swf-replay", None)])
def test_the_fair_share_agent_starts_every_job_when_a_plain_run_does(name, seed):
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    if seed is not None:
        sc = sc.model_copy(update={"seed": seed})
    plain = run_scenario(sc).jobs                 # policy.scheduler: fair_share (the default)
    env = SchedulerEnv(SCENARIOS / f"{name}.yaml")
    run = rollout(env, fair_share_policy(env), seed=seed)
    mine = env.result().jobs
    env.close()
    assert run.infos[-1]["terminal"] and len(run.actions) > 0
    cols = ["job_id", "status", "submit_time", "start_time", "end_time", "reason"]
    assert mine[cols].fillna(-1).equals(plain[cols].fillna(-1))
    # The agent's decisions were the engine's R3 decisions, one step each.
    assert (mine["rule"] == "R3").sum() == len(run.actions)


# --------------------------------------------------------------------------- hand-worked


def test_shortest_first_by_hand_mean_and_p95_wait_and_fairness():
    env = SchedulerEnv(THREE, reward="mean_wait")
    obs, info = env.reset()
    # At 0 the slots are alice's head a1, bob's head b1, then b2 behind b1.
    assert info["candidates"] == ["a1", "b1", "b2"]
    assert list(obs["queue_tenant"][:3]) == [0, 1, 1]
    assert list(obs["queue_duration"][:3]) == [10, 1, 1]
    assert list(obs["queue_head"][:4]) == [1, 1, 0, 0]
    assert obs["backend_queued"][0] == 3 and obs["backend_busy"][0] == 0
    assert obs["backend_lanes"][0] == 1 and list(obs["tenant_usage"]) == [0, 0]
    run = rollout(env, shortest)
    # b1 0-1 (wait 0), b2 1-2 (wait 1), a1 2-12 (wait 2): mean 1, p95 of (0, 1, 2) = 1.9.
    assert times(env.result()) == {"a1": (2.0, 12.0, "completed"),
                                   "b1": (0.0, 1.0, "completed"),
                                   "b2": (1.0, 2.0, "completed")}
    assert [i["candidates"] for i in run.infos] == [["a1", "b1", "b2"], ["a1", "b2"], ["a1"], []]
    assert run.actions == [1, 1, 0]
    assert run.total == pytest.approx(-1.0, abs=1e-12)
    totals = run.totals()
    assert totals["mean_wait"] == pytest.approx(-1.0, abs=1e-12)
    assert totals["p95_wait"] == pytest.approx(-1.9, abs=1e-12)
    # Jain's index at 1: alice 0 s, bob 1 s used (both waiting): 0.5; at 2 only alice waits:
    # 1. The mean of (J - 1) over those two decisions: -0.25.
    assert totals["fairness"] == pytest.approx(-0.25, abs=1e-12)
    assert totals["session_time"] == 0.0
    # First come first served (slot 0): a1 0-10, b1 10-11, b2 11-12: mean 7, p95 10.9; no
    # decision after the first sees two tenants waiting: fairness 0. IBM's fair share picks the
    # same (a tie at 0 goes to a1, then alice has used more).
    for policy in (first_slot, fair_share_policy(env)):
        t = rollout(env, policy).totals()
        assert t["mean_wait"] == pytest.approx(-7.0, abs=1e-12)
        assert t["p95_wait"] == pytest.approx(-10.9, abs=1e-12)
        assert t["fairness"] == 0.0
    # The same under skip_single: the last decision (a1 alone) is no step.
    skip = SchedulerEnv(THREE, skip_single=True)
    run = rollout(skip, shortest)
    assert len(run.actions) == 2 and run.total == pytest.approx(-1.0, abs=1e-12)
    env.close()
    skip.close()


def test_session_time_by_hand_with_a_rejected_job():
    # alice's session s1 (closed at 0: it ends once its queued jobs ran) with two 2 s jobs,
    # bob's 5 s job, all at 0; a third job for s1 at 1 is rejected (s1 is closed, R10).
    doc = scenario(jobs=[job("s1a", "alice", 0, 2, session="s1"),
                         job("s1b", "alice", 0, 2, session="s1"), job("b1", "bob", 0, 5),
                         job("s1c", "alice", 1, 1, session="s1")],
                   sessions=[session("s1", "alice", close_at=0)],
                   tenants={"alice": 1, "bob": 1})
    env = SchedulerEnv(doc, reward="session_time")
    # The session first: s1a 0-2, s1b 2-4 (R5, no step), b1 4-9: s1 takes 4 s to its
    # solution; waits 0, 2, 4: mean 2 (over the three jobs that queued, not the rejected one).
    run = rollout(env, first_slot)
    assert [i["candidates"] for i in run.infos] == [["s1a", "b1"], ["b1"], []]
    assert times(env.result())["s1c"] == (None, None, "rejected")
    assert run.total == pytest.approx(-4.0, abs=1e-12)
    assert run.totals()["mean_wait"] == pytest.approx(-2.0, abs=1e-12)
    # bob first: b1 0-5, s1a 5-7, s1b 7-9: 9 s; waits 0, 5, 7: mean 4. s1b, behind s1a in
    # its session, is never a candidate (a session's jobs start in its order).
    run = rollout(env, lambda obs, info: 1)
    assert [i["candidates"] for i in run.infos] == [["s1a", "b1"], ["s1a"], []]
    assert run.total == pytest.approx(-9.0, abs=1e-12)
    assert run.totals()["mean_wait"] == pytest.approx(-4.0, abs=1e-12)
    env.close()


def test_each_return_is_the_metric_it_stands_for_on_a_busy_run():
    env = SchedulerEnv(SCENARIOS / "session-vs-batch-vs-job.yaml", reward="p95_wait")
    run = rollout(env, random_policy(2), seed=5)
    result = env.result()
    env.close()
    assert run.total == pytest.approx(-result.summary["wait_p95"], rel=1e-12)
    assert run.totals()["mean_wait"] == pytest.approx(-result.summary["wait_mean"], rel=1e-12)
    assert set(run.totals()) == set(REWARDS)
    j = result.jobs
    tts = [(g["end_time"].max() - g["submit_time"].min()) for _, g in j.groupby("session_id")]
    assert run.totals()["session_time"] == pytest.approx(-np.mean(tts), rel=1e-12)
    assert -1.0 < run.totals()["fairness"] < 0.0


def test_the_backends_part_of_the_observation_by_hand():
    # qpu_a: alice's session s1 runs s1a 0-5, then holds qpu_a for its next job (R6, 60 s).
    # qpu_b: bob's batch runs bt1 0-5 and bt2 5-10 (R14, no step); carol's c1 (submitted at
    # 1) is the decision at 10, the batch still active (ibm-2022: it never deactivates).
    doc = scenario(backends=("qpu_a", "qpu_b"), jobs=[
        job("s1a", "alice", 0, 5, session="s1"),
        job("bt1", "bob", 0, 5, backend="qpu_b", session="bt"),
        job("bt2", "bob", 0, 5, backend="qpu_b", session="bt"),
        job("c1", "carol", 1, 1, backend="qpu_b")],
        sessions=[session("s1", "alice"), session("bt", "bob", backend="qpu_b", mode="batch")])
    env = SchedulerEnv(doc)
    run = rollout(env, first_slot)
    env.close()
    seen = [(i["time"], i["backend"], i["candidates"], int(o["backend"]),
             list(o["backend_session"]), list(o["backend_busy"]), list(o["backend_queued"]),
             list(o["queue_mode"][:1]))
            for o, i in zip(run.observations[:-1], run.infos)]
    assert seen == [(0.0, "qpu_a", ["s1a"], 0, [0, 0], [0, 0], [1, 2], [1]),
                    (0.0, "qpu_b", ["bt1"], 1, [1, 0], [1, 0], [0, 2], [2]),
                    (10.0, "qpu_b", ["c1"], 1, [1, 2], [0, 0], [0, 1], [0])]
    assert list(run.observations[2]["tenant_usage"]) == [10, 10, 0]   # s1's hold; bt's QPU


def test_the_p95_is_numpys():
    from engine.environment import _p95
    for n in range(1, 80):
        values = sorted(np.random.default_rng(n).exponential(10.0, n))
        assert _p95(values) == np.percentile(values, 95)


# --------------------------------------------------------------------------- actions


def test_an_empty_slot_is_slot_0_flagged_and_penalised_and_outside_the_space_raises():
    env = SchedulerEnv(THREE, invalid_penalty=-5.0)
    env.reset()
    _, r_bad, _, _, info_bad = env.step(7)        # 3 candidates: slot 7 is empty
    assert info_bad["invalid_action"] and info_bad["chosen"] == "a1"
    ref = SchedulerEnv(THREE)
    ref.reset()
    obs_ok, r_ok, _, _, info_ok = ref.step(0)
    assert not info_ok["invalid_action"]
    assert r_bad == r_ok - 5.0
    assert info_bad["rewards"] == info_ok["rewards"]
    for bad in (-1, 32, 1.5):
        with pytest.raises(ValueError, match="not in Discrete"):
            env.step(bad)
    while not env.step(0)[2]:
        pass
    with pytest.raises(RuntimeError, match="episode is over"):
        env.step(0)
    assert env.result().jobs.set_index("job_id").loc["a1", "start_time"] == 0.0
    env.close()
    ref.close()


def test_a_scheduler_whose_pick_is_not_shown_is_refused():
    env = SchedulerEnv(THREE, max_queue=1)
    _, info = env.reset()
    assert info["candidates"] == ["a1"] and info["candidates_total"] == 3
    assert env.scheduler_action(Fifo()) == 0
    with pytest.raises(ValueError, match="picked b1, which is not among the 1 slots"):
        env.scheduler_action(ShortestJobFirst())
    env.close()


def test_the_trace_names_the_agents_choice():
    env = SchedulerEnv(THREE)
    rollout(env, shortest)
    events = env.result().events
    env.close()
    started = events[events.event == "job_started"].set_index("job_id").detail
    assert started["b1"].startswith("R3 agent: slot 1 of 3")


# --------------------------------------------------------------------------- threads


def test_no_thread_is_left_after_close_reset_or_garbage_collection():
    before = threading.active_count()
    env = SchedulerEnv(THREE)
    env.reset()
    assert threading.active_count() == before + 1   # the worker, paused at the decision
    env.step(0)
    env.reset()                                     # mid-episode: the old worker stops
    env.reset()
    assert threading.active_count() == before + 1
    env.close()
    env.close()                                     # twice is fine
    assert threading.active_count() == before
    rollout(env, first_slot)                        # a finished episode leaves none either
    assert threading.active_count() == before
    env.reset()
    del env                                         # dropped mid-episode
    gc.collect()
    assert threading.active_count() == before


def test_a_run_without_a_decision_is_one_step(no_new_threads):
    doc = scenario(jobs=[job("s1a", "alice", 0, 2, session="s1"),
                         job("s1b", "alice", 0, 3, session="s1")],
                   sessions=[session("s1", "alice", close_at=0)])
    # s1a's start is the only R3 choice; skip_single takes it without asking.
    env = SchedulerEnv(validate_scenario(doc), skip_single=True)
    obs, info = env.reset()
    assert info["terminal"] and obs["queue_mask"].sum() == 0
    _, reward, terminated, _, info = env.step(3)
    assert terminated and reward == pytest.approx(-1.0)   # waits 0 and 2
    env.close()


# --------------------------------------------------------------------------- the example


def test_the_example_compares_both_agents():
    spec = importlib.util.spec_from_file_location("gym_example",
                                                  ROOT / "examples" / "rl" / "random_vs_ibm.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    rows = example.compare(validate_scenario(THREE), seed=0)
    assert [(r["agent"], r["seed"]) for r in rows] == [("random", 0), ("IBM fair share", 0)]
    assert rows[1]["mean_wait"] == pytest.approx(-7.0) and rows[1]["wait_mean"] == 7.0
