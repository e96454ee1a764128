"""engine/model.py alone: how documents are read and values refused (no simulation runs here)."""

from __future__ import annotations

import time

import pytest
import yaml

from engine import document, validation
from engine.document import parse_text
from engine.model import ScenarioError
from engine.validation import validate_scenario

MINIMAL = {"name": "x", "backends": [{"name": "a"}], "tenants": [{"name": "t"}],
           "jobs": [{"id": "j", "tenant": "t", "backend": "a", "submit": 0, "duration": 1}]}


def test_yaml_is_read_by_libyaml_when_it_is_installed():
    # The pure-Python parser took minutes and gigabytes on a 50 MB upload.
    assert yaml.__with_libyaml__
    assert issubclass(document._Loader, yaml.CSafeLoader)


def test_merge_keys_may_be_overridden_but_a_key_written_twice_may_not():
    doc = parse_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "yaml")
    assert doc["use"] == {"x": 1, "y": 3}
    with pytest.raises(ScenarioError) as err:
        parse_text("use:\n  y: 3\n  z: 1\n  y: 4\n", "yaml")
    assert str(err.value) == "use.y: this key is given twice"


def test_a_message_about_a_huge_value_is_short_and_cheap():
    # An alias bomb's value once went through json.dumps whole before being cut to 80 chars.
    layer = ["lol"] * 10
    for _ in range(9):
        layer = [layer] * 10        # 10**10 strings, shared
    t0 = time.perf_counter()
    err = ScenarioError("name", layer, "must be a string")
    assert time.perf_counter() - t0 < 1
    assert len(str(err)) < 120 and str(err).startswith("name = [[[")


@pytest.mark.parametrize("path,value", [
    (("jobs", 0, "submit"), True), (("jobs", 0, "duration"), False),
    (("jobs", 0, "submit"), "10"), (("tenants", 0, "share"), True),
    (("jobs", 0, "shots"), True), (("seed",), True), (("jobs", 0, "submit"), float("nan")),
    (("jobs", 0, "submit"), 1e12), (("jobs", 0, "max_execution_time"), float("inf")),
])
def test_numbers_must_be_finite_numbers_in_range(path, value):
    import copy

    doc = copy.deepcopy(MINIMAL)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    with pytest.raises(ScenarioError) as err:
        validate_scenario(doc)
    assert err.value.key == ".".join(str(p) for p in path).replace(".0.", "[0].")


def test_time_limits_and_the_long_spans_of_fair_share():
    doc = dict(MINIMAL, policy={"fair_share": {"usage": "half_life", "half_life": 1e12}})
    validate_scenario(doc)                           # "for ever" stays expressible
    doc = dict(MINIMAL, policy={"interactive_timeout": 1e9 + 1})
    with pytest.raises(ScenarioError, match="policy.interactive_timeout"):
        validate_scenario(doc)


def test_the_basis_gate_list_is_qiskits_own():
    # Written out in engine/model.py (validation must not build qiskit objects on a dashboard
    # thread); it must equal what the pinned qiskit offers, so an upgrade cannot drift from it.
    from qiskit.circuit.library import get_standard_gate_name_mapping

    mapping = get_standard_gate_name_mapping()
    assert validation.BASIS_GATES == {n for n, g in mapping.items()
                                 if g.num_qubits in (1, 2) or n in ("measure", "delay", "reset")}
