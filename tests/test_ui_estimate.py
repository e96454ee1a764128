"""The Wait estimate page: the current scenario's load, the replications in the server's run
processes, and the same answer as engine.estimate; its chart from the replications."""

from __future__ import annotations

from engine.estimate import Probe, Replication, WaitEstimate, estimate
from tests.test_app import app, charts, navigation_mode, values  # noqa: F401
from ui import state
from ui.waits import wait_figure


def _number(at, label):
    return next(n for n in at.number_input if n.label.startswith(label))


def test_the_page_gives_the_engines_estimate_for_the_current_scenario():
    at = app("pages/estimate.py")
    sc = at.session_state[state.SCENARIO]
    _number(at, "Submitted at").set_value(900.0)
    _number(at, "QPU time").set_value(20.0)
    _number(at, "Replications").set_value(3)
    at.button[0].click()   # the form's submit button
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    expected = estimate(sc, Probe(sc.backends[0].name, at=900, duration=20), 3)
    assert at.subheader[0].value == expected.words()[0]
    said = [m.value for m in at.markdown]
    assert f"- {expected.words()[-1]}" in said
    (chart,) = charts(at)
    names = [t.get("name") for t in chart["data"] if t.get("showlegend") is not False]
    assert names == ["first job starts", "last result"]
    table = at.dataframe[0].value.set_index("Measure (s)")
    assert table.loc["First job starts at", "P50"] == expected.start.p50
    assert table.loc["Last result at", "P90"] == expected.completion.p90


def test_the_chart_is_each_replications_share_by_then():
    est = WaitEstimate(Probe("q", at=5), "x", [Replication(1, 30.0, 40.0),
                                                Replication(2, 10.0, None, "failed"),
                                                Replication(3, 20.0, 50.0)])
    fig = wait_figure(est).to_dict()
    start, *_ = [t for t in fig["data"] if t.get("name") == "first job starts"]
    assert values(start["x"]) == [10.0, 20.0, 30.0]
    assert values(start["y"]) == [1 / 3, 2 / 3, 1.0]
    result, *_ = [t for t in fig["data"] if t.get("name") == "last result"]
    # Of 3 replications, 2 gave a result: the curve stops at 2/3.
    assert values(result["x"]) == [40.0, 50.0] and values(result["y"]) == [1 / 3, 2 / 3]
    marks = [t["text"][0] for t in fig["data"] if t.get("text")]
    assert marks == ["P50 20 s", "P90 28 s", "P50 45 s", "P90 49 s"]
    assert fig["layout"]["shapes"][0]["x0"] == 5
