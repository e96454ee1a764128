"""Wait-time estimates (engine/estimate.py, ``python -m engine estimate``): cases worked by hand
on a fixed load, replications that match whole runs, and refusals naming the value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import validate_scenario
from engine.estimate import Probe, Replication, WaitEstimate, estimate, replication_scenario
from engine.model import ScenarioError
from engine.run import run_scenario
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[1]

# bob's b1 holds qpu_a 0-100, his b2 (submitted at 10) waits; nothing random.
FIXED = {"name": "fixed-load", "seed": 5, "policy": {"interactive_timeout": 60},
         "backends": [{"name": "qpu_a"}], "tenants": [{"name": "bob"}],
         "jobs": [{"id": "b1", "tenant": "bob", "backend": "qpu_a", "submit": 0, "duration": 100},
                  {"id": "b2", "tenant": "bob", "backend": "qpu_a", "submit": 10,
                   "duration": 50}]}

# Poisson load on one backend: replications differ.
RANDOM = {"name": "random-load", "seed": 11, "backends": [{"name": "qpu_a"}],
          "tenants": [{"name": "lab", "share": 2}, {"name": "class"}],
          "workloads": [
              {"name": "lab-load", "kind": "background", "tenant": "lab", "backend": "qpu_a",
               "arrivals": {"process": "poisson", "rate": 0.02},
               "duration": {"dist": "exponential", "mean": 30}, "until": 3000},
              {"name": "class-load", "kind": "background", "tenant": "class",
               "backend": "qpu_a", "arrivals": {"process": "poisson", "rate": 0.01},
               "duration": {"dist": "exponential", "mean": 20}, "until": 3000}]}


def test_a_job_into_a_fixed_load_starts_when_fair_share_says():
    # At 100 the QPU frees: you (usage 0) go before bob's b2 (usage 100, R3): 100-110.
    e = estimate(validate_scenario(FIXED), Probe("qpu_a", at=20, duration=10), 4)
    assert [(r.start, r.end) for r in e.replications] == [(100.0, 110.0)] * 4
    assert [r.seed for r in e.replications] == [5, 6, 7, 8]
    assert (e.start.p50, e.start.p90, e.completion.p50, e.completion.p90) == (100, 100, 110, 110)
    assert (e.wait.p50, e.time_to_result.p90) == (80, 90)
    words = " ".join(e.words())
    assert ("it starts at 100 s at the median (P50, a wait of 80 s) and by 100 s at P90 (a "
            "wait of 80 s), over the 4 replications.") in words
    assert "Every replication gave your work the same times" in words


def test_a_session_holds_the_backend_through_its_think_times():
    # The first job 100-110 starts the session (R4); each next comes 5 s after a result, inside
    # the 60 s interactive timeout, and starts at once (R5, R6) while b2 waits: 115-125, 130-140.
    probe = Probe("qpu_a", at=20, duration=10, iterations=3, think_time=5, mode="dedicated")
    e = estimate(validate_scenario(FIXED), probe, 2)
    assert [(r.start, r.end) for r in e.replications] == [(100.0, 140.0)] * 2
    # As plain jobs: the first 100-110; at 110 only b2 is queued: b2 110-160; the second,
    # submitted at 115, waits for it: 160-170; the third, at 175, finds the QPU free: 175-185.
    plain = estimate(validate_scenario(FIXED), Probe("qpu_a", at=20, duration=10, iterations=3,
                                                     think_time=5), 1)
    assert (plain.replications[0].start, plain.replications[0].end) == (100.0, 185.0)


def test_classical_time_comes_before_the_qpu_in_the_lane():
    e = estimate(validate_scenario(FIXED), Probe("qpu_a", at=20, duration=10,
                                                 classical_time=3), 1)
    assert (e.replications[0].start, e.replications[0].end) == (100.0, 113.0)


def test_replications_of_a_random_load_are_whole_runs_and_reproducible():
    sc = validate_scenario(RANDOM)
    probe = Probe("qpu_a", at=1200, duration=20, tenant="class")
    a = estimate(sc, probe, 6)
    assert a.to_dict() == estimate(sc, probe, 6).to_dict()          # bit for bit
    assert len({r.start for r in a.replications}) > 1               # the seeds differ
    # Each replication stops when the probe is done: the same times as the whole run.
    for r in a.replications[:3]:
        whole = run_scenario(replication_scenario(sc, probe, r.seed)[0]).jobs
        mine = whole[whole.workload.str.startswith("estimate-probe")].iloc[0]
        assert (mine.start_time, mine.end_time) == (r.start, r.end)
    starts = [r.start for r in a.replications]
    assert a.start.p50 == pytest.approx(float(np.quantile(starts, 0.5)), abs=0)
    assert a.start.p90 == pytest.approx(float(np.quantile(starts, 0.9)), abs=0)
    assert a.wait.p90 == pytest.approx(a.start.p90 - 1200)


def test_an_existing_tenant_keeps_its_share_a_new_one_gets_its_own():
    sc = validate_scenario(RANDOM)
    doc = replication_scenario(sc, Probe("qpu_a", tenant="lab"), 11)[0]
    assert [t.name for t in doc.tenants] == ["lab", "class"]
    doc = replication_scenario(sc, Probe("qpu_a", tenant="you", share=3), 11)[0]
    assert doc.tenants[-1].name == "you" and doc.tenants[-1].share == 3


def test_a_probe_that_cannot_finish_is_counted_never_averaged():
    e = estimate(validate_scenario(FIXED), Probe("qpu_a", mode="dedicated", plan="open"), 2)
    assert e.start is None and e.completion is None
    assert e.words()[0].endswith("never started in 2 replications: estimate-probe.1 rejected: "
                                 "sessions are not available on the Open plan (R22).")
    mixed = WaitEstimate(Probe("qpu_a", at=0), "x", [
        Replication(1, 10.0, 20.0), Replication(2, 30.0, None, "j failed: session expired"),
        Replication(3, 50.0, 60.0)])
    assert mixed.completion.n == 2 and mixed.start.n == 3
    assert ("In 1 of 3 replications it did not finish (seed 2: j failed: session expired); they "
            "are in no quantile.") in mixed.words()
    assert mixed.words()[1].endswith("over the 2 in which it finished.")


def test_replications_where_it_never_started_are_not_counted_as_started():
    """A tenant over a usage limit on all usage ever (R22) in some seeds: the start quantiles
    say over how many of the replications it started, and no sentence claims equal times."""
    doc = {"name": "lim", "seed": 1, "policy": {"preset": "ibm-2024"},
           "backends": [{"name": "qpu_1"}],
           "tenants": [{"name": "lab", "usage_limit": {"seconds": 600, "window": None}}],
           "workloads": [{"name": "w", "kind": "background", "tenant": "lab",
                          "backend": "qpu_1", "count": 20,
                          "arrivals": {"process": "poisson", "rate": 0.05},
                          "duration": {"dist": "exponential", "mean": 30}}]}
    e = estimate(validate_scenario(doc), Probe("qpu_1", at=1000, tenant="lab"), 10)
    started = sum(r.start is not None for r in e.replications)
    assert 0 < started < 10 and e.start.n == started
    words = " ".join(e.words())
    assert f"over the {started} of 10 replications in which it started" in words
    assert "same times" not in words
    assert "lab is the scenario's tenant: its own share and plan apply" in words


def test_a_workload_with_its_own_seed_is_named():
    doc = json.loads(json.dumps(RANDOM))
    doc["workloads"][0]["seed"] = 3
    e = estimate(validate_scenario(doc), Probe("qpu_a", at=600), 2)
    assert any("own seed draw the same load in every replication: lab-load" in w
               for w in e.words())


@pytest.mark.parametrize("probe, replications, key", [
    (Probe("qpu_z"), 3, "backend"),
    (Probe("qpu_a", at=float("nan")), 3, "at"),
    (Probe("qpu_a", at=-1), 3, "at"),
    (Probe("qpu_a", duration=0), 3, "duration"),
    (Probe("qpu_a", duration=float("inf")), 3, "duration"),
    (Probe("qpu_a", iterations=0), 3, "iterations"),
    (Probe("qpu_a", mode="session"), 3, "mode"),
    (Probe("qpu_a", share=-2), 3, "share"),
    (Probe("qpu_a", share=1e308), 3, "share"),
    (Probe("qpu_a", tenant=""), 3, "tenant"),
    (Probe("qpu_a"), 0, "replications"),
    (Probe("qpu_a"), 10_000, "replications"),
])
def test_bad_values_are_refused_naming_them(probe, replications, key):
    with pytest.raises(ScenarioError) as e:
        estimate(validate_scenario(FIXED), probe, replications)
    assert e.value.key == key


def test_the_command_line(tmp_path):
    path = tmp_path / "load.json"
    path.write_text(json.dumps(FIXED))
    r = cli("estimate", path, "--backend", "qpu_a", "--at", "20", "--duration", "10",
            "--replications", "3")
    assert r.returncode == 0, r.stderr
    assert "it starts at 100 s at the median" in r.stdout
    assert "start                   100.0        100.0" in r.stdout
    r = cli("estimate", path, "--backend", "qpu_a", "--at", "20", "--duration", "10",
            "--iterations", "3", "--think-time", "5", "--mode", "dedicated", "--json")
    out = json.loads(r.stdout)
    assert out["quantiles"][1] == {"measure": "completion", "p50": 140.0, "p90": 140.0,
                                   "mean": 140.0, "low": 140.0, "high": 140.0, "n": 20}
    for args, flag in ((["--backend", "nope"], "--backend = 'nope'"),
                       (["--backend", "qpu_a", "--think-time", "-1"], "--think-time = -1.0"),
                       (["--backend", "qpu_a", "--replications", "0"], "--replications = 0")):
        r = cli("estimate", path, *args)
        assert r.returncode == 2 and r.stderr.startswith(f"error: {flag}: "), r.stderr
        assert r.stderr.count("\n") == 1
    r = cli("estimate", tmp_path / "missing.yaml", "--backend", "qpu_a")
    assert r.returncode == 2


def test_a_run_left_unfinished_lets_python_exit():
    """A replication stops when the probe is done, leaving seed-story's VQE loop mid-way; its
    optimizer thread must not hold the interpreter at exit (it hung there once)."""
    code = ("from engine import load_scenario\n"
            "from engine.estimate import Probe, estimate\n"
            "e = estimate(load_scenario('scenarios/seed-story.yaml'), Probe('qpu_1', at=700), 1)\n"
            "print(e.replications[0].end is not None)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0 and r.stdout == "True\n", r.stderr


def test_whole_runs_give_the_same_estimate_as_runs_stopped_early():
    """The dashboard runs the replications whole in its run processes (from_runs)."""
    from engine.estimate import from_runs, replications_of

    sc = validate_scenario(RANDOM)
    for probe in (Probe("qpu_a", at=1200, duration=20, tenant="class"),
                  Probe("qpu_a", at=900, duration=5, iterations=3, think_time=70,
                        mode="dedicated"),
                  Probe("qpu_a", mode="dedicated", plan="open")):
        runs = [run_scenario(s) for s in replications_of(sc, probe, 3)]
        assert from_runs(sc, probe, runs).to_dict() == estimate(sc, probe, 3).to_dict()


def test_seeds_past_the_largest_are_refused_naming_replications():
    doc = {**FIXED, "seed": 2 ** 63 - 2}
    with pytest.raises(ScenarioError) as e:
        estimate(validate_scenario(doc), Probe("qpu_a"), 3)
    assert e.value.key == "replications" and "2**63 - 1" in e.value.message
    assert len(estimate(validate_scenario(doc), Probe("qpu_a"), 2).replications) == 2
