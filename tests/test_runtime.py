"""The Qiskit-Runtime-style client API (engine.runtime) and the examples written against it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import PrimitiveResult, SamplerPubResult
from qiskit.primitives.containers import PubResult
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

import qiskit_ibm_runtime
from engine.runtime import (Batch, EstimatorV2, IBMInputValueError, QiskitRuntimeService,
                            RuntimeInvalidStateError, RuntimeJobFailureError, SamplerV2,
                            Session)
from qiskit.providers.exceptions import QiskitBackendNotFoundError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# One 5-qubit QPU; lab's two jobs are there before you. Fixed think time: 10 s per call.
LAB = {
    "name": "runtime-test", "seed": 1,
    "policy": {"preset": "ibm-2022", "interactive_timeout": 60, "execution": "interactive"},
    "backends": [{"name": "qpu_a"}, {"name": "qpu_b"}],
    "tenants": [{"name": "you", "share": 1}, {"name": "lab", "share": 1}],
    "jobs": [{"id": "lab1", "tenant": "lab", "backend": "qpu_a", "submit": 0, "duration": 100},
             {"id": "lab2", "tenant": "lab", "backend": "qpu_a", "submit": 5, "duration": 50},
             {"id": "lab3", "tenant": "lab", "backend": "qpu_b", "submit": 0, "duration": 30}],
}


def bell(backend):
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)


@pytest.fixture
def service():
    return QiskitRuntimeService(scenario=LAB, think_time=10)


# ------------------------------------------------------------------ the examples

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_run_with_only_the_import_line_changed(path):
    source = path.read_text()
    tree = ast.parse(source)
    ours = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "engine.runtime"]
    assert len(ours) == 1, "one import line from engine.runtime"
    for alias in ours[0].names:  # the same names exist in the real client
        assert hasattr(qiskit_ibm_runtime, alias.name), alias.name
    # The docstring quotes the original line; it is ours with the module swapped.
    line = source.splitlines()[ours[0].lineno - 1]
    assert line.replace("engine.runtime", "qiskit_ibm_runtime") in source
    # Nothing else in the script touches the engine.
    assert source.count("engine") == source.count("engine.runtime")

    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    out = done.stdout
    if path.stem == "estimator_vqe_session":
        lowest = float(out.split("lowest energy found: ")[1].split()[0])
        assert lowest < -1.75       # the H2 ground state is -1.857
        import re

        # COBYLA with maxiter 30: thirty Estimator jobs, one line each.
        assert len(re.findall(r"^iteration +\d+: energy", out, re.M)) == 30
    elif path.stem == "sampler_batch":
        assert out.count("(DONE): 4 circuits") == 3
    elif path.stem == "jobs_api_session_id":
        assert "after close(): Closed" in out
        assert "retrieved" in out and "'00'" in out and "'11'" in out


# ------------------------------------------------------------------ sessions and the clock

def test_a_session_holds_the_backend_between_results_and_close_lets_fair_share_resume(service):
    """Hand-worked: think 10 s per call. Session opened at 10, job 1 submitted at 20, waits behind
    lab1 (0-100) and goes first at 100 (R3: you have no usage); the result returns at its end E1;
    job 2 is submitted at S2 = E1+10, inside the 60 s interactive timeout, so it starts at once
    while lab2 still waits (R5/R6); its result() is a call too, at S2+10, after job 2 ended
    (3 s), so it returns at once; leaving the block closes at S2+20 (R10) and lab2 starts then."""
    backend = service.backend("qpu_a")
    isa = bell(backend)
    sim = service.simulation
    with Session(backend=backend) as session:
        assert sim.now == 10
        sampler = SamplerV2(mode=session)
        first = sampler.run([isa])
        # Checked on the simulation itself: an API call would add its 10 s of thinking.
        assert sim.now == 20 and sim.jobs[first.job_id()].status == "queued"
        r1 = first.result()
        j1 = sim.jobs[first.job_id()]
        assert (j1.submit_time, j1.start_time) == (20, 100)
        assert sim.now == j1.end_time
        assert sim.session_details(session.session_id)["state"] == "active"
        second = sampler.run([isa])
        j2 = sim.jobs[second.job_id()]
        assert j2.submit_time == j2.start_time == j1.end_time + 10
        second.result()
        assert sim.jobs["lab2"].start_time is None   # held by the session
    lab2 = sim.jobs["lab2"]
    service.finish()
    assert j2.end_time < j2.submit_time + 10
    assert lab2.start_time == j2.submit_time + 20
    assert session.status() == "Closed"
    # R15: the second job reused the compiled circuit; the first paid the compile time.
    assert (j1.compiled, j2.compiled) == ("miss", "hit")
    assert j1.end_time - j1.start_time == pytest.approx(j2.end_time - j2.start_time + 1.0)
    # Results are qiskit's own types.
    assert isinstance(r1, PrimitiveResult) and isinstance(r1[0], SamplerPubResult)
    counts = r1[0].data.meas.get_counts()
    assert set(counts) <= {"00", "01", "10", "11"} and counts.get("00", 0) > 1000


def test_details_have_the_client_librarys_keys_and_state_timestamps(service):
    import inspect
    import re

    real_keys = set(re.findall(r'"(\w+)": response\.get',
                               inspect.getsource(qiskit_ibm_runtime.Session.details)))
    backend = service.backend("qpu_b")
    session = Session(backend=backend, max_time="1h 30m")
    assert session.status() == "Pending"
    d = session.details()
    assert set(d) == real_keys
    assert d["state"] == "open" and d["max_time"] == 5400 and d["started_at"] is None
    job = SamplerV2(mode=session).run([bell(backend)])
    job.result()
    d = session.details()
    assert d["state"] == "active" and d["accepting_jobs"] is True
    assert d["started_at"] == job.metrics()["timestamps"]["running"]
    assert d["mode"] == "dedicated" and d["interactive_timeout"] == 60
    assert session.status() == "In progress, accepting new jobs"
    session.close()
    d = session.details()
    assert d["state"] == "closed" and d["accepting_jobs"] is False
    assert [t["status"] for t in d["timestamps"]] == ["open", "active", "closed"]
    stamps = [t["timestamp"] for t in d["timestamps"]]
    assert stamps == sorted(stamps)


def test_background_load_keeps_running_while_a_script_thinks(service):
    sim = service.simulation
    backend = service.backend("qpu_a")
    job = SamplerV2(mode=backend).run([bell(backend)])
    assert sim.now == 10 and sim.jobs["lab1"].status == "running"
    job.result()
    # lab1 ran to its end while we waited; you went next (no usage), then lab2.
    assert sim.jobs["lab1"].end_time == 100
    assert sim.jobs[job.job_id()].start_time == 100


def test_measured_think_time_advances_the_clock_by_wall_time_times_the_scale():
    service = QiskitRuntimeService(scenario=LAB, think_scale=1000.0)
    backend = service.backend("qpu_a")
    import time
    time.sleep(0.05)
    SamplerV2(mode=backend).run([bell(backend)])
    assert service.simulation.now >= 50


def test_estimator_in_a_batch_returns_expectation_values(service):
    backend = service.backend("qpu_b")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)
    obs = SparsePauliOp.from_list([("ZZ", 1.0), ("XX", 1.0), ("ZI", 1.0)]).apply_layout(isa.layout)
    with Batch(backend=backend) as batch:
        estimator = EstimatorV2(mode=batch)
        job = estimator.run([(isa, obs)], precision=0.01)
    result = job.result()
    assert isinstance(result, PrimitiveResult) and isinstance(result[0], PubResult)
    assert float(result[0].data.evs) == pytest.approx(2.0, abs=0.1)   # <ZZ>+<XX>+<ZI> = 2
    d = batch.details()
    assert d["mode"] == "batch" and d["state"] == "closed"
    assert job.session_id == batch.session_id


# ------------------------------------------------------------------ bad input, cancel, backends

def test_bad_submissions_fail_as_the_service_would(service):
    backend = service.backend("qpu_a")
    sampler = SamplerV2(mode=backend)
    bare = QuantumCircuit(2)
    bare.h(0)
    with pytest.raises(IBMInputValueError, match="no output classical registers"):
        sampler.run([generate_preset_pass_manager(backend=backend,
                                                  optimization_level=1).run(bare)])
    param = QuantumCircuit(1)
    param.rx(Parameter("a"), 0)
    param.ry(Parameter("b"), 0)
    param.measure_all()
    with pytest.raises(ValueError, match="inconsistent"):    # qiskit's own PUB check
        sampler.run([(param, [0.1, 0.2, 0.3])])
    estimator = EstimatorV2(mode=backend)
    with pytest.raises(ValueError):
        estimator.run([(bell(backend).remove_final_measurements(inplace=False),
                        SparsePauliOp("ZZZ"))])
    # A circuit that is not ISA for the backend is refused at run(), as the client refuses it.
    wide = QuantumCircuit(2)
    wide.h(0)
    wide.cx(0, 1)
    wide.measure_all()
    with pytest.raises(IBMInputValueError, match="ISA|instruction|not supported"):
        sampler.run([wide])
    # ... and the simulation goes on.
    ok = sampler.run([bell(backend)])
    assert ok.result()[0].data.meas.num_shots > 0


def test_cancelling_a_queued_job(service):
    backend = service.backend("qpu_a")
    job = SamplerV2(mode=backend).run([bell(backend)])
    assert job.status() == "QUEUED"
    job.cancel()
    assert job.status() == "CANCELLED" and job.cancelled()
    with pytest.raises(RuntimeInvalidStateError, match="cancelled"):
        job.result()


def test_session_cancel_cancels_its_queued_jobs(service):
    backend = service.backend("qpu_a")
    session = Session(backend=backend)
    jobs = [SamplerV2(mode=session).run([bell(backend)]) for _ in range(2)]
    session.cancel()
    assert [j.status() for j in jobs] == ["CANCELLED", "CANCELLED"]
    assert session.status() == "Closed"


def test_backends_least_busy_and_jobs_listing(service):
    assert [b.name for b in service.backends()] == ["qpu_a", "qpu_b"]
    assert service.backends(simulator=True) == []
    assert service.least_busy().name == "qpu_b"       # lab has two jobs on qpu_a
    with pytest.raises(QiskitBackendNotFoundError, match="qpu_a, qpu_b"):
        service.backend("nope")
    backend = service.backend("qpu_b")
    # pending_jobs: jobs queued, not running ones (lab3 runs on qpu_b from 0 to 30).
    assert backend.num_qubits == 5 and backend.status().pending_jobs == 0
    assert service.backend("qpu_a").status().pending_jobs == 1    # lab2, behind lab1
    job = SamplerV2(mode=backend).run([bell(backend)], shots=100)
    assert [j.job_id() for j in service.jobs()] == [job.job_id()]
    assert service.job(job.job_id()).result()[0].data.meas.num_shots == 100


def test_default_datacenter_and_save_run(tmp_path):
    service = QiskitRuntimeService(think_time=1, new=True)
    assert {b.name for b in service.backends()} >= {"qpu_heron", "qpu_eagle", "qpu_falcon",
                                                    "ibm_brisbane", "ibm_torino"}
    backend = service.backend("qpu_falcon")
    job = SamplerV2(mode=backend).run([bell(backend)])
    job.result()
    out = service.save_run("mine", folder=tmp_path)
    jobs = pd.read_csv(out / "jobs.csv")
    mine = jobs[jobs["tenant"] == "you"]
    assert list(mine["job_id"]) == [job.job_id()] and mine["status"].iloc[0] == "completed"
    assert len(jobs) > 100       # two labs' background load ran to the end
    assert {"events.csv", "sessions.csv"} <= {p.name for p in out.iterdir()}


def test_same_script_same_results():
    def once():
        service = QiskitRuntimeService(scenario=LAB, think_time=5)
        backend = service.backend("qpu_a")
        with Session(backend=backend) as session:
            res = SamplerV2(mode=session).run([bell(backend)]).result()
        return res[0].data.meas.get_counts(), service.simulation.now

    assert once() == once()


def test_max_time_strings_are_parsed_and_bad_ones_rejected(service):
    backend = service.backend("qpu_b")
    assert Session(backend=backend, max_time="90m").details()["max_time"] == 5400
    with pytest.raises(IBMInputValueError, match="max_time"):
        Session(backend=backend, max_time="soon")
    with pytest.raises(ValueError, match="mode"):
        SamplerV2(mode="qpu_b")


# ------------------------------------------------------------------ bad work: refused or failed


def test_bad_precision_and_shots_are_refused_or_fail_the_job_with_the_reason(service):
    backend = service.backend("qpu_b")
    isa = bell(backend)
    est = EstimatorV2(mode=backend)
    plain = isa.remove_final_measurements(inplace=False)
    obs = SparsePauliOp("ZZ").apply_layout(plain.layout)
    # A precision of 0 or 1e-300 once divided by zero or overflowed inside the timing model.
    for bad in (0, -0.1):      # the client's own check
        with pytest.raises(ValueError, match="precision"):
            est.run([(plain, obs)], precision=bad)
    for bad in (1e-300, True):
        with pytest.raises(IBMInputValueError, match="precision"):
            est.run([(plain, obs)], precision=bad)
    # A billion shots would exhaust memory on Aer: the job fails at submission, with why.
    job = SamplerV2(mode=backend).run([isa], shots=10**9)
    assert job.status() == "ERROR"
    with pytest.raises(RuntimeJobFailureError, match="shots"):
        job.result()
    # The service goes on.
    assert SamplerV2(mode=backend).run([isa], shots=100).result()[0].data.meas.num_shots == 100


def test_an_aer_failure_fails_the_job_and_result_says_why(service, monkeypatch):
    # Before, the job stayed RUNNING for ever and result() raised SimPy's "No scheduled events
    # left"; now it fails with Aer's words and the clock and everyone else go on.
    from engine import execution

    def broken(self, work, seed):
        raise RuntimeError("AerError: 'unknown instruction: frobnicate'")

    backend = service.backend("qpu_b")
    monkeypatch.setattr(execution.QPU, "execute", broken)
    job = SamplerV2(mode=backend).run([bell(backend)])
    with pytest.raises(RuntimeJobFailureError, match="execution failed on Aer: AerError"):
        job.result()
    assert job.status() == "ERROR"
    monkeypatch.undo()
    assert SamplerV2(mode=backend).run([bell(backend)]).result()[0].data.meas.num_shots > 0
    service.finish()
    assert service.simulation.jobs["lab3"].status == "completed"


# ------------------------------------------------------------------ today's service (R19, R22)

TODAY = {
    "name": "runtime-today", "seed": 1,
    "policy": {"preset": "ibm-2026", "execution": "interactive"},
    "backends": [{"name": "qpu_a", "lanes": 2}],
    "tenants": [{"name": "you", "share": 1, "plan": "open"}, {"name": "lab", "share": 1}],
    "jobs": [{"id": "lab1", "tenant": "lab", "backend": "qpu_a", "submit": 0, "duration": 100}],
}


def test_r22_an_open_plan_session_fails_as_the_service_fails_and_a_batch_runs():
    from engine.runtime import IBMRuntimeError

    service = QiskitRuntimeService(scenario=TODAY, think_time=10)
    backend = service.backend("qpu_a")
    with pytest.raises(IBMRuntimeError, match="open plan"):
        Session(backend=backend)
    with Batch(backend=backend) as batch:
        job = SamplerV2(mode=batch).run([bell(backend)])
    job.result()
    assert job.status() == "DONE"


def test_r19_running_from_the_lane_and_usage_is_the_qpu_stage():
    # Two lanes: lab1 holds the QPU 0-100. Your job, submitted at 10 (one 10 s think), takes the
    # free lane at once: RUNNING ("In progress") from 10, but its QPU stage waits for lab1 and
    # starts at 100. usage() is the QPU stage only, not the 90 s of QPU contention.
    service = QiskitRuntimeService(scenario=TODAY, think_time=10)
    backend = service.backend("qpu_a")
    job = SamplerV2(mode=backend).run([bell(backend)])
    sim = service.simulation
    assert sim.now == 10 and job.status() == "RUNNING"
    job.result()
    j = sim.jobs[job.job_id()]
    assert (j.start_time, j.qpu_start_time) == (10, 100)
    assert job.usage() == pytest.approx(j.end_time - 100)
    stamps = job.metrics()["timestamps"]
    assert stamps["running"] < stamps["finished"]


# ------------------------------------------------------------------ time that behaves (issue 13)

def test_polling_status_waits_for_each_change_at_the_simulated_instant_it_happens(service):
    """Hand-worked, think 10 s per call: submitted at 10 (lab1 runs 0-100); status() at 20 is
    QUEUED; asked again (at 30) it waits for the change: RUNNING at 100, when lab1 ends and
    you go first (R3); asked again at 110, the 3 s job has ended: DONE. A polling loop ends."""
    backend = service.backend("qpu_a")
    sim = service.simulation
    job = SamplerV2(mode=backend).run([bell(backend)])
    seen = []
    while True:
        seen.append((job.status(), sim.now))
        if seen[-1][0] == "DONE":
            break
    assert seen == [("QUEUED", 20), ("RUNNING", 100), ("DONE", 110)]
    assert sim.jobs[job.job_id()].start_time == 100


def test_result_and_wait_time_out_in_simulated_seconds(service):
    from engine.runtime import RuntimeJobTimeoutError

    backend = service.backend("qpu_a")
    sim = service.simulation
    job = SamplerV2(mode=backend).run([bell(backend)])          # at 10, queued until 100
    with pytest.raises(RuntimeJobTimeoutError, match="5 secs"):
        job.result(timeout=5)                                    # called at 20
    assert sim.now == 25
    with pytest.raises(RuntimeJobTimeoutError):
        job.wait_for_final_state(timeout=30)                     # at 35, gives up at 65
    assert sim.now == 65
    job.wait_for_final_state()
    assert job.status() == "DONE" and sim.jobs[job.job_id()].start_time == 100


def test_two_vqe_threads_sharing_one_session_keep_their_own_times():
    """Two loops of five Estimator jobs in one session, each thread thinking 10 s per call:
    both start at 20 (the session opened at 10); a job takes 3 s, so even behind the other
    thread's job it is done before its result() call, and each thread submits every 20 s
    exactly, as it would alone. Both finish by 110, where one after the other would take until
    210, and the session closes when the block ends, far from its maximum time."""
    from concurrent.futures import ThreadPoolExecutor

    scenario = {"name": "threads", "seed": 1,
                "policy": {"preset": "ibm-2024", "interactive_timeout": 60,
                           "execution": "interactive"},
                "backends": [{"name": "qpu_a"}], "tenants": [{"name": "you"}]}
    service = QiskitRuntimeService(scenario=scenario, think_time=10)
    backend = service.backend("qpu_a")
    qc = QuantumCircuit(1)
    qc.ry(Parameter("a"), 0)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)
    obs = SparsePauliOp("Z").apply_layout(isa.layout)
    sim = service.simulation
    ids = {}

    def vqe(name, estimator):
        x, mine = 0.1, []
        for _ in range(5):
            job = estimator.run([(isa, obs, [x])])
            x += 0.1 * float(job.result()[0].data.evs)
            mine.append(job.job_id())
        ids[name] = mine

    with Session(backend=backend, max_time=600) as session:
        estimator = EstimatorV2()             # joins the session of the with-block
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda n: vqe(n, estimator), ["A", "B"]))
    for name, mine in ids.items():
        submits = [sim.jobs[i].submit_time for i in mine]
        assert submits == [20, 40, 60, 80, 100], name
        assert all(sim.jobs[i].session == session.session_id for i in mine)
    d = sim.session_details(session.session_id)
    assert d["end_reason"] == "closed" and d["closed_at"] == 110 and sim.now == 110


def test_one_data_center_per_process_unless_a_new_one_is_asked_for():
    from datetime import datetime, timedelta

    from engine.runtime import RuntimeJobNotFound

    first = QiskitRuntimeService(scenario=LAB, think_time=10)
    backend = first.backend("qpu_b")
    job = SamplerV2(mode=backend).run([bell(backend)])
    later = QiskitRuntimeService()                        # a later notebook cell
    assert later.job(job.job_id()).job_id() == job.job_id()
    week_ago = datetime.now() - timedelta(days=7)
    assert [j.job_id() for j in later.jobs(created_after=week_ago)] == [job.job_id()]
    assert later.jobs(created_before=week_ago) == []
    with pytest.raises(RuntimeJobNotFound):
        QiskitRuntimeService(scenario=LAB, think_time=10).job(job.job_id())
    with pytest.raises(RuntimeJobNotFound):
        later.job("lab1")                                 # someone else's job


def test_primitives_made_inside_a_with_block_join_it_and_an_inactive_session_is_pending(
        service):
    backend = service.backend("qpu_b")
    with Session(backend=backend) as session:
        sampler = SamplerV2()
        job = sampler.run([bell(backend)])
        job.result()
        assert job.session_id == session.session_id
        assert session.status() == "In progress, accepting new jobs"
        sim = service.simulation
        sim.run(until=sim.now + 120)                      # past the 60 s interactive timeout
        assert session.details()["state"] == "inactive"
        assert session.status() == "Pending"              # the client's word for it
    with Batch(backend=backend) as batch:
        assert EstimatorV2()._mode is batch
    with pytest.raises(ValueError, match="backend or session"):
        SamplerV2()


def test_job_methods_tags_inputs_usage_estimate_and_logs(service):
    backend = service.backend("qpu_b")
    sampler = SamplerV2(mode=backend, options={"environment": {"job_tags": ["exp-1"]},
                                               "default_shots": 500})
    isa = bell(backend)
    estimate = sampler.estimate_usage([isa])
    job = sampler.run([isa])
    assert job.tags == ["exp-1"] and job.inputs["options"]["default_shots"] == 500
    assert job.usage_estimation["quantum_seconds"] == pytest.approx(estimate["quantum_seconds"])
    job.wait_for_final_state()
    assert job.usage() == pytest.approx(estimate["quantum_seconds"])
    assert job.update_tags(["exp-2"]) == ["exp-2"]
    assert [j.job_id() for j in service.jobs(job_tags=["exp-2"])] == [job.job_id()]
    assert service.jobs(job_tags=["exp-1"]) == []
    assert "started" in job.logs() and job.error_message() is None
    result = job.result()
    assert result[0].data.meas.num_shots == 500
    span = result.metadata["execution"]["execution_spans"][0]
    assert span.start == service._dc.stamp(service.simulation.jobs[job.job_id()].start_time)
    created = service.simulation.jobs[job.job_id()].submit_time
    assert job.creation_date.tzinfo is not None
    assert job.creation_date == service._dc.stamp(created)      # local time, the same instant
    metrics = job.metrics()
    assert metrics["timestamps"]["created"].endswith("Z")
    assert metrics["usage"]["quantum_seconds"] == pytest.approx(job.usage())


def test_a_notebook_timeline_of_the_scripts_own_jobs_and_sessions(service):
    from ui.notebook import timeline

    backend = service.backend("qpu_a")
    with Session(backend=backend) as session:
        job = SamplerV2().run([bell(backend)])
        job.result()
    fig = timeline(service)
    names = {t.name for t in fig.data}
    assert {"you", "lab"} <= names                       # both tenants' jobs on qpu_a
    assert "qpu_b" not in str(fig.layout) and "qpu_a" in fig.layout.title.text
    # The session's band: running while its job ran, then held (reserved idle) until closed.
    assert session.session_id in str([t.y for t in fig.data])
    assert {"running", "reserved idle"} <= names
    mine_only = timeline(service, everyone=False)
    assert "lab" not in {t.name for t in mine_only.data}


def test_estimate_usage_is_what_the_job_is_charged_and_at_least_its_shots():
    service = QiskitRuntimeService(scenario=LAB, think_time=10)
    backend = service.backend("qpu_b")
    sampler = SamplerV2(mode=backend)
    isa = bell(backend)
    est = sampler.estimate_usage([isa], shots=2000)
    assert est["shot_seconds"] < est["quantum_seconds"]
    job = sampler.run([isa], shots=2000)
    job.result()
    assert job.usage() == pytest.approx(est["quantum_seconds"])


def test_a_job_waits_out_a_reservation_maintenance_or_calibration():
    """Hand-worked: lab's reservation holds qpu_a 0-500 s (R21); your job, submitted at 10,
    starts when it ends. Maintenance 5-305 and a calibration 5-205 hold the QPU (R20): the job
    takes its lane at 10 ("In progress") and its QPU stage starts when they end. The script is
    user work to come, so the system work due at 5 starts at 5, not when the job arrives."""
    base = {"name": "bg", "seed": 1, "policy": {"preset": "ibm-2024",
                                                "execution": "interactive"},
            "backends": [{"name": "qpu_a"}], "tenants": [{"name": "you"}, {"name": "lab"}]}
    cases = [
        (dict(base, reservations=[{"id": "r1", "tenant": "lab", "backend": "qpu_a",
                                   "start": 0, "end": 500}]), 500, 500),
        (dict(base, backends=[{"name": "qpu_a",
                               "maintenance": [{"start": 5, "duration": 300}]}]), 10, 305),
        (dict(base, backends=[{"name": "qpu_a", "calibration": {
            "every": 1000, "duration": 200, "first": 5}}]), 10, 205),
    ]
    for scenario, start, qpu_start in cases:
        service = QiskitRuntimeService(scenario=scenario, think_time=10)
        backend = service.backend("qpu_a")
        job = SamplerV2(mode=backend).run([bell(backend)])
        assert job.result()[0].data.meas.num_shots > 0
        j = service.simulation.jobs[job.job_id()]
        assert (j.start_time, j.qpu_start_time) == (start, qpu_start)


def test_estimator_shots_are_exact_and_the_estimate_counts_twirling(service):
    backend = service.backend("qpu_b")
    plain = bell(backend).remove_final_measurements(inplace=False)
    obs = SparsePauliOp("ZZ").apply_layout(plain.layout)
    for shots in (7, 1000, 4099):    # 1/sqrt(shots) squared back is not always the integer
        est = EstimatorV2(mode=backend, options={"default_shots": shots})
        job = est.run([(plain, obs)])
        assert job.result()[0].metadata["shots"] == shots
    twirled = EstimatorV2(mode=backend, options={
        "default_shots": 1000, "twirling": {"enable_gates": True, "num_randomizations": 8,
                                            "shots_per_randomization": 64}})
    estimate = twirled.estimate_usage([(plain, obs)])
    job = twirled.run([(plain, obs)])
    assert job.result()[0].metadata["shots"] == 512
    assert job.usage() == pytest.approx(estimate["quantum_seconds"])


def test_hostile_arguments_are_refused_with_the_clients_error(service):
    backend = service.backend("qpu_b")
    for bad in (5, [1, 2], {"name": "x", "tenants": 5}, {"tenants": [{"share": 1}]}):
        with pytest.raises(IBMInputValueError, match="scenario"):
            QiskitRuntimeService(scenario=bad)
    for bad in (float("nan"), float("inf"), -5, True):
        with pytest.raises(IBMInputValueError, match="think_time"):
            QiskitRuntimeService(scenario=LAB, think_time=bad)
    with pytest.raises(IBMInputValueError, match="tenant"):
        QiskitRuntimeService(scenario=LAB, tenant=5)
    for bad in (float("inf"), 1e30, -1, "soon"):
        with pytest.raises(IBMInputValueError, match="max_time"):
            Session(backend=backend, max_time=bad)
    for bad in (-1, 0):
        with pytest.raises(IBMInputValueError, match="max_execution_time"):
            SamplerV2(mode=backend, options={"max_execution_time": bad}).run([bell(backend)])
    for bad in (float("nan"), float("inf")):   # the client's options refuse these themselves
        with pytest.raises(ValueError, match="max_execution_time"):
            SamplerV2(mode=backend, options={"max_execution_time": bad})
    job = SamplerV2(mode=backend).run([bell(backend)])
    for bad in ("5", -1, True):
        with pytest.raises(IBMInputValueError, match="timeout"):
            job.result(timeout=bad)
    with pytest.raises(IBMInputValueError, match="job_tags"):
        service.jobs(job_tags="abc")
    for kw in ({"skip": -1}, {"limit": -1}):
        with pytest.raises(IBMInputValueError):
            service.jobs(**kw)
    assert len(service.jobs(limit=0)) == 1                      # 0: no limit, as the client
    assert job.result()[0].data.meas.num_shots > 0              # nothing above broke the run


def test_a_queued_jobs_metrics_estimate_its_start_and_completion(service):
    """IBM's estimated_start_time / estimated_completion_time while a job is queued: the P50 over
    replications of the data center's scenario (engine/estimate.py). LAB's load is fixed, so
    every replication agrees: lab1 holds qpu_a 0-100; at 100 you (usage 0) go before lab2
    (usage 100, R3), as the job really does."""
    backend = service.backend("qpu_a")
    job = SamplerV2(mode=backend).run([bell(backend)])
    metrics = job.metrics()
    assert metrics["status"] == "QUEUED"
    mine = service.simulation.jobs[job.job_id()]
    job.wait_for_final_state()
    assert mine.start_time == 100.0
    assert metrics["estimated_start_time"] == service._dc.iso(mine.start_time)
    assert metrics["estimated_completion_time"] == service._dc.iso(mine.end_time)
    assert job.metrics()["estimated_start_time"] is None      # only while it is queued


def test_a_session_jobs_metrics_give_no_estimate(service):
    """A plain job's estimate would miss R5's priority: none, as IBM often gives none."""
    backend = service.backend("qpu_a")
    with Session(backend=backend):
        job = SamplerV2().run([bell(backend)])
        metrics = job.metrics()
        assert metrics["status"] == "QUEUED"
        assert metrics["estimated_start_time"] is None
        assert metrics["estimated_completion_time"] is None
        job.result()
