"""Schedulers (engine/schedulers.py): each built-in on a case worked by hand, where it and IBM's
fair share part; a scheduler of the user's own loaded by import path only where code is
allowed; misbehaving ones stopped with one message; sweeps over the scheduler.

Every case: one backend, one lane, jobs with exact durations, ibm-2022 timing (no compile time
for jobs without circuits), so a job starts the instant the one before it ends."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from engine import validate_scenario
from engine.model import ScenarioError
from engine.run import run_scenario
from engine.schedulers import BUILT_IN, SchedulerError
from tests.helpers import cli, job, run, scenario, session, times


def _with(doc: dict, scheduler, tenants=None) -> dict:
    doc = dict(doc)
    doc["policy"] = {**doc["policy"], "scheduler": scheduler}
    if tenants is not None:
        doc["tenants"] = tenants
    return doc


def starts(result) -> dict:
    return {j: t[0] for j, t in times(result).items()}


def starts_under(doc: dict, scheduler, tenants=None) -> dict:
    """Each job's start when ``scheduler`` makes R3's choice."""
    return starts(run(_with(doc, scheduler, tenants)))


# alice's first job holds the QPU 0-10; three jobs queue behind it.
FIFO_CASE = scenario(jobs=[job("a1", "alice", 0, 10), job("a2", "alice", 1, 5),
                           job("b1", "bob", 2, 1)])


def test_fifo_takes_the_earliest_submitted_whoever_used_more():
    # At 10: alice has used 10 s, bob nothing; fair share starts b1, FIFO a2 (submitted at 1).
    assert starts(run(FIFO_CASE)) == {"a1": 0.0, "b1": 10.0, "a2": 11.0}
    r = run(_with(FIFO_CASE, "fifo"))
    assert starts(r) == {"a1": 0.0, "a2": 10.0, "b1": 15.0}
    detail = r.events.set_index("job_id").loc["a2"]
    assert "R3 first come first served: the earliest submitted of 2" in \
        detail[detail.event == "job_started"].detail.iloc[0]


def test_priority_runs_the_highest_tenant_first_then_first_come():
    tenants = [{"name": "alice", "priority": 9}, {"name": "bob"}, {"name": "carol"}]
    doc = scenario(jobs=[job("a1", "alice", 0, 10), job("a2", "alice", 1, 1),
                         job("b1", "bob", 2, 4), job("c1", "carol", 3, 2)])
    # Fair share at 10: bob and carol have used nothing (tie: bob submitted first) 10-14,
    # carol 14-16, alice (10 s used) last 16-17.
    assert starts_under(doc, "fair_share", tenants) == \
        {"a1": 0.0, "b1": 10.0, "c1": 14.0, "a2": 16.0}
    # Priority: alice (9) first 10-11; bob and carol share priority 0: bob came first 11-15.
    assert starts_under(doc, "priority", tenants) == \
        {"a1": 0.0, "a2": 10.0, "b1": 11.0, "c1": 15.0}


def test_sjf_takes_the_least_requested_time_even_behind_its_tenants_head():
    doc = scenario(jobs=[job("a1", "alice", 0, 10), job("b1", "bob", 1, 8),
                         job("b2", "bob", 2, 2), job("a2", "alice", 3, 3)])
    # At 10 the queue holds b1 (8 s), b2 (2 s, behind b1 in bob's queue), a2 (3 s): b2 10-12,
    # then a2 12-15, then b1 15-23.
    r = run(_with(doc, "sjf"))
    assert times(r) == {"a1": (0.0, 10.0, "completed"), "b2": (10.0, 12.0, "completed"),
                        "a2": (12.0, 15.0, "completed"), "b1": (15.0, 23.0, "completed")}


# R5: a session runs its earliest queued job. Timeout 0: s1 goes inactive when s1a ends.
SESSION_CASE = scenario(jobs=[job("b0", "bob", 0, 100), job("s1a", "alice", 0, 1, session="s1"),
                              job("b1", "bob", 1, 50), job("s1b", "alice", 2, 10, session="s1"),
                              job("s1c", "alice", 3, 1, session="s1")],
                        sessions=[session("s1", "alice")], policy={"interactive_timeout": 0})


def test_sjf_never_starts_a_session_job_before_its_sessions_earlier_one():
    doc = SESSION_CASE
    # s1a 0-1 (1 s < 100 s); at 1 b1 (50 s) 1-51; at 51 the choice is b0 (100 s) or s1b (10 s),
    # never s1c (1 s) behind s1b: s1b 51-61 reactivates s1, whose s1c runs 61-62 (R5); b0 62.
    assert starts_under(doc, "sjf") == {"s1a": 0.0, "b1": 1.0, "s1b": 51.0, "s1c": 61.0,
                                        "b0": 62.0}


def test_hierarchical_fair_share_counts_an_organisations_usage_together():
    tenants = [{"name": "x1", "organisation": "X"}, {"name": "x2", "organisation": "X"},
               {"name": "y"}]
    doc = scenario(jobs=[job("y0", "y", 0, 4), job("x1a", "x1", 0.5, 10),
                         job("y1", "y", 5, 1), job("x2a", "x2", 6, 1)])
    # y0 0-4, x1a 4-14. At 14: x1 used 10, x2 0, y 4.
    # Flat: x2 0/1 beats y 4/1: x2a 14-15, y1 15-16.
    assert starts_under(doc, "fair_share", tenants) == \
        {"y0": 0.0, "x1a": 4.0, "x2a": 14.0, "y1": 15.0}
    # Hierarchical: organisation X (10 + 0) / (1 + 1) = 5 against y 4 / 1: y1 14-15, x2a 15-16.
    assert starts_under(doc, "hierarchical_fair_share", tenants) == \
        {"y0": 0.0, "x1a": 4.0, "y1": 14.0, "x2a": 15.0}


def test_slurm_fair_share_factor_and_age():
    doc = scenario(jobs=[job("a0", "alice", 0, 10), job("a1", "alice", 1, 1),
                         job("b1", "bob", 9, 1)], tenants={"alice": 1, "bob": 1})
    # At 10 alice holds all usage: U = 1, S = 1/2, F = 2^-2 = 0.25; bob F = 1: b1 first.
    assert starts_under(doc, "slurm") == {"a0": 0.0, "b1": 10.0, "a1": 11.0}
    # With age (weight 2, full at 10 s): alice 0.25 + 2 * 9/10 = 2.05 beats bob 1 + 2 * 1/10.
    spec = {"name": "slurm", "weight_age": 2, "max_age": 10, "half_life": 1e9}
    r = run(_with(doc, spec))
    assert starts(r) == {"a0": 0.0, "a1": 10.0, "b1": 11.0}
    started = r.events[(r.events.event == "job_started") & (r.events.job_id == "a1")]
    assert "fair-share factor 0.25, priority 2.05" in started.detail.iloc[0]


def test_fair_share_by_name_is_the_default_to_the_byte(tmp_path):
    a = run(FIFO_CASE)
    b = run(_with(FIFO_CASE, "fair_share"))
    for name in ("jobs", "events", "sessions"):
        assert a.frame(name).equals(b.frame(name))


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_built_in_runs_a_busy_scenario_to_the_end(name):
    """Sessions, batches and several tenants around each scheduler: every job ends once (R16
    is checked by the engine at the end of every run)."""
    from engine import load_scenario

    sc = load_scenario("scenarios/seed-story.yaml")
    doc = sc.model_dump(mode="json", exclude_defaults=True)
    doc["policy"] = {**doc.get("policy", {}), "scheduler": name}
    r = run_scenario(validate_scenario(doc, base_dir="scenarios"))
    assert len(r.jobs) == len(run_scenario(sc).jobs)
    assert set(r.jobs.status) <= {"completed", "failed", "cancelled", "rejected"}


# --------------------------------------------------------------------- the user's own

POLICY = textwrap.dedent('''
    class LastIn:
        """The most recently submitted queued job first."""
        label = "last in first out"

        def __init__(self, skip=0):
            self.skip = skip

        def pick(self, ctx):
            job = max(ctx.queued(), key=lambda j: j.seq)
            return job, f"submitted last (seq {job.seq})"

    class Stranger:
        def pick(self, ctx):
            return "not a job"

    class Stale:
        def pick(self, ctx):
            return ctx.heads[0][1] if ctx.now < 10 else self.first
        def __init__(self):
            self.first = None

    class Boom:
        def pick(self, ctx):
            raise RuntimeError("no idea")

    class NoPick:
        pass

    class FairUnlessBusy:
        """IBM's fair share, called from a scheduler of one's own."""
        def pick(self, ctx):
            from engine.schedulers import FairShare
            return FairShare().pick(ctx)

    class SessionTail:   # the last queued job, even one behind its session's earlier job
        def pick(self, ctx):
            return max((j for t, _ in ctx.heads for j in ctx._fs[t] if j.status == "queued"),
                       key=lambda j: j.seq)
''')


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "mypolicies.py").write_text(POLICY)
    return tmp_path


def _file(folder, scheduler) -> str:
    doc = _with(FIFO_CASE, scheduler)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_a_users_scheduler_by_import_path_from_the_scenarios_folder(folder):
    path = _file(folder, "mypolicies:LastIn")
    refused = cli("simulate", path, "--out", folder / "out", "--quiet")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--allow-code" in refused.stderr
    assert not (folder / "out").exists()
    ok = cli("simulate", path, "--out", folder / "out", "--quiet", "--allow-code")
    assert ok.returncode == 0, ok.stderr
    import pandas as pd

    jobs = pd.read_csv(folder / "out" / "jobs.csv").set_index("job_id")
    # At 10: b1 (seq 2) was submitted after a2 (seq 1): b1 10-11, a2 11-16.
    assert jobs.start_time.to_dict() == {"a1": 0.0, "a2": 11.0, "b1": 10.0}
    events = pd.read_csv(folder / "out" / "events.csv")
    assert (events.detail == "R3 last in first out: submitted last (seq 2)").any()


def test_a_user_scheduler_may_call_ibms_fair_share_and_gets_its_choices(folder):
    """FairShare.pick(ctx) makes the engine's own R3 choice (which the engine makes in ticks,
    without a context): the same start times on the cases above."""
    tenants = [{"name": "alice", "priority": 9}, {"name": "bob"}, {"name": "carol"}]
    busy = scenario(jobs=[job("a1", "alice", 0, 10), job("a2", "alice", 1, 1),
                          job("b1", "bob", 2, 4), job("c1", "carol", 3, 2),
                          job("a3", "alice", 4, 3), job("b2", "bob", 5, 1)])
    for doc, names in ((FIFO_CASE, None), (busy, tenants)):
        own = validate_scenario(_with(doc, "mypolicies:FairUnlessBusy", names),
                                base_dir=str(folder))
        assert starts(run_scenario(own, allow_code=True)) == starts_under(doc, "fair_share",
                                                                          names)


def test_a_scheduler_starting_a_session_job_out_of_order_is_refused(folder):
    sc = validate_scenario(_with(SESSION_CASE, "mypolicies:SessionTail"), base_dir=str(folder))
    with pytest.raises(SchedulerError, match="picked s1c, which is not a job queued and free "
                                             "to start at 51 s on qpu_a"):
        run_scenario(sc, allow_code=True)


def test_options_reach_the_users_constructor(folder):
    from engine import load_scenario

    sc = load_scenario(_file(folder, {"name": "mypolicies:LastIn", "options": {"skip": 3}}))
    from engine.sim import Simulation

    assert Simulation(sc, allow_code=True).scheduler.skip == 3
    with pytest.raises(SchedulerError, match="unexpected keyword"):
        Simulation(load_scenario(_file(folder, {"name": "mypolicies:LastIn",
                                                "options": {"nope": 1}})), allow_code=True)


@pytest.mark.parametrize("name, message", [
    ("mypolicies:Stranger", "picked 'not a job', which is not a job queued and free to start "
                            "at 0 s on qpu_a"),
    ("mypolicies:Stale", "picked None, which is not a job queued"),
    ("mypolicies:Boom", "raised RuntimeError: no idea (at 0 s on qpu_a)"),
    ("mypolicies:NoPick", "has no class NoPick with a pick(ctx) method"),
    ("mypolicies:Missing", "has no class Missing"),
    ("nosuchmodule_xyz:P", "cannot import nosuchmodule_xyz: ModuleNotFoundError"),
])
def test_a_misbehaving_scheduler_stops_the_run_with_one_message(folder, name, message):
    r = cli("simulate", _file(folder, name), "--out", folder / "out", "--quiet",
            "--allow-code")
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: policy.scheduler = '{name}': ")
    assert message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (folder / "out").exists()


@pytest.mark.parametrize("value, message", [
    ("fair-share", "not a scheduler: one of fair_share, hierarchical_fair_share"),
    ("os.system", "not a scheduler"),
    ({"name": "fifo", "half_life": 10}, "half_life is a setting of the slurm scheduler"),
    ({"name": "sjf", "options": {"a": 1}}, "options are for a scheduler of your own"),
    ({"name": "slurm", "weight_age": -1}, "greater than or equal to 0"),
])
def test_a_bad_scheduler_value_is_refused_naming_it(value, message):
    with pytest.raises(ScenarioError, match="policy.scheduler") as e:
        validate_scenario(_with(FIFO_CASE, value))
    assert message in str(e.value)


def test_code_is_never_run_without_permission(folder, monkeypatch):
    """A hostile file naming a class with side effects is refused before anything is imported."""
    monkeypatch.delenv("SESSION_LAB_ALLOW_CODE", raising=False)
    (folder / "sideeffect.py").write_text(f"open({str(folder / 'ran')!r}, 'w').close()\n"
                                          "class P:\n    def pick(self, ctx): pass\n")
    from engine import load_scenario

    sc = load_scenario(_file(folder, "sideeffect:P"))
    with pytest.raises(SchedulerError, match="--allow-code"):
        run_scenario(sc)
    assert not (folder / "ran").exists()


def test_a_sweep_varies_the_scheduler(folder):
    path = _file(folder, "fair_share")
    r = cli("sweep", path, "--set", "policy.scheduler=fair_share,fifo,sjf", "--workers", "1",
            "--out", folder / "sweep.csv")
    assert r.returncode == 0, r.stderr
    import pandas as pd

    table = pd.read_csv(folder / "sweep.csv")
    assert list(table["policy.scheduler"]) == ["fair_share", "fifo", "sjf"]
    # Mean wait: fair share (0 + 8 + 10) / 3 = 6; FIFO (0 + 9 + 13) / 3 = 7.33; SJF picks b1
    # (1 s) before a2 (5 s) at 10, as fair share does: 6.
    assert table["wait_mean"].round(6).tolist() == [6.0, round(22 / 3, 6), 6.0]
