"""The Advisor page: a loop described on the form is simulated in the server's run processes and
answered in words, a chart and a table."""

from __future__ import annotations

from tests.test_app import app, charts, navigation_mode  # noqa: F401 (an autouse fixture)


def _number(at, label):
    return next(n for n in at.number_input if n.label.startswith(label))


def test_the_advisor_answers_over_the_timeout_with_its_reason():
    at = app("pages/advisor.py")
    _number(at, "Iterations").set_value(4)
    _number(at, "Think time").set_value(75.0)
    _number(at, "QPU time").set_value(5.0)
    _number(at, "Seeds").set_value(2)
    at.button[0].click()   # the form's submit button
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    head = at.subheader[0].value
    assert head.startswith("Fastest: run as "), head     # not a session: over the timeout
    said = " ".join(m.value for m in at.markdown)
    assert "exceeds the 60 s interactive timeout" in said
    (chart,) = charts(at)
    assert [t["x"] for t in chart["data"]][0] == ["session", "batch", "plain jobs"]
    table = at.dataframe[0].value
    assert list(table["Mode"]) == ["dedicated", "batch", "job"]
    assert (table["Charged (s)"] > 0).all()


def test_the_open_plan_is_answered_without_a_session():
    at = app("pages/advisor.py")
    _number(at, "Iterations").set_value(3)
    _number(at, "Seeds").set_value(2)
    at.selectbox[1].set_value("open")
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    said = " ".join(m.value for m in at.markdown)
    assert "The Open plan cannot open sessions (R22)" in said
    table = at.dataframe[0].value
    assert table.set_index("Mode").loc["dedicated", "Not possible"] == \
        "the Open plan has no sessions (R22)"
