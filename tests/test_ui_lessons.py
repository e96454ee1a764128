"""Every lesson agrees with its own trace: the facts its text relies on hold when its scenario
runs through the engine, and every moment it quotes ("NN s") is a time of that trace."""

from __future__ import annotations

import pytest

from engine import run_scenario, validate_scenario
from tests.test_app import ROOT, navigation_mode  # noqa: F401 - the fixture is autouse there
from ui import lessons

KEYS = [lesson.key for lesson in lessons.LESSONS]


@pytest.fixture(scope="module")
def traces():
    return {lesson.key: run_scenario(validate_scenario(lesson.scenario))
            for lesson in lessons.LESSONS}


@pytest.mark.parametrize("key", KEYS)
def test_every_fact_a_lesson_relies_on_holds_in_its_trace(key, traces):
    lesson = lessons.BY_KEY[key]
    assert lesson.facts, f"{key}: no facts to check its text against"
    assert lessons.fact_errors(lesson, traces[key]) == []
    # The question is asked at a step of the trace, and its answer is one of its options.
    assert lessons.question_step(lesson, traces[key].events) < len(
        lessons.steps(traces[key].events))
    assert lesson.answer in lesson.options


@pytest.mark.parametrize("key", KEYS)
def test_every_time_a_lesson_quotes_is_a_time_of_its_trace(key, traces):
    lesson = lessons.BY_KEY[key]
    times = lessons.trace_times(traces[key])
    assert [t for t in lessons.quoted_seconds(lesson) if t not in times] == []


def test_the_checks_catch_a_wrong_time():
    """What the two checks would say of the reactivation lesson's old answer (85 s): a2 can
    only start when b1 ends at 90 s (b1 starts at 40 s, when S's 30 s interactive timeout after
    a1's end at 10 s runs out, and runs 50 s)."""
    from dataclasses import replace

    lesson = lessons.BY_KEY["reactivation"]
    wrong = replace(lesson, options=["at once, at 50 s", "when b1 ends, at 85 s"],
                    answer="when b1 ends, at 85 s", explain="R7, R8.",
                    facts=[("a2", "start_time", 85.0)])
    trace = run_scenario(validate_scenario(lesson.scenario))
    assert lessons.quoted_seconds(wrong) == [50.0, 50.0, 85.0, 85.0]
    assert 85.0 not in lessons.trace_times(trace) and 90.0 in lessons.trace_times(trace)
    assert lessons.fact_errors(wrong, trace) == [
        "reactivation: a2.start_time is 90.0 in the trace, not 85.0"]


def test_quoted_seconds_reads_ranges_and_decimals():
    lesson = lessons.Lesson("k", "t", "R0", "intro 999 s is not read", {}, "ran 30-40 s, then?",
                            ["at 7.25 s", "never"], "never", "2 tenants, 3 jobs; after 120 s.")
    assert lessons.quoted_seconds(lesson) == [30.0, 40.0, 7.25, 120.0]


@pytest.mark.parametrize("key", KEYS)
def test_no_lesson_runs_on_to_the_system_max_time(key, traces):
    """A lesson's last step comes at most one interactive timeout after its last job ends: its
    sessions are closed (as leaving a `with Session` block does), cancelled, or expire by their
    own max_time, never by the system's 8-hour limit."""
    run = traces[key]
    last_step = float(lessons.steps(run.events)["time"].iloc[-1])
    last_end = float(run.jobs["end_time"].max())
    timeouts = run.sessions["interactive_timeout"].dropna()
    assert last_step <= last_end + (float(timeouts.max()) if len(timeouts) else 0.0)
    own_max_time = {s["id"] for s in lesson_sessions(key) if s.get("max_time") is not None}
    for s in run.sessions.itertuples(index=False):
        assert s.end_reason in ("closed", "cancelled") or s.session_id in own_max_time, (
            s.session_id, s.end_reason, s.end_time)


def lesson_sessions(key: str) -> list[dict]:
    return lessons.BY_KEY[key].scenario.get("sessions", [])


def test_lesson_chart_shows_the_last_step():
    """session-hold's last step is S ending at 150 s, after b1's end at 140 s: the chart's time
    axis reaches it (150 x 1.05 = 157.5), and the slider's last step is that one."""
    import json

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/lessons.py")
    at.run()
    at.selectbox(key="lesson_pick").set_value("session-hold").run()
    lesson = lessons.BY_KEY["session-hold"]
    at.radio(key="lesson_choice_session-hold").set_value(lesson.answer).run()
    at.button(key="lesson_check_session-hold").click().run()
    slider = at.slider(key="lesson_step_session-hold")
    slider.set_value(slider.max).run()
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("At 150 s, session S: session ended.")
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["xaxis"]["range"] == [0, 157.5]
