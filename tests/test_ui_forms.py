"""The Scenario page's form: what the user sees in it is what "Apply and run" runs.

Each test drives the page through AppTest as a user would and checks the scenario of the run that
results, with values worked out from the scenario files by hand.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from engine import validate_scenario
from tests import test_app
from tests.test_app import ROOT
from ui import runs

navigation_mode = test_app.navigation_mode   # autouse: pages run through app.py


def scenario_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/scenario.py")
    at.run()
    assert not at.exception, at.exception
    return at


def apply_and_run(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Apply and run").click()
    at.run()
    assert not at.exception, at.exception


def workloads_of(sc) -> list[dict]:
    return [w.model_dump(mode="json", exclude_none=True) for w in sc.workloads]


@pytest.mark.parametrize("other", ["max-time", "session-vs-batch-vs-job"])
def test_loading_another_builtin_then_apply_runs_the_new_workloads(other):
    at = scenario_page()
    assert at.session_state["run"].scenario.name == "seed-story"
    at.selectbox(key="builtin_pick").set_value(other).run()
    assert at.session_state["run"].scenario.name == other
    apply_and_run(at)
    got = at.session_state["run"].scenario
    want = validate_scenario(runs.builtin(other))
    assert got.name == other
    # The new scenario's workloads by name, kind and values, as the file gives them.
    assert [(w.name, w.kind) for w in got.workloads] == [(w.name, w.kind)
                                                          for w in want.workloads]
    assert workloads_of(got) == workloads_of(want)
    # And nothing else of the old scenario leaks in: the form gives back the file, whole.
    assert runs.key_of(got) == runs.key_of(want)


def dist_widgets(at: AppTest, workload: int, field: str):
    """A workload distribution's kind selectbox and the number beside it (its first box)."""
    def ours(w):
        return w.key and w.key.startswith(f"wl{workload}") and f".{field}." in w.key

    kind = next(s for s in at.selectbox if ours(s) and s.key.endswith(".dist"))
    number = next(n for n in at.number_input
                  if ours(n) and n.label in ("value (s)", "mean (s)", "low (s)"))
    return kind, number


@pytest.mark.parametrize("builtin, workload, field, new_kind, typed, want", [
    # seed-story research-load: duration exponential, mean 25.
    ("seed-story", 0, "duration", "fixed", 40.0, {"dist": "fixed", "value": 40.0}),
    # The typed number is the new kind's first number (low); high defaults to twice it.
    ("seed-story", 0, "duration", "uniform", 40.0, {"dist": "uniform", "low": 40.0,
                                                    "high": 80.0}),
    # seed-story vqe: think time lognormal, mean 30, sigma 0.8.
    ("seed-story", 2, "think_time", "exponential", 45.0, {"dist": "exponential", "mean": 45.0}),
    # max-time alice-load: duration fixed 12.
    ("max-time", 0, "duration", "exponential", 20.0, {"dist": "exponential", "mean": 20.0}),
    # Into lognormal: the typed mean, the default sigma 0.5.
    ("max-time", 0, "duration", "lognormal", 20.0, {"dist": "lognormal", "mean": 20.0,
                                                    "sigma": 0.5}),
])
def test_number_typed_beside_a_distribution_survives_a_change_of_kind(
        builtin, workload, field, new_kind, typed, want):
    at = scenario_page()
    if builtin != "seed-story":
        at.selectbox(key="builtin_pick").set_value(builtin).run()
    kind, number = dist_widgets(at, workload, field)
    assert kind.value != new_kind
    number.set_value(typed)
    kind.set_value(new_kind)
    apply_and_run(at)
    got = at.session_state["run"].scenario.workloads[workload]
    assert getattr(got, field).model_dump(mode="json") == want
    # The form now shows the applied distribution, the typed number in its first box.
    kind, number = dist_widgets(at, workload, field)
    assert (kind.value, number.value) == (new_kind, typed)


def errors_with_place(at: AppTest) -> list[tuple[str, str]]:
    """Every st.error on the page with where it sits: "page" (outside tabs and expanders),
    "open" (inside an expanded expander or the first tab) or "hidden" (a collapsed expander, or a
    tab the user is not on)."""
    found = []

    def walk(node, place):
        if getattr(node, "type", None) == "expander":
            place = place if node.proto.expanded else "hidden"
        elif getattr(node, "type", None) == "tab":
            place = place if node.label == "Form" else "hidden"
        if getattr(node, "type", None) == "error":
            found.append((node.value, place))
        for child in getattr(node, "children", {}).values():
            walk(child, "open" if place == "page" and getattr(child, "type", None) in
                 ("expander", "tab") else place)

    for child in at.main.children.values():
        walk(child, "page")
    return found


def test_rejected_form_edit_is_named_at_the_top_and_its_workload_opens():
    at = scenario_page()
    before = at.session_state["run"]
    # vqe (workload 2): think time lognormal -> exponential with mean 0, which the engine refuses.
    kind, number = dist_widgets(at, 2, "think_time")
    kind.set_value("exponential")
    number.set_value(0.0)
    apply_and_run(at)
    assert at.session_state["run"] is before                     # the last good run stays
    want = "workloads[2].think_time.mean = 0.0: Input should be greater than 0"
    places = [place for text, place in errors_with_place(at) if want in text]
    # Above the tabs, in the opened workload, beside the Apply button (and in the YAML tab).
    assert places == ["page", "open", "open", "hidden"], errors_with_place(at)
    # The workload holding it is open (and says so), the others stay closed.
    opened = [(e.label, e.proto.expanded) for e in at.expander]
    assert [x for _, x in opened] == [False, False, True], opened
    # The typed values are still in the form, to be fixed.
    kind, number = dist_widgets(at, 2, "think_time")
    assert (kind.value, number.value) == ("exponential", 0.0)


def test_rejected_uniform_with_high_below_low_is_named_and_nothing_applied():
    at = scenario_page()
    kind, number = dist_widgets(at, 0, "duration")
    kind.set_value("uniform")
    number.set_value(30.0)
    apply_and_run(at)                                             # valid: uniform 30..60
    good = at.session_state["run"]
    assert good.scenario.workloads[0].duration.model_dump() == {"dist": "uniform", "low": 30.0,
                                                                "high": 60.0}
    high = next(n for n in at.number_input if n.key.startswith("wl0") and n.label == "high (s)")
    high.set_value(10.0)
    apply_and_run(at)
    assert at.session_state["run"] is good
    want = "high (10.0) must not be below low (30.0)"
    got = [(text, place) for text, place in errors_with_place(at) if want in text]
    assert any(place == "page" and "workloads[0].duration" in text for text, place in got), got
    assert [e.proto.expanded for e in at.expander] == [True, False, False]
    # A valid apply clears the message.
    high = next(n for n in at.number_input if n.key.startswith("wl0") and n.label == "high (s)")
    high.set_value(50.0)
    apply_and_run(at)
    assert at.session_state["run"].scenario.workloads[0].duration.high == 50.0
    assert not errors_with_place(at)


def test_rejected_edit_opens_the_right_workload_when_another_is_removed_with_it():
    at = scenario_page()
    before = at.session_state["run"]
    next(c for c in at.checkbox if c.key.startswith("wl0") and c.key.endswith(".remove")).check()
    kind, number = dist_widgets(at, 2, "think_time")
    kind.set_value("exponential")
    number.set_value(0.0)
    apply_and_run(at)
    assert at.session_state["run"] is before
    # Without research-load, vqe is workloads[1] of the document the engine refused.
    top = [t for t, place in errors_with_place(at) if place == "page"]
    assert len(top) == 1
    assert "workloads[1].think_time.mean = 0.0: Input should be greater than 0" in top[0]
    assert "It is in workload **vqe**, opened below." in top[0]
    assert [e.proto.expanded for e in at.expander] == [False, False, True]


def test_the_dashboard_reads_no_file_outside_the_scenarios_folder(tmp_path):
    # A scenario typed into the YAML editor naming a file elsewhere: refused, key named, the
    # file never read (its content appears nowhere), the last good run kept.
    secret = tmp_path / "token.qasm"
    secret.write_text("ghp_DASHBOARD_SECRET")
    at = scenario_page()
    before = at.session_state["run"]
    for path in (str(secret), "../README.md", "/dev/zero"):
        doc = runs.builtin("seed-story")
        doc["circuits"] = dict(doc.get("circuits", {}), c={"qasm": path})
        area = next(t for t in at.text_area if t.key.startswith("yaml_"))
        area.set_value(runs.to_yaml(doc))
        next(b for b in at.button if b.label == "Apply YAML and run").click()
        at.run()
        assert not at.exception
        shown = " ".join(e.value for e in at.error)
        assert "circuits.c.qasm" in shown and "outside the scenario's folder" in shown, shown
        assert "DASHBOARD_SECRET" not in shown
        assert at.session_state["run"] is before
    # A file inside the built-in scenarios' folder is fine: the sample trace replays.
    doc = runs.builtin("swf-replay")
    assert runs.validate(doc).workloads[0].trace == "traces/sample.swf"


def test_an_upload_larger_than_16_mib_is_refused_before_it_is_parsed():
    import time

    text = "name: big\n" + "# padding\n" * (17 * 1024 * 1024 // 10)
    t0 = time.perf_counter()
    with pytest.raises(runs.ScenarioError, match=r"^\(file\): the document is larger than 16 MiB"):
        runs.from_text(text, "big.yaml")
    assert time.perf_counter() - t0 < 5   # refused by its size, never parsed


def test_an_operator_scenario_keeps_its_own_folder_through_an_edit(tmp_path, monkeypatch):
    # `make run SCENARIO=my.yaml` with a circuit file beside it: an edit on the form still reads
    # that file (the scenario's own folder), and still nothing outside it.
    (tmp_path / "bell.qasm").write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\n'
                                        'creg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n')
    doc = {"name": "mine", "policy": {"execution": "none"}, "backends": [{"name": "a"}],
           "tenants": [{"name": "t"}], "circuits": {"bell": {"qasm": "bell.qasm"}},
           "jobs": [{"id": "j", "tenant": "t", "backend": "a", "submit": 0, "circuit": "bell"}]}
    (tmp_path / "mine.yaml").write_text(runs.to_yaml(doc))
    monkeypatch.setenv("SESSION_LAB_SCENARIO", str(tmp_path / "mine.yaml"))
    at = scenario_page()
    assert at.session_state["run"].scenario.name == "mine"
    key = next(n.key for n in at.number_input if n.key.endswith(".interactive_timeout"))
    at.number_input(key=key).set_value(7.0)
    apply_and_run(at)
    assert not at.error, [e.value for e in at.error]
    run = at.session_state["run"]
    assert run.scenario.policy.interactive_timeout == 7
    assert run.scenario.base_dir == str(tmp_path.resolve())
    assert list(run.jobs.status) == ["completed"]


def test_the_preset_selector_offers_ibm_2026_and_applies_it():
    at = scenario_page()
    preset = next(s for s in at.selectbox if s.key and s.key.endswith(".preset"))
    assert list(preset.options) == ["ibm-2022", "ibm-2024", "ibm-2026"]
    assert "ibm-2026" in preset.help
    preset.set_value("ibm-2026")
    apply_and_run(at)
    run = at.session_state["run"]
    assert run.scenario.policy.preset == "ibm-2026"
    assert runs.backend_lanes(run.scenario) == {b.name: 5 for b in run.scenario.backends}


@pytest.mark.parametrize("builtin", ["lanes-contention", "calibration-day", "open-plan",
                                     "session-vs-batch-vs-job-2026"])
def test_todays_service_survives_an_apply_of_the_form(builtin):
    """What R19-R22 add to a scenario (backends' lanes, calibration and maintenance; workloads'
    and jobs' classical stages; tenants' plans and usage limits; reservations) comes back whole
    from the form: Apply without a change runs the file's scenario."""
    at = scenario_page()
    at.selectbox(key="builtin_pick").set_value(builtin).run()
    apply_and_run(at)
    got = at.session_state["run"].scenario
    want = validate_scenario(runs.builtin(builtin))
    assert [(b.name, b.lanes) for b in got.backends] == [(b.name, b.lanes) for b in want.backends]
    assert [(t.name, t.plan) for t in got.tenants] == [(t.name, t.plan) for t in want.tenants]
    assert workloads_of(got) == workloads_of(want)
    assert runs.key_of(got) == runs.key_of(want)


def test_lanes_contention_keeps_its_lanes_and_classical_stages():
    # lanes-contention: qpu_1lane (lanes 1) and qpu_5lanes (lanes 5); chem-1lane's classical
    # stage uniform 20-90 s, shown in the form beside its duration.
    at = scenario_page()
    at.selectbox(key="builtin_pick").set_value("lanes-contention").run()
    kind = next(s for s in at.selectbox if s.key.startswith("wl0") and
                s.key.endswith(".classical_time.dist"))
    assert kind.value == "uniform"
    low = next(n for n in at.number_input if n.key.startswith("wl0")
               and ".classical_time." in n.key and n.label == "low (s)")
    low.set_value(30.0)
    apply_and_run(at)
    got = at.session_state["run"].scenario
    assert [(b.name, b.lanes) for b in got.backends] == [("qpu_1lane", 1), ("qpu_5lanes", 5)]
    assert got.workloads[0].classical_time.model_dump() == {"dist": "uniform", "low": 30.0,
                                                           "high": 90.0}


def _yaml_apply(at: AppTest, doc: dict) -> None:
    area = next(t for t in at.text_area if t.key.startswith("yaml_"))
    area.set_value(runs.to_yaml(doc))
    next(b for b in at.button if b.label == "Apply YAML and run").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_policy_keys_the_form_does_not_show_survive_an_apply():
    """Lanes, R12/R14/R22 limits and a scheduler's settings are not on the form: Apply without a
    change keeps them (they were dropped once, silently)."""
    at = scenario_page()
    doc = runs.builtin("seed-story")
    doc["policy"] = {"preset": "ibm-2026", "lanes": 3, "job_max_usage": 500,
                     "batch_interactive_timeout": None, "open_batch_max_time": 300,
                     "scheduler": {"name": "slurm", "weight_age": 1.5, "max_age": 600}}
    _yaml_apply(at, doc)
    want = at.session_state["run"].scenario
    apply_and_run(at)
    got = at.session_state["run"].scenario
    assert got.policy == want.policy
    assert got.policy.lanes == 3 and got.policy.scheduler.weight_age == 1.5
    assert runs.key_of(got) == runs.key_of(want)


def test_the_scheduler_is_chosen_on_the_form_and_tenants_get_priorities():
    at = scenario_page()
    box = next(s for s in at.selectbox if s.key and s.key.endswith(".scheduler"))
    assert box.value == "fair_share"
    assert list(box.options)[:3] == ["IBM fair share (R3)", "fair share by organisation",
                                     "first come, first served"]
    box.set_value("priority")
    apply_and_run(at)
    run = at.session_state["run"]
    assert run.scenario.policy.scheduler == "priority"
    started = run.events[run.events.event == "job_started"].detail
    assert started.str.startswith("R3 strict priority: ").any()
    assert not started.str.startswith("R3 fair share").any()
