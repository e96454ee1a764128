"""Behaviour held to recorded outputs (tests/golden.py): every built-in scenario and 300
generated ones give, table by table, exactly the rows recorded before a restructure. Their
spans, recorded by the session state machine, equal what older runs' spans are worked out
from (their jobs, sessions and events)."""

import json

import pandas as pd
import pytest

from engine import run_scenario
from engine.trace import spans_from_events

from . import golden

RECORDED = json.loads(golden.RECORD.read_text())
SCENARIOS = golden.scenarios()


def test_every_scenario_is_recorded():
    assert set(RECORDED) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_outputs_equal_the_recorded_ones(name):
    result = run_scenario(golden.as_before(SCENARIOS[name]))
    got = golden.digest(result)
    differs = sorted(t for t in RECORDED[name] if got.get(t) != RECORDED[name][t])
    assert not differs, f"{name}: tables {differs} differ from the recording"
    worked_out = spans_from_events(result.jobs, result.sessions, result.events)
    pd.testing.assert_frame_equal(result.spans, worked_out, check_dtype=False)
