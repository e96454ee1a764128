"""Behaviour held to recorded outputs (tests/golden.py): every built-in scenario and 300
generated ones give, table by table, exactly the rows recorded before a restructure."""

import json

import pytest

from engine import run_scenario

from . import golden

RECORDED = json.loads(golden.RECORD.read_text())
SCENARIOS = golden.scenarios()


def test_every_scenario_is_recorded():
    assert set(RECORDED) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_outputs_equal_the_recorded_ones(name):
    got = golden.digest(run_scenario(SCENARIOS[name]))
    differs = sorted(t for t in RECORDED[name] if got.get(t) != RECORDED[name][t])
    assert not differs, f"{name}: tables {differs} differ from the recording"
