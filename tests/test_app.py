"""AppTest tests: every page renders without exceptions, and changing an input changes what is
shown. Bad input is rejected with a message naming the key and value; the last good run stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import runs, state

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    """Run pages through app.py, as the live server does.

    Streamlit treats a folder named ``pages/`` as its legacy multipage mode until the first
    ``st.navigation`` call, and AppTest resets that detection before every run, so
    ``switch_page`` would run a page without app.py (no sidebar, no shared set-up). The server
    leaves that mode for good at the first visit; here it is left at every run.
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> list[dict]:
    """Every Plotly figure of the page: those of st.plotly_chart, then those
    drawn by plotly.js's basic bundle (ui/plotly_basic.py: a component whose data holds the
    figure's JSON and the shapes added to it)."""
    out = []
    for el in at.get("plotly_chart"):
        out.append(json.loads(el.proto.spec))
    for el in at.get("bidi_component"):
        if el.proto.component_name.endswith("session_lab_plotly"):
            data = json.loads(el.proto.json)
            fig = json.loads(data["figure"])
            fig["layout"]["shapes"] = list(fig["layout"].get("shapes") or []) + data["shapes"]
            out.append(fig)
    return out


def values(data) -> list:
    """A figure array as a list (Plotly encodes numeric arrays as typed base64)."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


def trace_names(fig: dict) -> list[str]:
    return [d.get("name") for d in fig["data"]]


def widget(elements, prefix: str):
    """The widget whose key starts with ``prefix`` (keys carry the run's generation)."""
    return next(w for w in elements if w.key and w.key.startswith(prefix))


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_first_screen_tells_the_story_without_a_click():
    at = app()
    assert [t.value for t in at.title] == ["Timeline"]
    fig = charts(at)[0]
    names = trace_names(fig)
    assert {"research", "teaching", "alice"} <= set(names)
    assert {"reserved idle", "inactive", "deactivated", "reactivated"} <= set(names)
    assert "seed-story" in text_of(at)                 # the sidebar's run status
    assert "It waited" in text_of(at)                  # a job's story is already told


def test_timeline_filters_and_story_follow_the_inputs():
    at = app()
    widget(at.multiselect, "tl_tenants").set_value(["research"]).run()
    names = trace_names(charts(at)[0])
    assert "research" in names and "alice" not in names and "teaching" not in names
    widget(at.selectbox, "story_job").set_value("research-load.40").run()
    assert "research-load.40 (research) was submitted" in text_of(at)


def test_scenario_form_change_reruns_with_the_new_interactive_timeout():
    at = app("pages/scenario.py")
    before = at.session_state["run"]
    key = next(n.key for n in at.number_input if n.key.endswith(".interactive_timeout"))
    at.number_input(key=key).set_value(0.0)
    next(b for b in at.button if b.label == "Apply and run").click()
    at.run()
    assert not at.exception
    after = at.session_state["run"]
    assert after is not before
    assert after.scenario.policy.interactive_timeout == 0
    # No reserved idle any more: the session never holds the QPU waiting.
    assert after.session_metrics["reserved_idle"].sum() == 0
    assert before.session_metrics["reserved_idle"].sum() > 0
    at.switch_page("pages/timeline.py")
    at.run()
    assert "reserved idle" not in trace_names(charts(at)[0])


def test_bad_yaml_value_is_named_and_the_last_good_run_stays():
    at = app("pages/scenario.py")
    before = at.session_state["run"]
    doc = runs.builtin("seed-story")
    doc["tenants"][1]["share"] = -3
    area = next(t for t in at.text_area if t.key.startswith("yaml_"))
    area.set_value(runs.to_yaml(doc))
    next(b for b in at.button if b.label == "Apply YAML and run").click()
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("tenants[1].share = -3" in e for e in errors), errors
    assert at.session_state["run"] is before
    # Broken YAML syntax: the line is named.
    area = next(t for t in at.text_area if t.key.startswith("yaml_"))
    area.set_value("name: x\nbackends: [\n")
    next(b for b in at.button if b.label == "Apply YAML and run").click()
    at.run()
    assert any("not valid YAML" in e.value and "line" in e.value for e in at.error)
    assert at.session_state["run"] is before


def test_builtin_picker_loads_and_runs_another_scenario():
    at = app()
    at.selectbox(key="builtin_pick").set_value("max-time").run()
    assert not at.exception
    assert at.session_state["run"].scenario.name == "max-time"
    assert "expired" in trace_names(charts(at)[0])


def test_results_page_shows_values_and_switches_axis():
    at = app("pages/results.py")
    figs = charts(at)
    assert figs[0]["layout"]["xaxis"]["title"]["text"] == "iteration"
    assert len(values(figs[0]["data"][0]["y"])) == 12
    at.radio(key="iter_against").set_value("simulated time").run()
    assert charts(at)[0]["layout"]["xaxis"]["title"]["text"] == "simulated time (s)"
    # An Estimator job's expectation value is shown.
    assert "expectation value" in text_of(at)


def test_results_page_counts_histogram_for_sampler_jobs():
    at = app()
    at.selectbox(key="builtin_pick").set_value("vqe-session-vs-job").run()
    at.switch_page("pages/results.py")
    at.run()
    assert not at.exception
    widget(at.selectbox, "result_job").set_value("load-session.1").run()
    hist = [f for f in charts(at) if f["layout"].get("xaxis", {}).get("title", {})
            .get("text") == "outcome"]
    assert hist and sum(values(hist[0]["data"][0]["y"])) == 1000


def test_events_page_filters_and_exports():
    at = app("pages/events.py")
    assert "**399** of 399 events" in text_of(at)
    widget(at.multiselect, "ev_kinds").set_value(["session_deactivated"]).run()
    assert "**2** of 399 events" in text_of(at)
    widget(at.text_input, "ev_text").set_value("R7").run()
    assert "**0** of 399 events" in text_of(at)


def test_uploaded_text_errors_name_the_problem():
    with pytest.raises(runs.ScenarioError, match="line 3"):
        runs.from_text("name: x\nbackends: [\n", "broken.yaml")
    with pytest.raises(runs.ScenarioError, match=r"backends"):
        runs.from_text('{"name": "x", "tenants": [{"name": "a"}]}', "x.json")


def test_saved_runs_open_with_their_tables(tmp_path):
    from engine.runtime import QiskitRuntimeService

    service = QiskitRuntimeService(think_time=1, new=True)
    out = service.save_run("script", folder=tmp_path)
    assert runs.saved_runs(tmp_path) == [out]
    got = runs.load_run(out)
    assert got.scenario.name == "default-datacenter" and len(got.jobs) > 100
    with pytest.raises(runs.ScenarioError, match="not a saved run"):
        runs.load_run(tmp_path)


def test_a_long_run_reports_progress_and_can_be_stopped():
    from engine import validate_scenario

    doc = runs.builtin("seed-story")
    doc["name"] = "long"
    doc["workloads"][0] = dict(doc["workloads"][0], until=3_000_000)  # ~60k background jobs
    handle = runs.start(validate_scenario(doc))
    import time

    deadline = time.time() + 60
    while handle.done_jobs == 0 and time.time() < deadline:
        time.sleep(0.02)
    assert 0 < handle.fraction < 1 and handle.total_jobs > 50_000
    handle.stop()
    with pytest.raises(runs.Stopped):
        handle.result(timeout=60)
    assert runs.cached(handle.scenario) is None      # a stopped run is not kept


def wait_for_private_runs(at: AppTest, n: int) -> list[int]:
    """The ids of this session's own runs, once it keeps ``n`` (a run's process keeps it just
    after handing it over)."""
    import time

    store = at.session_state[state.PRIVATE].store
    deadline = time.time() + 60
    while len(store.list()) < n and time.time() < deadline:
        time.sleep(0.1)
    return sorted(store.list()["id"])


def test_compare_page_stored_runs_and_a_sweep():
    runs._CACHE.clear()  # runs simulated afresh are the ones the dashboard keeps
    at = app()                                                   # seed-story runs and is kept
    at.selectbox(key="builtin_pick").set_value("max-time").run()  # kept too
    ids = wait_for_private_runs(at, 2)
    assert len(ids) == 2
    assert runs.store().list().empty          # nothing reaches the shared store by itself
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    at.multiselect(key="cmp_pick_This browser's runs").set_value(ids).run()
    assert not at.exception
    assert len(charts(at)) == 3                 # the metrics panels, two timelines
    # A sweep of the current scenario: two values of one field, two seeds each.
    at.text_input(key="sw_values_0_interactive_timeout").set_value("0, 120")
    at.number_input(key="sw_seeds").set_value(2)
    at.number_input(key="sw_workers").set_value(1)
    at.button(key="sw_run").click().run()
    assert not at.exception and not at.error
    swept, assignments, results = at.session_state["sweep"]
    assert swept == ["interactive_timeout"]
    seed = at.session_state["scenario"].seed
    assert [(a["interactive_timeout"], a["seed"]) for a in assignments] == [
        (0, seed), (0, seed + 1), (120, seed), (120, seed + 1)]
    assert any("means of 2 seeds, 95% intervals" in i.value for i in at.info)
    assert runs.store().list().empty            # a sweep is not stored unless kept
    # A bad value is named, and the page goes on.
    at.text_input(key="sw_values_0_interactive_timeout").set_value("0, soon")
    at.button(key="sw_run").click().run()
    assert any("interactive_timeout=soon" in e.value for e in at.error)


@pytest.mark.parametrize("name", runs.builtin_names())
def test_every_builtin_scenario_opens_on_every_page(name):
    at = app()
    at.selectbox(key="builtin_pick").set_value(name).run()
    assert at.session_state["run"].scenario.name == name
    for page in ("pages/timeline.py", "pages/scenario.py", "pages/results.py",
                 "pages/events.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, (name, page, at.exception)


def test_lessons_step_through_and_predict_before_revealing():
    at = app("pages/lessons.py")
    assert [t.value for t in at.title] == ["Lessons"]
    first = at.info[0].value
    at.slider(key="lesson_step_fair-share").set_value(3).run()
    assert at.info[0].value != first
    # Before answering, the slider stops short of the step that answers the question.
    at.slider(key="lesson_step_fair-share").set_value(9).run()
    assert "b1: started" not in at.info[0].value
    assert at.slider(key="lesson_step_fair-share").value == 5
    at.radio(key="lesson_choice_fair-share").set_value("b1 (bob has used less)").run()
    at.button(key="lesson_check_fair-share").click().run()
    assert any(s.value.startswith("Right.") for s in at.success)
    at.slider(key="lesson_step_fair-share").set_value(6).run()
    assert "b1: started" in at.info[0].value and "R3" in at.info[0].value
    # Every lesson opens and shows its question.
    from ui.lessons import LESSONS

    for lesson in LESSONS:
        at.selectbox(key="lesson_pick").set_value(lesson.key).run()
        assert not at.exception, lesson.key
        assert lesson.question in text_of(at)


def test_lesson_state_and_trace_at_a_step():
    from engine import run_scenario, validate_scenario
    from ui import lessons

    lesson = lessons.BY_KEY["session-hold"]
    result = run_scenario(validate_scenario(lesson.scenario))
    ask = lessons.question_step(lesson, result.events)
    before = lessons.state_at(result, ask - 1)
    assert before["time"] == 20 and before["queued"] == {"qpu": ["b1"]}
    after = lessons.state_at(result, ask)
    assert after["sessions"]["S"].startswith("active, holding")
    jobs, sessions, events, spans, t = lessons.trace_until(result, ask)
    assert t == 20 and list(jobs["job_id"]) == ["a1", "b1"]
    assert jobs.set_index("job_id").loc["b1", "status"] == "queued"
    # What is known of the session at 20 s: a1 ran 0-20; nothing of the hold after it yet.
    assert [tuple(r) for r in spans[["kind", "start", "end"]].itertuples(index=False)] == \
        [("running", 0, 20)]
    from ui import figures

    depth = figures.queue_depth(jobs)
    # b1 is queued from 5 s up to now (20 s), where what is known ends.
    assert list(zip(depth["time"], depth["depth"])) == [(0, 0), (5, 1), (20, 0)]


def test_adding_a_workload_from_the_scenario_page_reruns_with_it():
    at = app("pages/scenario.py")
    before = at.session_state["run"]
    kind = next(s for s in at.selectbox if s.key.startswith("add_kind_"))
    kind.set_value("batch")
    next(b for b in at.button if b.key.startswith("add_wl_")).click()
    at.run()
    assert not at.exception
    after = at.session_state["run"]
    assert [w.kind for w in after.scenario.workloads][-1] == "batch"
    assert len(after.jobs) == len(before.jobs) + 10
    assert after.sessions["mode"].tolist().count("batch") == 1


def test_clicking_a_bar_tells_its_story_each_time_it_is_clicked():
    """A click on a bar is an event (ui/plotly_basic.py): a bar clicked, another job picked in
    the list, the same bar clicked again tells the first job's story again."""
    from tests.test_plotly_basic import _trigger

    at = app()
    gantt = next(e for e in at.get("bidi_component") if e.proto.id.endswith("-gantt"))
    first, other = widget(at.selectbox, "story_job").options[1:3]

    def click(job_id):
        _trigger(at, gantt, {"points": [{"customdata": [job_id], "text": None}]})
        assert not at.exception, at.exception
        return widget(at.selectbox, "story_job").value

    assert click(first) == first
    widget(at.selectbox, "story_job").set_value(other).run()
    assert widget(at.selectbox, "story_job").value == other
    assert click(first) == first
