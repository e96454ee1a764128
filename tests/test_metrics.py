"""Metrics on hand-worked traces."""

import math
from pathlib import Path

import pytest

from engine import load_scenario, run_scenario
from engine.metrics import contended_usage

from .helpers import job, run, scenario, session

ROOT = Path(__file__).resolve().parent.parent


def test_contended_usage_counts_only_time_when_every_tenant_wants_the_qpu():
    # a1 (alice) submitted 0, runs 0-10; b1 (bob) submitted 5, runs 10-20.
    # Both want the QPU during [5, 10): alice ran 5 s of it, bob 0.
    r = run(scenario(tenants={"alice": 1, "bob": 1},
                     jobs=[job("a1", "alice", 0, 10), job("b1", "bob", 5, 10)]))
    usage, contended = contended_usage(r.jobs, ["alice", "bob"])
    assert usage == {"alice": 5.0, "bob": 0.0}
    assert contended == 5.0


def test_tenant_and_backend_metrics_on_a_hand_worked_trace():
    # s1 (bob): b1 0-10 then reserved until 70 (timeout 60). alice: a1 submitted 1 runs 70-75.
    r = run(scenario(tenants={"alice": 1, "bob": 3}, sessions=[session("s1", "bob")],
                     jobs=[job("b1", "bob", 0, 10, session="s1"), job("a1", "alice", 1, 5)]))
    t = r.tenants.set_index("tenant")
    assert t.loc["alice", "wait_mean"] == 69 and t.loc["bob", "wait_mean"] == 0
    assert t.loc["alice", "usage"] == 5 and t.loc["bob", "usage"] == 70
    assert t.loc["bob", "allocation"] == 0.75
    assert t.loc["bob", "achieved_share"] == pytest.approx(70 / 75)
    b = r.backends.set_index("backend").loc["qpu_a"]
    assert (b["busy_time"], b["horizon"], b["reserved_idle"], b["held_time"]) == (15, 75, 60, 70)
    assert b["utilisation"] == pytest.approx(15 / 75)
    s = r.session_metrics.set_index("session_id").loc["s1"]
    assert (s["jobs"], s["qpu_time"], s["reserved_idle"], s["usage"]) == (1, 10, 60, 70)
    assert r.summary["wait_p50"] == 34.5


def test_unequal_shares_scenario_achieves_its_allocation_under_contention():
    r = run_scenario(load_scenario(ROOT / "scenarios/unequal-shares.yaml"))
    t = r.tenants.set_index("tenant")
    for tenant in ("small", "medium", "large"):
        assert abs(t.loc[tenant, "contended_share"] - t.loc[tenant, "allocation"]) < 0.02
    # Larger share, shorter waits.
    assert t.loc["large", "wait_p50"] < t.loc["medium", "wait_p50"] < t.loc["small", "wait_p50"]


def test_client_time_to_solution():
    # One client, 3 iterations of 10 s with 5 s think, alone: 0-10, 15-25, 30-40: TTS 40.
    r = run(scenario(workloads=[{"kind": "interactive", "tenant": "bob", "backend": "qpu_a",
                                 "iterations": 3, "duration": 10, "think_time": 5}]))
    c = r.clients.iloc[0]
    assert (c["started_at"], c["finished_at"], c["time_to_solution"], c["status"]) == (
        0, 40, 40, "done")
    assert list(r.jobs.start_time) == [0, 15, 30]
    assert not math.isnan(r.summary["time_to_solution_mean"])
