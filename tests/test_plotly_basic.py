"""The Timeline's charts drawn by plotly.js's basic bundle (ui/plotly_basic.py): the bundle is
the plotly.js the plotly package writes for, it is served, it draws every trace the Timeline's
figures hold below the WebGL threshold, and a figure it cannot draw goes to st.plotly_chart."""

import json
import re
import tomllib
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from engine import load_scenario, run_scenario
from ui import figures, overview, plotly_basic

ROOT = Path(__file__).resolve().parent.parent


def _version(js: Path) -> str:
    head = js.read_text(encoding="utf-8", errors="replace")[:400]
    found = re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)", head)
    assert found, f"no plotly.js version in {js.name}'s header"
    return found.group(1)


def test_bundle_is_the_plotly_js_the_plotly_package_writes_for():
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    bundle = plotly_basic.STATIC / plotly_basic.BUNDLE
    assert bundle.is_file()
    assert "basic" in bundle.read_text(encoding="utf-8")[:200]
    assert _version(bundle) == _version(full) == plotly_basic.VERSION
    assert (plotly_basic.STATIC / "plotly-basic.LICENSE").read_text().startswith(
        "MIT License")


def test_static_serving_is_on_for_the_bundle():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    assert plotly_basic.STATIC == ROOT / "static"    # what Streamlit serves at /app/static


def test_figure_json_drops_the_template_and_says_whether_the_bundle_draws_it():
    fig = go.Figure(go.Bar(x=[1.5, 2.5], y=["a", "b"], orientation="h"))
    out = json.loads(plotly_basic.figure_json(fig).json)
    assert "template" not in out["layout"]
    assert out["data"][0]["type"] == "bar"
    assert out["data"][0]["y"] == ["a", "b"]
    assert plotly_basic.figure_json(fig).basic
    assert plotly_basic.figure_json(fig.to_dict()) == plotly_basic.figure_json(fig)
    gl = go.Figure(go.Scattergl(x=[1, 2], y=[1, 2]))
    assert not plotly_basic.figure_json(gl).basic


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")))
def test_timeline_and_overview_of_builtin_runs_need_only_the_basic_bundle(name):
    """Every built-in run's timeline is drawn by the basic bundle, unless it has more jobs than
    the WebGL threshold (then st.plotly_chart draws it); its overview always is."""
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    result = run_scenario(scenario)
    detail = figures.timeline(result.jobs, result.sessions, result.events, result.spans)
    small = len(result.jobs) <= figures.WEBGL_THRESHOLD
    assert ({t.type for t in detail.data} <= plotly_basic.BASIC_TRACES) == small
    assert plotly_basic.figure_json(detail).basic == small
    assert plotly_basic.figure_json(
        overview.figure(result.jobs, result.spans, tenants=[t.name for t in scenario.tenants],
                        backends=[b.name for b in scenario.backends])).basic


def _page(figure_kind: str, select):
    import plotly.graph_objects as go
    import streamlit as st

    from ui import plotly_basic

    trace = go.Scattergl if figure_kind == "gl" else go.Bar
    fig = go.Figure(trace(x=[1, 2], y=[3, 4]))
    got = plotly_basic.chart(plotly_basic.figure_json(fig), key="c", select=select,
                             shapes=[{"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1}])
    st.write(f"selection: {got}")


@pytest.mark.parametrize("select", [None, "points", "box"])
def test_a_basic_figure_is_a_component_and_a_webgl_one_st_plotly_chart(select):
    at = AppTest.from_function(_page, args=("bar", select)).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 0
    (el,) = at.get("bidi_component")
    data = json.loads(el.proto.json)
    assert json.loads(data["figure"])["data"][0]["type"] == "bar"
    assert data["select"] == select and data["shapes"][0]["x0"] == 1
    assert at.markdown[-1].value == "selection: None"

    at = AppTest.from_function(_page, args=("gl", select)).run()
    assert not at.exception, at.exception
    assert len(at.get("bidi_component")) == 0
    (el,) = at.get("plotly_chart")
    spec = json.loads(el.proto.spec)
    assert spec["data"][0]["type"] == "scattergl"
    assert spec["layout"]["shapes"][0]["x0"] == 1       # the shapes reach either chart


def _trigger(at: AppTest, element, value) -> None:
    """Run the app as the browser does when the component reports a selection (its trigger
    value, the one run it holds)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    ws = WidgetStates()
    ws.CopyFrom(at._tree.get_widget_states())
    w = ws.widgets.add()
    w.id = f"$$STREAMLIT_INTERNAL_KEY_{element.proto.id}__events"
    w.json_trigger_value = json.dumps([{"event": "selection", "value": value}])
    at._run(ws)


def _box_page():
    import plotly.graph_objects as go
    import streamlit as st

    from ui import plotly_basic

    ss = st.session_state
    ss.setdefault("seen", [])

    def on_select():
        ss["seen"].append(("callback", plotly_basic.selection("c")))

    fig = go.Figure(go.Bar(x=[1.0, 2.0], y=[3, 4]))
    got = plotly_basic.chart(plotly_basic.figure_json(fig), key="c", select="box",
                             on_select=on_select)
    ss["seen"].append(("run", got))


def test_a_selection_reaches_the_callback_and_that_run_only():
    at = AppTest.from_function(_box_page).run()
    (el,) = at.get("bidi_component")
    box = {"box": [{"x": [1.25, 1.75]}]}
    _trigger(at, el, box)
    assert not at.exception, at.exception
    at._run(at._tree.get_widget_states())       # the next run, with no new selection
    assert at.session_state["seen"] == [("run", None), ("callback", box), ("run", box),
                                        ("run", None)]


def test_typed_arrays_go_as_plotly_writes_them():
    import numpy as np

    fig = go.Figure(go.Bar(x=np.array([1.5, 2.5, 4.0]), y=["a", "b", "c"], orientation="h"))
    x = json.loads(plotly_basic.figure_json(fig).json)["data"][0]["x"]
    assert x["dtype"] == "f8" and len(x["bdata"]) > 0      # base64, as plotly.js decodes it
