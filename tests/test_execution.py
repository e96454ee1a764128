"""Jobs carry real circuits: results from Aer, timing from compiled circuits, bad input per job."""

import math
from pathlib import Path

import numpy as np
import pytest
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.transpiler import CouplingMap, generate_preset_pass_manager
from qiskit_aer.primitives import EstimatorV2 as AerEstimator
from qiskit_aer.primitives import SamplerV2 as AerSampler

from engine import ScenarioError, Simulation, load_scenario, run_scenario, validate_scenario
from engine import execution
from engine.circuits import ghz, hea

ROOT = Path(__file__).resolve().parent.parent

H2 = [["II", -1.052373], ["IZ", 0.397937], ["ZI", -0.397937], ["ZZ", -0.011280],
      ["XX", 0.180931]]


def doc(jobs, circuits, backends=None, policy=None, **extra):
    return {"name": "exec", "seed": 3, "policy": policy or {"preset": "ibm-2024"},
            "backends": backends or [{"name": "qpu", "num_qubits": 5, "coupling": "line"}],
            "tenants": [{"name": "alice"}], "circuits": circuits, "jobs": jobs, **extra}


def job(id, circuit, submit=0.0, **fields):
    return {"id": id, "tenant": "alice", "backend": "qpu", "submit": submit,
            "circuit": circuit, **fields}


def sim_of(d):
    sim = Simulation(validate_scenario(d))
    sim.run()
    return sim


def test_sampler_results_equal_running_the_same_pubs_directly_on_aer():
    sim = sim_of(doc([job("g", "ghz3", shots=2000)], {"ghz3": {"family": "ghz", "num_qubits": 3}}))
    j = sim.jobs["g"]
    # The same circuit, compiled independently for the same backend, on Aer with the job's seed.
    backend = GenericBackendV2(5, coupling_map=CouplingMap.from_line(5), seed=0)
    qc = ghz(3)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend,
                                       seed_transpiler=0).run(qc)
    direct = AerSampler(seed=j.seed).run([(isa,)], shots=2000).result()
    assert j.result[0].data.meas.get_counts() == direct[0].data.meas.get_counts()
    assert set(j.result[0].data.meas.get_counts()) == {"000", "111"}


def test_estimator_results_equal_running_the_same_pubs_directly_on_aer():
    params = [0.1, -0.4, 0.7, 1.2, 0.3, -0.9]
    sim = sim_of(doc([job("e", "ansatz", primitive="estimator", observables=H2,
                          parameters=params, precision=0.02)],
                     {"ansatz": {"family": "hea", "num_qubits": 2, "reps": 2}}))
    j = sim.jobs["e"]
    direct = AerEstimator(options={"run_options": {"seed_simulator": j.seed}}).run(
        j.work.pubs).result()
    assert float(j.result[0].data.evs) == float(direct[0].data.evs)
    # And the value is the real energy of that state, within the requested precision.
    from qiskit.quantum_info import SparsePauliOp, Statevector
    exact = Statevector(hea(2, 2).assign_parameters(params)).expectation_value(
        SparsePauliOp.from_list([tuple(t) for t in H2])).real
    assert abs(float(j.result[0].data.evs) - exact) < 5 * 0.02


def test_qpu_time_comes_from_the_compiled_circuit():
    sim = sim_of(doc([job("g", "ghz3", shots=1000)], {"ghz3": {"family": "ghz", "num_qubits": 3}}))
    j = sim.jobs["g"]
    t = sim.policy.timing
    isa = j.work.pubs[0].circuit
    per_shot = isa.estimate_duration(sim.qpus["qpu"].backend.target, unit="s") + t.rep_delay
    expected = t.per_job_overhead + 1000 * per_shot + t.compile_time
    # Instants are whole microseconds (engine/kernel.py): the span is the nearest one.
    assert j.end_time - j.start_time == pytest.approx(expected, abs=0.5e-6)


def test_estimator_time_counts_measurement_groups_and_precision():
    # H2 needs two measurement settings (Z-type terms, and XX); precision 0.02 -> 2500 shots.
    sim = sim_of(doc([job("e", "ansatz", primitive="estimator", observables=H2,
                          parameters=[0.0] * 6, precision=0.02)],
                     {"ansatz": {"family": "hea", "num_qubits": 2, "reps": 2}}))
    j = sim.jobs["e"]
    t = sim.policy.timing
    per_shot = sim.qpus["qpu"].circuit_seconds(j.work.pubs[0].circuit) + t.rep_delay
    assert j.duration == pytest.approx(t.per_job_overhead + 2 * 2500 * per_shot)


def test_bad_circuits_fail_their_job_and_the_simulation_goes_on():
    circuits = {"wide": {"family": "ghz", "num_qubits": 7},
                "ansatz": {"family": "hea", "num_qubits": 2},
                "ok": {"family": "ghz", "num_qubits": 2}}
    sim = sim_of(doc([
        job("wide", "wide"),
        job("params", "ansatz", submit=2, parameters=[0.1, 0.2]),
        job("obs", "ansatz", submit=3, primitive="estimator", observables="ZZZ"),
        job("fine", "ok", submit=4)], circuits))
    reasons = {k: (j.status, j.reason) for k, j in sim.jobs.items()}
    assert reasons["wide"][0] == "failed" and "7 qubits" in reasons["wide"][1]
    assert reasons["params"][0] == "failed" and "parameter" in reasons["params"][1]
    assert reasons["obs"][0] == "failed" and "qubits" in reasons["obs"][1]
    assert reasons["fine"] == ("completed", "")
    # Failed at submission: they never ran.
    assert all(sim.jobs[k].start_time is None for k in ("wide", "params", "obs"))


def test_a_circuit_that_cannot_be_read_refuses_the_scenario():
    # A malformed program is a broken scenario, named by its key, before anything runs.
    bad = {"broken": {"qasm_text": "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[5];"}}
    with pytest.raises(ScenarioError, match=r"^circuits\.broken\.qasm_text = .*malformed OpenQASM 2"):
        sim_of(doc([job("b", "broken")], bad))
    # Not OpenQASM at all (someone's token file): refused without quoting it.
    token = {"t": {"qasm_text": "ghp_SECRETTOKEN123"}}
    with pytest.raises(ScenarioError) as err:
        sim_of(doc([job("t", "t")], token))
    assert "SECRET" not in str(err.value) and "not an OpenQASM program" in str(err.value)
    # Another file may not be included.
    inc = {"i": {"qasm_text": 'OPENQASM 2.0;\ninclude "/etc/passwd";\nqreg q[1];'}}
    with pytest.raises(ScenarioError, match="line 2: includes another file"):
        sim_of(doc([job("i", "i")], inc))


def test_an_aer_failure_fails_that_job_and_the_run_goes_on(monkeypatch):
    # Work Aer cannot run fails its job with the reason, at its completion; the rest go on
    # (before, the job stayed RUNNING for ever and a waiting client got SimPy's "No scheduled
    # events left").
    from engine import execution

    real = execution.QPU.execute

    def flaky(self, work, seed):
        if work.meta.get("circuit") == "bad":
            raise RuntimeError("AerError: simulation failed: insufficient memory")
        return real(self, work, seed)

    monkeypatch.setattr(execution.QPU, "execute", flaky)
    circuits = {"bad": {"family": "ghz", "num_qubits": 2}, "ok": {"family": "qft", "num_qubits": 2}}
    sim = sim_of(doc([job("b", "bad"), job("o", "ok", submit=1)], circuits))
    b, o = sim.jobs["b"], sim.jobs["o"]
    assert (b.status, o.status) == ("failed", "completed")
    assert b.reason == "execution failed on Aer: AerError: simulation failed: insufficient memory"
    assert b.end_time is not None and o.start_time == b.end_time   # it ran, then failed
    assert o.summary is not None


def test_openqasm_2_and_3_files(tmp_path):
    (tmp_path / "bell2.qasm").write_text(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n'
        'h q[0];\ncx q[0],q[1];\nmeasure q -> c;\n')
    (tmp_path / "bell3.qasm").write_text(
        'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'
        'h q[0];\ncx q[0], q[1];\nc = measure q;\n')
    d = doc([job("two", "bell2"), job("three", "bell3", submit=1)],
            {"bell2": {"qasm": "bell2.qasm"}, "bell3": {"qasm": "bell3.qasm"}})
    r = run_scenario(validate_scenario(d, base_dir=tmp_path))
    assert list(r.jobs.status) == ["completed", "completed"]
    for row in r.results.itertuples():
        counts = eval(row.counts)  # JSON of a str->int dict
        assert set(counts) == {"00", "11"}


def test_r15_compile_cache_measured_in_simulated_time_and_real_compiles():
    # Three jobs of one circuit in a session, three in job mode. In the session only the first
    # pays compile time; the backend compiles the circuit once in all (the real transpile is
    # reused).
    circuits = {"g": {"family": "ghz", "num_qubits": 3}}
    jobs = [job(f"s{i}", "g", session="s1", shots=100) for i in range(3)]
    jobs += [job(f"j{i}", "g", submit=100, shots=100) for i in range(3)]
    sim = sim_of(doc(jobs, circuits, sessions=[{"id": "s1", "tenant": "alice", "backend": "qpu",
                                                 "close_at": 50}]))
    compiled = {k: j.compiled for k, j in sim.jobs.items()}
    assert compiled == {"s0": "miss", "s1": "hit", "s2": "hit",
                        "j0": "miss", "j1": "miss", "j2": "miss"}
    run = {k: j.end_time - j.start_time for k, j in sim.jobs.items()}
    assert run["s0"] - run["s1"] == pytest.approx(sim.policy.timing.compile_time)
    assert run["j1"] == pytest.approx(run["s0"])
    assert sim.qpus["qpu"].compiles == 1


def test_execution_policy_interactive_runs_only_awaited_jobs():
    circuits = {"g": {"family": "ghz", "num_qubits": 2}}
    base = doc([job("bg", "g")], circuits,
               workloads=[{"kind": "interactive", "tenant": "alice", "backend": "qpu",
                           "circuit": "g", "iterations": 2, "think_time": 1}])
    for policy, executed in (("all", {"bg", "interactive1.1", "interactive1.2"}),
                             ("interactive", {"interactive1.1", "interactive1.2"}),
                             ("none", set())):
        d = {**base, "policy": {"preset": "ibm-2024", "execution": policy}}
        sim = sim_of(d)
        assert {k for k, j in sim.jobs.items() if j.result is not None} == executed, policy


def test_noise_model_from_the_backend_changes_results():
    circuits = {"g": {"family": "ghz", "num_qubits": 3}}
    ideal = sim_of(doc([job("g", "g", shots=4000)], circuits)).jobs["g"]
    noisy = sim_of(doc([job("g", "g", shots=4000)], circuits,
                       backends=[{"name": "qpu", "num_qubits": 5, "noise": True}])).jobs["g"]
    assert set(ideal.result[0].data.meas.get_counts()) == {"000", "111"}
    assert len(noisy.result[0].data.meas.get_counts()) > 2


def test_device_snapshot_backend():
    circuits = {"g": {"family": "ghz", "num_qubits": 3}}
    sim = sim_of(doc([job("g", "g", shots=500)], circuits,
                     backends=[{"name": "qpu", "device": "fake_manila"}]))
    j = sim.jobs["g"]
    assert j.status == "completed"
    assert sim.qpus["qpu"].backend.num_qubits == 5
    counts = j.result[0].data.meas.get_counts()
    assert counts.get("000", 0) + counts.get("111", 0) > 0.7 * 500


def test_identical_work_is_memoised_across_runs():
    d = doc([job("g", "g", shots=300)], {"g": {"family": "ghz", "num_qubits": 2}})
    execution.clear_memo()
    first = sim_of(d).jobs["g"].result
    misses = execution.memo_stats["misses"]
    again = sim_of(d).jobs["g"].result
    assert execution.memo_stats["hits"] >= 1 and execution.memo_stats["misses"] == misses
    assert again is first


def test_vqe_reaches_its_answer_sooner_in_a_session_than_in_job_mode():
    r = run_scenario(load_scenario(ROOT / "scenarios/vqe-session-vs-job.yaml"))
    c = r.clients.set_index("client_id")
    session, jobmode = c.loc["vqe-session"], c.loc["vqe-job"]
    assert session.time_to_solution < jobmode.time_to_solution
    assert session.finished_at < jobmode.finished_at
    # The same optimizer trajectory on the same results: only the schedule differs.
    it = r.iterations
    a = it[it.client_id == "vqe-session"].value.to_numpy()
    b = it[it.client_id == "vqe-job"].value.to_numpy()
    assert np.array_equal(a, b)
    assert abs(session.best_value - (-1.857)) <= 0.05
    assert not math.isnan(session.time_to_solution)


def test_qaoa_client_improves_the_cut():
    d = doc([], {"maxcut": {"family": "qaoa", "graph": [[0, 1], [1, 2], [2, 3], [3, 0]],
                            "reps": 1}},
            workloads=[{"kind": "interactive", "tenant": "alice", "backend": "qpu",
                        "circuit": "maxcut", "shots": 2000, "think_time": 1,
                        "algorithm": {"name": "qaoa", "maxiter": 25, "x0": [0.5, 0.5]}}])
    r = run_scenario(validate_scenario(d))
    values = r.iterations.value.to_numpy()
    assert len(values) >= 10
    assert values.min() < values[0]
    assert values.min() < -1.5   # a 4-cycle: the best cut makes the cost -4
