"""The Results page on runs saved by scripts: every expectation value of every PUB is shown,
whatever the shape of its observables (one, a list, nested lists)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from streamlit.testing.v1 import AppTest

from tests.test_app import ROOT, navigation_mode  # noqa: F401 - the fixture is autouse there
from ui import runs

EV_COLUMNS = ["index", "expectation value", "standard error"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A script's run: one Estimator job in job mode with three PUBs (a list of two
    observables, the same as a 2x1 nested list, one observable) and one in a Session with a
    list; saved with service.save_run. Returns the folder and each job's PrimitiveResult."""
    from engine.runtime import EstimatorV2, QiskitRuntimeService, Session

    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("SESSION_LAB_STORE", str(store))
    try:
        service = QiskitRuntimeService(think_time=1, new=True)
        backend = service.backend("qpu_falcon")
        bell = QuantumCircuit(2)
        bell.h(0)
        bell.cx(0, 1)
        isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell)
        zz = SparsePauliOp("ZZ", 0.5).apply_layout(isa.layout)
        xx = SparsePauliOp("XX", -2.0).apply_layout(isa.layout)
        job = EstimatorV2(mode=backend).run([(isa, [zz, xx]), (isa, [[zz], [xx]]), (isa, zz)])
        with Session(backend=backend) as session:
            in_session = EstimatorV2(mode=session).run([(isa, [xx, zz])])
            in_session.result()
        out = service.save_run("observable-lists", folder=tmp_path_factory.mktemp("runs"))
    finally:
        mp.undo()
    return out, {job.job_id(): job.result(), in_session.job_id(): in_session.result()}


def results_page_of(folder, monkeypatch) -> AppTest:
    """Open the saved run as a user does (Scenario page, saved runs, Open), then Results."""
    monkeypatch.setattr(runs, "saved_runs", lambda *a, **k: [folder])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/scenario.py")
    at.run()
    at.button(key="open_saved").click().run()
    assert not at.exception, at.exception
    assert at.session_state["source"] == f"saved run: {folder.name}"
    at.switch_page("pages/results.py")
    at.run()
    assert not at.exception, at.exception
    return at


def ev_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if list(d.value.columns) == EV_COLUMNS]


def test_saved_run_results_table_holds_json_arrays(saved):
    folder, results = saved
    table = runs.load_run(folder).results
    ids = list(results)
    assert list(zip(table["job_id"], table["pub"])) == [(ids[0], 0), (ids[0], 1), (ids[0], 2),
                                                         (ids[1], 0)]
    assert table["evs"].iloc[0].startswith("[") and table["evs"].iloc[1].startswith("[[")


def test_results_page_shows_every_expectation_value_of_each_pub(saved, monkeypatch):
    folder, results = saved
    first, second = results
    at = results_page_of(folder, monkeypatch)
    assert at.selectbox(key=next(s.key for s in at.selectbox
                                 if s.key.startswith("result_job_"))).value == first
    text = "\n".join(m.value for m in at.markdown)
    tables = ev_tables(at)
    # PUB 0: a list of two observables; PUB 1: the same as a 2x1 nested list.
    want0, want1 = results[first][0].data, results[first][1].data
    assert "PUB 0: 2 expectation values (result shape (2,))" in text
    assert list(tables[0]["index"]) == ["[0]", "[1]"]
    assert list(tables[0]["expectation value"]) == list(want0.evs)
    assert list(tables[0]["standard error"]) == list(want0.stds)
    assert "PUB 1: 2 expectation values (result shape (2, 1))" in text
    assert list(tables[1]["index"]) == ["[0, 0]", "[1, 0]"]
    assert list(tables[1]["expectation value"]) == list(np.ravel(want1.evs))
    assert list(tables[1]["standard error"]) == list(np.ravel(want1.stds))
    # PUB 2: one observable, one value, as before.
    want2 = results[first][2].data
    assert (f"PUB 2: expectation value **{float(want2.evs):.4f}** "
            f"(standard error {float(want2.stds):.4f})") in text
    # The job in the session.
    at.selectbox(key=next(s.key for s in at.selectbox
                          if s.key.startswith("result_job_"))).set_value(second).run()
    assert not at.exception, at.exception
    tables = ev_tables(at)
    assert len(tables) == 1
    assert list(tables[0]["expectation value"]) == list(results[second][0].data.evs)


def test_results_page_reads_a_saved_run_whose_values_are_all_scalars(tmp_path, monkeypatch):
    """Read back from CSV, a column of scalars only comes as numbers, not JSON text."""
    from engine.runtime import EstimatorV2, QiskitRuntimeService

    service = QiskitRuntimeService(think_time=1, scenario={
        "name": "one-qpu", "seed": 3, "backends": [{"name": "qpu"}],
        "tenants": [{"name": "you"}], "policy": {"execution": "interactive"}})
    backend = service.backend("qpu")
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell)
    job = EstimatorV2(mode=backend).run([(isa, SparsePauliOp("ZZ", 0.5).apply_layout(isa.layout))])
    want = job.result()[0].data
    folder = service.save_run("scalars", folder=tmp_path)
    assert runs.load_run(folder).results["evs"].dtype == float
    at = results_page_of(folder, monkeypatch)
    text = "\n".join(m.value for m in at.markdown)
    assert (f"PUB 0: expectation value **{float(want.evs):.4f}** "
            f"(standard error {float(want.stds):.4f})") in text
    assert ev_tables(at) == []
