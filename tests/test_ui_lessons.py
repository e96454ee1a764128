"""Every lesson agrees with its own trace: the facts its text relies on hold when its scenario
runs through the engine, and every moment it quotes ("NN s") is a time of that trace."""

from __future__ import annotations

import pytest

from engine import run_scenario, validate_scenario
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
