"""Plotly figures drawn by plotly.js's basic bundle (bar and scatter traces), a second sooner.

``st.plotly_chart`` loads Streamlit's full plotly.js (4.7 MB: maps, 3D, WebGL), whose evaluation
alone costs this machine about a second before the first chart is drawn (``make bench``, "one
chart"). The Timeline's figures use bar and scatter traces only, which plotly.js's basic bundle
draws: ``static/plotly-basic-<version>.min.js``, the npm package plotly.js-basic-dist-min at the
version of the plotly.js that the plotly package writes for (tests/test_plotly_basic.py holds
the two together), served by Streamlit's static file serving (.streamlit/config.toml).

:func:`chart` draws a figure with it through a Streamlit component (components v2), in the page
itself (not an iframe), themed from Streamlit's theme like ``st.plotly_chart``. A figure with
another trace type (WebGL above ``figures.WEBGL_THRESHOLD`` jobs) goes to ``st.plotly_chart``.
Selections come back shaped as ``st.plotly_chart``'s: ``{"box": [{"x": [x0, x1]}]}`` for a box
drawn across the chart, ``{"points": [{"customdata": ..., "text": ...}]}`` for a clicked point.
Unlike ``st.plotly_chart``'s, which stays until the next selection, the component's is an event:
it holds for the one run the selection starts (its ``on_select`` callback and that run), and is
None after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Literal, NamedTuple, Optional

import plotly.io as pio
import streamlit as st

STATIC = Path(__file__).resolve().parent.parent / "static"
VERSION = "4.1.1"
BUNDLE = f"plotly-basic-{VERSION}.min.js"
BASIC_TRACES = frozenset({"bar", "scatter"})

# The bundle is loaded once per page (a plain <script> from /app/static, cached by the
# browser); each run of the component hands plotly.js the figure with Plotly.react, so zoom
# and legend clicks survive a rerun under the figure's uirevision.
_JS = """
function bundleUrl() {
  const own = document.querySelector('script[src*="/static/js/"]');
  const base = own ? own.src.slice(0, own.src.indexOf('/static/js/')) : window.location.origin;
  return base + '/app/static/__BUNDLE__';
}
function plotly() {
  if (window.Plotly && window.Plotly.react) return Promise.resolve(window.Plotly);
  if (!window.__slPlotly) window.__slPlotly = new Promise((ok, bad) => {
    const s = document.createElement('script');
    s.src = bundleUrl();
    s.onload = () => ok(window.Plotly);
    s.onerror = () => { window.__slPlotly = null; bad(new Error('plotly.js did not load')); };
    document.head.appendChild(s);
  });
  return window.__slPlotly;
}
function rgbOf(color) {
  // Any CSS colour as [r, g, b] (plotly.js takes rgba() strings, not color-mix()).
  const el = document.createElement('span');
  el.style.color = color;
  document.body.appendChild(el);
  const got = (getComputedStyle(el).color.match(/[0-9.]+/g) || [49, 51, 63]).slice(0, 3);
  el.remove();
  return got.map(Number);
}
function themed(layout, host) {
  // Streamlit's theme, as st.plotly_chart applies it: its font and text colour, a transparent
  // background, faint grid lines, margins that make room for the tick labels.
  const css = getComputedStyle(host);
  const v = (name, dflt) => (css.getPropertyValue(name) || '').trim() || dflt;
  const text = v('--st-text-color', '#31333F');
  const page = v('--st-background-color', '#FFFFFF');
  const font = v('--st-font', 'sans-serif');
  const [r, g, b] = rgbOf(text);
  const faint = (a) => 'rgba(' + r + ',' + g + ',' + b + ',' + a + ')';
  const out = Object.assign({}, layout);
  out.font = Object.assign({family: font, color: text}, layout.font || {});
  out.paper_bgcolor = layout.paper_bgcolor || 'rgba(0,0,0,0)';
  out.plot_bgcolor = layout.plot_bgcolor || 'rgba(0,0,0,0)';
  // Hover boxes on the page's background with the theme's text (a unified hover box would
  // otherwise be white, under the dark theme's near-white text); a toolbar seen on both.
  out.hoverlabel = Object.assign({bgcolor: page, bordercolor: faint(0.25),
                                  font: {family: font, color: text}}, layout.hoverlabel || {});
  out.modebar = Object.assign({bgcolor: 'rgba(0,0,0,0)', color: faint(0.45),
                               activecolor: faint(0.85)}, layout.modebar || {});
  const axis = {automargin: true, showline: false, gridcolor: faint(0.12),
                zerolinecolor: faint(0.25), linecolor: faint(0.25), tickcolor: faint(0.25),
                title: {font: {color: faint(0.75)}}};
  const keys = Object.keys(layout).filter((k) => /^[xy]axis[0-9]*$/.test(k));
  for (const k of keys.length ? keys : ['xaxis', 'yaxis']) {
    const own = layout[k] || {};
    out[k] = Object.assign({}, axis, own, {title: Object.assign({}, axis.title, own.title || {})});
  }
  if (layout.title) {
    out.title = Object.assign({}, layout.title, {
      font: Object.assign({color: faint(0.75)}, (layout.title || {}).font || {})});
  }
  return out;
}
function plain(v) {
  if (v === null || v === undefined) return null;
  if (ArrayBuffer.isView(v)) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') return null;
  return v;
}
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let div = parentElement.querySelector('div.sl-plotly');
  if (!div) {
    div = document.createElement('div');
    div.className = 'sl-plotly';
    div.style.width = '100%';
    parentElement.appendChild(div);
    // The chart follows its container's width (the sidebar opening or closing), not only the
    // window's, as st.plotly_chart's does.
    div._slResize = new ResizeObserver(() => {
      // Only a chart on screen (not one hidden or leaving as the page changes) is resized.
      if (!div._fullLayout || !window.Plotly || !div.isConnected || !div.offsetParent) return;
      Promise.resolve(window.Plotly.Plots.resize(div)).catch(() => {});
    });
    div._slResize.observe(parentElement);
  }
  div._slTrigger = setTriggerValue;
  div._slSelect = data.select;
  const fig = JSON.parse(data.figure);
  const layout = fig.layout || {};
  if (data.shapes && data.shapes.length) layout.shapes = (layout.shapes || []).concat(data.shapes);
  plotly().then((P) => {
    const config = Object.assign({responsive: true, displaylogo: false}, fig.config || {});
    return P.react(div, fig.data || [], themed(layout, parentElement), config);
  }).then(() => {
    if (div._slBound) return;
    div._slBound = true;
    div.on('plotly_selected', (ev) => {
      // A box on any row of a chart of subplots: its x range is under that row's axis id.
      const ax = ev && ev.range ? Object.keys(ev.range).find((k) => /^x[0-9]*$/.test(k)) : null;
      if (div._slSelect !== 'box' || !ax) return;
      div._slTrigger('selection', {box: [{x: ev.range[ax].slice(0, 2)}]});
      // The page shows what the box chose (the window's shading): the box itself goes, so the
      // next drag draws a new one instead of moving it.
      window.Plotly.relayout(div, {selections: []});
    });
    div.on('plotly_click', (ev) => {
      if (div._slSelect !== 'points' || !ev || !ev.points) return;
      div._slTrigger('selection', {points: ev.points.map((p) => ({
        curve_number: p.curveNumber, point_index: p.pointIndex,
        customdata: plain(p.customdata), text: plain(p.text)}))});
    });
  }).catch((err) => {
    div.textContent = 'The chart could not be drawn: ' + err.message;
  });
  return () => {
    setTimeout(() => {
      if (div.isConnected) return;     // a rerun, not the chart leaving the page
      div._slResize.disconnect();
      if (window.Plotly) window.Plotly.purge(div);
    }, 0);
  };
}
""".replace("__BUNDLE__", BUNDLE)

_component = st.components.v2.component("session_lab_plotly", js=_JS, isolate_styles=False)


class Prepared(NamedTuple):
    """A figure ready to draw: the JSON plotly.js reads, and whether the basic bundle draws
    every trace of it (else ``st.plotly_chart`` does). Made once (the pages cache it), not at
    each rerun."""
    json: str
    basic: bool


def figure_json(fig) -> Prepared:
    """A figure (``go.Figure`` or its dict) as the JSON plotly.js reads, without the plotly
    package's template (the chart takes Streamlit's theme instead, as ``st.plotly_chart``'s
    does). Arrays go as typed base64 (plotly's own encoder)."""
    d = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    d["layout"] = {k: v for k, v in (d.get("layout") or {}).items() if k != "template"}
    basic = all(t.get("type", "scatter") in BASIC_TRACES for t in d.get("data", []))
    return Prepared(pio.to_json(d, validate=False), basic)


def chart(figure: Prepared, *, key: str, select: Literal["box", "points", None] = None,
          shapes: Optional[list[dict]] = None,
          on_select: Optional[Callable[[], None]] = None) -> Optional[dict]:
    """Draw ``figure`` (:func:`figure_json`'s) with the basic bundle, or with
    ``st.plotly_chart`` when the bundle cannot draw it. ``shapes`` are layout shapes added to
    the figure's own (a cached figure with this run's cursor or window). With ``select``,
    returns the selection the user made (or None); ``on_select`` runs, before the page, when
    one is made (``selection(key)`` reads it)."""
    if not figure.basic:
        fig = json.loads(figure.json)
        if shapes:
            fig["layout"]["shapes"] = list(fig["layout"].get("shapes") or []) + shapes
        if select is None:
            st.plotly_chart(fig, width="stretch", key=key)
            return None
        got = st.plotly_chart(fig, width="stretch", key=key, selection_mode=select,
                              on_select=on_select or "rerun")
        return _picked((got or {}).get("selection"))
    data = {"figure": figure.json, "shapes": shapes or [], "select": select}
    if select is None:
        _component(key=key, data=data)
        return None
    got = _component(key=key, data=data, on_selection_change=on_select or (lambda: None))
    return _picked(got.get("selection") if got else None)


def selection(key: str) -> Optional[dict]:
    """The selection just made on the chart ``key`` (inside its ``on_select``), either way it
    was drawn."""
    got = st.session_state.get(key)
    return _picked(got.get("selection") if got else None)


def _picked(sel) -> Optional[dict]:
    if not sel:
        return None
    if sel.get("box") or sel.get("points"):
        return dict(sel)
    return None
