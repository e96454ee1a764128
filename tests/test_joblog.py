"""Job logs with observed queue times (engine/joblog.py, ``python -m engine replay-log``): the
project's generated log in Ravi et al.'s layout replayed on the load it came from gives back every
queue time; a service export of engine.runtime's jobs reads back as they ran; bad files are
refused with their line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import load_scenario
from engine.joblog import parse_log, read_log
from engine.logreplay import replay_scenario, validate_log
from engine.model import ScenarioError
from tests import joblog_sample
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return joblog_sample.write(tmp_path_factory.mktemp("joblog"))


def test_the_generated_log_replayed_on_its_load_gives_back_every_queue_time(sample):
    log_path, load_path, first = sample
    log = read_log(log_path)
    assert log.layout == "ravi" and len(log.jobs) == 92 and log.skipped == 0
    rep = validate_log(log, load_scenario(load_path), start=first)
    overall = rep.overall
    assert overall.ks == 0.0 and rep.not_run == []
    for side in ("median", "p90", "p99", "mean", "longer_than_run"):
        assert getattr(overall.simulated, side) == getattr(overall.observed, side)
    assert [r.machine for r in rep.rows] == ["(all)", "ibmq_athens", "ibmq_rome"]
    assert rep.words()[0].startswith("Simulated queue times are close to the observed ones: "
                                     "Kolmogorov-Smirnov distance 0.000 over 92 jobs")
    text = rep.markdown()
    assert "| (all) | 92 |" in text and "5,704 jobs" in text


def test_the_log_alone_has_no_queue_to_wait_in_and_says_it_is_far(sample):
    log = read_log(sample[0])
    rep = validate_log(log)
    assert rep.overall.ks > 0.25
    assert rep.overall.simulated.median < rep.overall.observed.median
    assert rep.words()[0].startswith("Simulated queue times are far from the observed ones")
    replayed, ids, added = replay_scenario(log)
    assert added == ["ibmq_rome", "ibmq_athens"]     # in the order the log names them
    assert replayed.policy.preset == "ibm-2022"          # Ravi et al.'s log is of 2020
    assert sorted(b.name for b in replayed.backends) == ["ibmq_athens", "ibmq_rome"]
    assert ids[:2] == ["log.1", "log.2"]
    # On a load without its machines, the report names them.
    rep = validate_log(log, load_scenario(ROOT / "scenarios" / "unequal-shares.yaml"))
    assert ("Not backends of the load: ibmq_rome, ibmq_athens: their jobs ran there alone, "
            "meeting none of the load.") in rep.words()


def test_a_service_export_of_runtime_jobs_reads_back_as_they_ran(tmp_path):
    from tests.test_runtime import LAB, bell
    from engine.joblog import export_jobs
    from engine.runtime import QiskitRuntimeService, SamplerV2

    service = QiskitRuntimeService(scenario=LAB, think_time=10, new=True)
    backend = service.backend("qpu_a")
    jobs = [SamplerV2(mode=backend).run([bell(backend)]) for _ in range(3)]
    for j in jobs:
        j.wait_for_final_state()
    path = tmp_path / "export.csv"
    assert export_jobs(service.jobs(limit=None), path) == 3
    log = read_log(path)
    assert log.layout == "service"
    sim = service.simulation.jobs
    got = {j.id: (j.queue, j.run) for j in log.jobs}
    assert got == {j.job_id(): (sim[j.job_id()].start_time - sim[j.job_id()].submit_time,
                                sim[j.job_id()].usage_ticks / 1e6) for j in jobs}
    # Replayed on the data center's scenario (lab's jobs) from the first job's instant, the
    # queue times come back.
    first = min(sim[j.job_id()].submit_time for j in jobs)
    rep = validate_log(log, service.scenario.model_copy(
        update={"tenants": [t for t in service.scenario.tenants if t.name != "you"]}),
        start=first)
    assert rep.overall.ks == 0.0


RAVI_HEAD = "run_time,queue_time,machine,date,status,batch,shots,depth,width\n"


@pytest.mark.parametrize("text, message", [
    ("a,b,c\n1,2,3\n", "the header names neither Ravi et al.'s columns"),
    (RAVI_HEAD + "1.0,x,ibmq_rome,2020-01-01T00:00:00,DONE,1,1,1,1\n",
     "line 2: column queue_time is not a finite number >= 0"),
    (RAVI_HEAD + "1.0,-2,ibmq_rome,2020-01-01T00:00:00,DONE,1,1,1,1\n",
     "line 2: column queue_time is not a finite number >= 0"),
    (RAVI_HEAD + "inf,2,ibmq_rome,2020-01-01T00:00:00,DONE,1,1,1,1\n",
     "line 2: column run_time is not a finite number >= 0"),
    (RAVI_HEAD + "1,2,ibmq_rome,yesterday,DONE,1,1,1,1\n",
     "line 2: column date is not an ISO 8601 date and time"),
    (RAVI_HEAD + "1,2,,2020-01-01,DONE,1,1,1,1\n",
     "line 2: column machine must be a name of 1 to 200 characters"),
    (RAVI_HEAD + "1,2,m,2020-01-01,DONE,1,1,1,1,extra\n", "line 2: column (beyond the header)"),
    (RAVI_HEAD + ",,m,2020-01-01,ERROR,1,1,1,1\n", "no job with a queue and run time (1 rows "
                                                   "skipped)"),
    (RAVI_HEAD + "1,1e307,m,2020-01-01,DONE,1,1,1,1\n",
     "line 2: column queue_time is more than 1e+09 s"),
    ("job_id,backend,status,created,running,finished\n"
     "j1,q,DONE,2024-01-01T00:01:00Z,2024-01-01T00:00:00Z,2024-01-01T00:02:00Z\n",
     "line 2: column running comes before created"),
])
def test_a_bad_log_is_refused_with_its_line_and_column(text, message):
    with pytest.raises(ScenarioError) as e:
        parse_log(text, "x.csv")
    assert e.value.key == "log" and message in str(e.value)
    assert "yesterday" not in str(e.value)          # never quotes what the file holds


def test_rows_without_a_run_are_skipped_and_counted():
    log = parse_log(RAVI_HEAD + "1,2,m,2020-01-01 10:00:00,DONE,1,1,1,1\n"
                                ",,m,2020-01-01 10:01:00,ERROR,1,1,1,1\n", "x.csv")
    assert [(j.queue, j.run) for j in log.jobs] == [(120.0, 60.0)] and log.skipped == 1
    assert log.jobs[0].submit.tzinfo is not None    # a date without a zone is UTC


def test_the_command_line(sample, tmp_path):
    log_path, load_path, first = sample
    out = tmp_path / "report.md"
    r = cli("replay-log", log_path, "--load", load_path, "--start", repr(first), "--out", out)
    assert r.returncode == 0, r.stderr
    assert "close to the observed ones" in r.stdout and out.read_text() == r.stdout
    r = cli("replay-log", log_path, "--json")
    assert json.loads(r.stdout)["table"][0]["machine"] == "(all)"
    for args, start in (([load_path], "error: log = "), ([log_path, "--start", "nan"],
                                                         "error: --start = NaN"),
                        ([log_path, "--load", tmp_path / "none.yaml"], "error: --load = "),
                        (["/dev/zero"], "error: log = '/dev/zero': is not a regular file")):
        r = cli("replay-log", *args)
        assert r.returncode == 2 and r.stderr.startswith(start), r.stderr
        assert r.stderr.count("\n") == 1


def test_a_machine_called_all_is_a_machine_like_any_other():
    log = parse_log(RAVI_HEAD + "1,2,all,2020-01-01 10:00:00,DONE,1,1,1,1\n"
                                "1,3,zz,2020-01-01 10:00:30,DONE,1,1,1,1\n", "x.csv")
    rep = validate_log(log)
    assert [(r.machine, r.observed.n) for r in rep.rows] == [("(all)", 2), ("all", 1),
                                                            ("zz", 1)]


def test_jobs_created_at_one_instant_replay_in_their_order(tmp_path):
    """service.jobs() lists the newest first; the export is oldest first, so three jobs
    created at one instant queue in the order they were submitted (R18)."""
    from tests.test_runtime import LAB, bell
    from engine.joblog import export_jobs
    from engine.runtime import QiskitRuntimeService, SamplerV2

    service = QiskitRuntimeService(scenario=LAB, think_time=0, new=True)
    backend = service.backend("qpu_a")
    circuit = bell(backend)
    jobs = [SamplerV2(mode=backend).run([circuit], shots=shots) for shots in (100_000, 100, 100)]
    for j in jobs:
        j.wait_for_final_state()
    path = tmp_path / "export.csv"
    export_jobs(service.jobs(limit=None), path)
    log = read_log(path)
    assert [j.id for j in log.jobs] == [j.job_id() for j in jobs]
    rep = validate_log(log, service.scenario.model_copy(
        update={"tenants": [t for t in service.scenario.tenants if t.name != "you"]}))
    assert rep.overall.ks == 0.0
