"""A Table's CSV: the pyarrow path writes the very bytes of the csv module's, value by value,
whatever the values (engine/tables.py). The csv module's bytes are the reference: they are what
pandas' to_csv writes and what every run written before the pyarrow path holds."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import tables
from engine.tables import Table

# Floats where Arrow's notation and repr's part: integral values, tiny and huge magnitudes,
# the [1e-4, 1e14) edges, NaN, infinities, negative zero, subnormals.
EDGES = [0.0, -0.0, 1.0, -5.0, 0.1 + 0.2, 1e-4, 9.999999999999999e-05, 1e-5, 1e-6, 1e-7,
         5e-324, 1e13, 99999999999999.98, 1e14, 1e15, 1e16, 1.2345678901234567e16, 1e22, 1e100,
         1.7976931348623157e308, math.nan, math.inf, -math.inf, 123456.789, 0.836875, 2.5e-5]
SPECIAL = [",", '"', "\n", "\r", "\r\n", " ", "", "\t", "é", "☃", "😀", '""', ',"', "a,b",
           "\x1c", "\x1d", "\x1e", "\x1f", "\x00", "R3 fair share: tenant0 usage 0 s, share 1"]

floats = st.one_of(st.none(), st.sampled_from(EDGES), st.floats(allow_nan=True),
                   st.floats(min_value=-1e6, max_value=1e6))
ints = st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1),
                 st.integers(min_value=-10, max_value=10))
texts = st.one_of(st.none(), st.sampled_from(SPECIAL), st.text(max_size=12),
                  st.text(alphabet=",\"\n\r ab\x1cé", max_size=6))
anything = st.one_of(floats, ints, texts, st.booleans(), st.integers(min_value=2**63,
                                                                      max_value=2**70))
VALUES = {"f": floats, "i": ints, "I": ints, "s": texts, "b": st.one_of(st.none(), st.booleans())}


def _as_array(column: list, kind: str):
    """``column`` as a NumPy array of its kind (a float array's NaN is missing), or the list
    where it cannot be one."""
    import numpy as np

    want = {"f": float, "i": int, "b": bool}[kind]
    if not all(v is None or type(v) is want for v in column):
        return column
    if kind == "f":
        if any(v is not None and math.isnan(v) for v in column):
            return column     # a NaN value is not a missing one: kept as a list
        return np.array([math.nan if v is None else v for v in column], dtype=np.float64)
    if None in column or (kind == "i" and any(not -2**63 <= v < 2**63 for v in column)):
        return column
    return np.array(column, dtype=np.int64 if kind == "i" else bool)


@st.composite
def table(draw):
    kinds = draw(st.text(alphabet="fiIsb", min_size=2, max_size=6))
    rows = draw(st.integers(min_value=0, max_value=12))
    columns = []
    for k in kinds:
        # Now and then a column whose values are not what its kind says.
        values = VALUES[k] if draw(st.integers(0, 5)) else anything
        column = draw(st.lists(values, min_size=rows, max_size=rows))
        if k in "fib" and draw(st.booleans()):   # as the engine gives them: an array
            column = _as_array(column, k)
        columns.append(column)
    names = draw(st.lists(st.sampled_from(["time", "a,b", 'say "x"', "é", "n"]),
                          min_size=len(kinds), max_size=len(kinds)))
    return Table(names, kinds, columns)


def _both(t: Table, tmp_path):
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    for p in (fast, slow):
        if p.exists():
            p.unlink()
    t.write_csv(fast)
    t.write_csv_slowly(slow)
    return fast.read_bytes(), slow.read_bytes()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(t=table())
def test_fast_csv_is_the_csv_modules_bytes(t, tmp_path):
    fast, slow = _both(t, tmp_path)
    assert fast == slow


def test_every_edge_float_and_special_text(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "CHUNK_ROWS", 7)   # several chunks, a short last one
    n = max(len(EDGES), len(SPECIAL))
    t = Table(["x", "s", "i", "b"], "fsIb",
              [(EDGES * 2)[:n], (SPECIAL * 2)[:n], list(range(-n // 2, n - n // 2)),
               [i % 3 == 0 for i in range(n)]])
    fast, slow = _both(t, tmp_path)
    assert fast == slow
    assert b"1e-05" in fast and b"1000000000000000.0" in fast and b'"a,b"' in fast


def test_many_random_floats(tmp_path):
    """Shortest round-trip digits: Arrow's and repr's agree on a million ordinary floats."""
    import random

    rnd = random.Random(7)
    col = [rnd.uniform(0, 1e5) for _ in range(500_000)] + \
          [rnd.expovariate(1.0) * 10 ** rnd.randint(-6, 17) for _ in range(500_000)]
    t = Table(["a", "b"], "ff", [col, [round(v, 6) for v in col]])
    fast, slow = _both(t, tmp_path)
    assert fast == slow


@pytest.mark.parametrize("bad", ["\ud800", 2**64])
def test_what_arrow_refuses_goes_to_the_csv_module(tmp_path, bad):
    """A lone surrogate: the csv module's error, as before; an int past 64 bits: its digits."""
    t = Table(["a", "b"], "si" if isinstance(bad, int) else "ss", [["x"], [bad]])
    if isinstance(bad, str):
        with pytest.raises(UnicodeEncodeError):
            t.write_csv(tmp_path / "x.csv")
    else:
        fast, slow = _both(t, tmp_path)
        assert fast == slow == b"a,b\nx,18446744073709551616\n"


# ---------------------------------------------------------------------------- spilled events

SPILL_CASES = ["seed-story", "lanes-contention", "open-plan", "calibration-day"]


def _files(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", SPILL_CASES + ["generated-3", "generated-17", "generated-41"])
def test_spilled_events_are_the_bytes_of_a_held_run(name, tmp_path):
    """A run whose events went to a file a few rows at a time, mid-run (every 3 events), writes
    the very files of the same run holding its events whole."""
    from engine import load_scenario, validate_scenario
    from engine.run import collect, run_scenario
    from engine.sim import Simulation
    from engine.trace import EventSpill
    from tests.golden import ROOT, generated

    scenario = (validate_scenario(generated(int(name.split("-")[1])))
                if name.startswith("generated") else
                load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    held_run = run_scenario(scenario)
    held_run.write(tmp_path / "held")
    sim = Simulation(scenario)
    spill = EventSpill(sim, tmp_path / "spill.csv", rows=5)
    sim.run(tick=spill, every=3)
    result = collect(sim, 0.0, spill)
    assert spill.table.rows_written > 5 and not sim.events
    result.write(tmp_path / "spilled")
    assert _files(tmp_path / "spilled") == _files(tmp_path / "held")
    # What the dashboard would read of it: the same events.
    held = held_run.events
    back = result.events
    assert list(back.columns) == list(held.columns) and len(back) == len(held)
    assert back["time"].tolist() == held["time"].tolist()
    assert back["detail"].fillna("").tolist() == held["detail"].fillna("").tolist()


def test_the_command_line_writes_what_a_held_run_writes(tmp_path):
    """The command line spills its events beside --out and leaves nothing there after."""
    import subprocess
    import sys

    from engine import load_scenario
    from engine.run import run_scenario
    from tests.golden import ROOT

    path = ROOT / "scenarios" / "lanes-contention.yaml"
    run_scenario(load_scenario(path)).write(tmp_path / "held")
    subprocess.run([sys.executable, "-m", "engine", "simulate", str(path), "--out",
                    str(tmp_path / "cli"), "--quiet"], check=True, cwd=ROOT, timeout=300)
    files = _files(tmp_path / "cli")
    assert files == _files(tmp_path / "held")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli", "held"]


def test_seconds_past_142_years_stay_exact():
    """Ticks past 2**52 leave NumPy's float path for Python's correctly rounded division: for
    one column alone, and for every column of a table's set when one is past it."""
    from engine import trace

    big = [2**60 + 1, None, 3, 2**53 - 1]
    assert trace._Ticks(t=big).secs("t") == [None if t is None else t / 1_000_000 for t in big]
    t = trace._Ticks(a=[0, 1, None, 5], b=big)
    assert t.span("a", "b") == [(2**60 + 1) / 1_000_000, None, None, (2**53 - 6) / 1_000_000]
    assert t.secs("a") == [0.0, 1e-6, None, 5e-6]
    small = trace._Ticks(t=[1, None, 2**52 - 1]).secs("t")
    assert small.tolist()[0] == 1e-6 and math.isnan(small[1]) and small[2] == (2**52 - 1) / 1e6
    t = trace._Ticks(a=[0, 1, None], b=[2**52 - 1, 3, 4])
    assert t.span("a", "b").tolist()[:2] == [(2**52 - 1) / 1e6, 2e-6]
    assert math.isnan(t.span("a", "b")[2])
