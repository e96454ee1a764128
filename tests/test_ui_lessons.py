"""Every lesson agrees with its own trace: the facts its text relies on hold when its scenario
runs through the engine, and every moment it quotes ("NN s") is a time of that trace."""

from __future__ import annotations

import pytest

from engine import run_scenario, validate_scenario
from tests import test_app
from tests.test_app import ROOT
from ui import lessons

navigation_mode = test_app.navigation_mode   # autouse: pages run through app.py

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


def lesson_at_its_last_step(key: str):
    """The Lessons page with lesson ``key`` answered right and stepped to its end."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/lessons.py")
    at.run()
    at.selectbox(key="lesson_pick").set_value(key).run()
    at.radio(key=f"lesson_choice_{key}").set_value(lessons.BY_KEY[key].answer).run()
    at.button(key=f"lesson_check_{key}").click().run()
    slider = at.slider(key=f"lesson_step_{key}")
    slider.set_value(slider.max).run()
    return at


def test_lesson_chart_shows_the_last_step():
    """session-hold's last step is S ending at 150 s, after b1's end at 140 s: the chart's time
    axis reaches it (150 x 1.05 = 157.5), and the slider's last step is that one."""
    import json

    at = lesson_at_its_last_step("session-hold")
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("At 150 s, session S: session ended.")
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["xaxis"]["range"] == [0, 157.5]


# --------------------------------------------------------------------------- today's service

def test_the_new_lessons_cover_lanes_calibration_and_plans():
    rules = {lesson.key: lesson.rules for lesson in lessons.LESSONS}
    assert (rules["lanes"], rules["calibration"], rules["plans"]) == ("R19", "R20", "R22")


def test_lanes_lesson_reveals_the_engines_times(traces):
    """Two lanes: a1, a2 take both at 0 s, ready at 30 s; the QPU runs a1 30-40 s and a2 40-50 s
    (a2 waited 10 s: QPU contention); b1 (queued at 5 s) gets a lane only at 40 s, is ready at
    45 s and runs on the QPU 50-70 s."""
    j = traces["lanes"].jobs.set_index("job_id")
    got = {k: tuple(j.loc[k, ["start_time", "ready_time", "qpu_start_time", "end_time"]])
           for k in ("a1", "a2", "b1")}
    assert got == {"a1": (0, 30, 30, 40), "a2": (0, 30, 40, 50), "b1": (40, 45, 50, 70)}
    lesson = lessons.BY_KEY["lanes"]
    assert "at 40 s" in lesson.answer and "50-70 s" in lesson.explain
    assert "30 s to 40 s" in lesson.explain and "at 45 s" in lesson.explain
    # Asked when a1 has gone on the QPU at 30 s, before a2 does: nothing of a2's wait shown.
    step = lessons.question_step(lesson, traces["lanes"].events) - 1
    jobs, *_, t = lessons.trace_until(traces["lanes"], step)
    assert t == 30
    a2 = jobs.set_index("job_id").loc["a2"]
    assert a2.ready_time == 30 and a2.qpu_start_time != a2.qpu_start_time   # NaN: not yet
    now = lessons.state_at(traces["lanes"], step)
    assert now["running"] == {"qpu": "a1, a2"} and now["on_qpu"] == {"qpu": "a1"}
    assert now["queued"] == {"qpu": ["b1"]}


def test_calibration_lesson_reveals_the_engines_times(traces):
    """qpu_b: calibration waits for b3 to end, 60-80 s, b4 waits for it; qpu: it waits for the
    dedicated session to end at 90 s and runs 90-110 s, x waits for it and runs 110-120 s."""
    run = traces["calibration"]
    system = [tuple(r) for r in run.system[["backend", "kind", "start", "end"]]
              .itertuples(index=False)]
    assert sorted(system) == [("qpu", "calibration", 90, 110), ("qpu_b", "calibration", 60, 80)]
    j = run.jobs.set_index("job_id")
    assert tuple(j.loc["b4", ["start_time", "qpu_start_time", "end_time"]]) == (60, 80, 100)
    assert tuple(j.loc["x", ["start_time", "qpu_start_time", "end_time"]]) == (90, 110, 120)
    lesson = lessons.BY_KEY["calibration"]
    assert "on qpu_b at 60 s" in lesson.answer and "at 90 s" in lesson.answer
    for text in ("ends at 80 s", "80-100 s", "until 110 s", "110-120 s"):
        assert text in lesson.explain
    # The question comes just before the first calibration starts (qpu_b, 60 s).
    steps = lessons.steps(run.events)
    ask = lessons.question_step(lesson, run.events)
    assert (steps.loc[ask, "event"], steps.loc[ask, "backend"], steps.loc[ask, "time"]) == \
        ("system_started", "qpu_b", 60)
    assert lessons.sentence(steps.loc[ask]).startswith("At 60 s, qpu_b: calibration took the QPU.")
    # Known at 100 s: qpu_b's calibration whole, qpu's from 90 s up to now.
    known = lessons.system_until(run, 100)
    assert sorted(map(tuple, known[["backend", "start", "end"]].itertuples(index=False))) == \
        [("qpu", 90, 100), ("qpu_b", 60, 80)]


def test_plans_lesson_reveals_the_engines_times(traces):
    """olga (Open plan): her session job is rejected; carol's limit (100 s per 300 s window)
    holds c3 from c2's end at 170 s until 360 s, when 20 s of c1 and 80 s of c2 are left in
    the window."""
    j = traces["plans"].jobs.set_index("job_id")
    assert j.loc["o1", "status"] == "rejected"
    assert "Open plan" in j.loc["o1", "reason"]
    assert tuple(j.loc["c2", ["start_time", "end_time"]]) == (90, 170)
    assert tuple(j.loc["c3", ["start_time", "end_time"]]) == (360, 390)
    lesson = lessons.BY_KEY["plans"]
    assert lesson.answer.startswith("at 360 s") and "360-390 s" in lesson.explain
    assert "rejected at 0 s" in lesson.explain and "80-90 s" in lesson.explain


def test_the_lesson_chart_draws_stages_and_system_work():
    """The Lessons page on the calibration lesson, revealed, at its last step: the figure has
    the grey calibration bars on both rows and the waiting lines of b4 and x."""
    import base64
    import json

    import numpy as np

    at = lesson_at_its_last_step("calibration")
    assert not at.exception, at.exception
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)

    def values(v):   # plotly sends numeric arrays as {"dtype", "bdata"} (base64)
        if isinstance(v, dict) and "bdata" in v:
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
        return list(v)

    cal = next(t for t in fig["data"] if t.get("name") == "calibration")
    assert sorted(zip(values(cal["y"]), values(cal["base"]), values(cal["x"]))) == [
        ("qpu", 90, 20), ("qpu_b", 60, 20)]
    wait = next(t for t in fig["data"] if t.get("name") == "bob: waiting for the QPU")
    assert sorted(zip(values(wait["base"]), values(wait["x"]))) == [(60, 20), (90, 20)]
    assert any("on the QPU" in m.value for m in at.markdown)
