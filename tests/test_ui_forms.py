"""The Scenario page's form: what the user sees in it is what "Apply and run" runs.

Each test drives the page through AppTest as a user would and checks the scenario of the run that
results, with values worked out from the scenario files by hand.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from engine import validate_scenario
from tests.test_app import ROOT, navigation_mode  # noqa: F401 - the fixture is autouse there
from ui import runs


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
