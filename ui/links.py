"""Shareable views: what is on screen, in the URL's query, and back.

The query names the scenario (``scenario=`` a built-in's name, or ``run=`` a run's id in the
shared store), and per page what it shows: the timeline's window (``t0``, ``t1``), its time
cursor (``at``) and filters
(``backends``, ``tenants``: only when narrowed), the lesson and its step (``lesson``, ``step``).
Opening such a link in a new browser restores the view. A value that does not fit (an unknown
scenario or run, a time that is not a number, a backend the run lacks) is left out and said
once, never guessed. A view a link cannot reproduce (an edited scenario, a run only this
browser has) writes no ``scenario``/``run`` and says how to share it.
"""

from __future__ import annotations

import math
from typing import Optional

import streamlit as st

SCENARIO, RUN, T0, T1, AT, BACKENDS, TENANTS, LESSON, STEP = (
    "scenario", "run", "t0", "t1", "at", "backends", "tenants", "lesson", "step")
ORIGIN = "link_origin"       # session_state: the scenario or run the link named, as read
RESTORED = "link_restored"   # session_state: pages whose view was restored from the link


def _params() -> dict:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


def _set(name: str, value: Optional[str]) -> None:
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def wanted_scenario() -> Optional[tuple[str, str]]:
    """("scenario", name) or ("run", id) from the URL, or None."""
    p = _params()
    if p.get(RUN):
        return RUN, p[RUN]
    if p.get(SCENARIO):
        return SCENARIO, p[SCENARIO]
    return None


def write_scenario(source: str) -> None:
    """Name the scenario on screen in the URL, when a link can reproduce it: a built-in (as
    loaded) or a run in the shared store."""
    if source.startswith("built-in: "):
        _set(RUN, None)
        _set(SCENARIO, source.split(": ", 1)[1])
    elif source.startswith("stored run #") and source.endswith("(shared)"):
        _set(SCENARIO, None)
        _set(RUN, source[len("stored run #"):].split(" ", 1)[0])
    else:
        _set(SCENARIO, None)
        _set(RUN, None)


def shareable(source: str) -> bool:
    return source.startswith("built-in: ") or (source.startswith("stored run #")
                                              and source.endswith("(shared)"))


def _number(text: Optional[str]) -> Optional[float]:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def _names(text: Optional[str], known: list[str]) -> Optional[list[str]]:
    if not text:
        return None
    names = [n for n in text.split(",") if n]
    return [n for n in names if n in known] or None


def around(a, b, c, end: float) -> tuple[float, float]:
    """A window around [a, max(b, c)] with a margin of a tenth of its length each side."""
    vals = [float(v) for v in (a, b, c) if v is not None and not _nan(v)]
    lo, hi = min(vals), max(vals)
    pad = max((hi - lo) * 0.1, 1.0)
    return max(0.0, lo - pad), min(end, hi + pad)


def _nan(v) -> bool:
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return True


def restore_timeline(gen: str, backends: list[str], tenants: list[str]) -> None:
    """Once per browser session (the first run the timeline shows: the one a link opened):
    the window and filters from the URL."""
    ss = st.session_state
    done = ss.setdefault(RESTORED, set())
    if "timeline" in done:
        return
    done.add("timeline")
    p = _params()
    t0, t1 = _number(p.get(T0)), _number(p.get(T1))
    if t0 is not None and t1 is not None and t1 > t0:
        ss["timeline_window"] = (t0, t1)
    at = _number(p.get(AT))
    if at is not None:
        ss["timeline_cursor"] = at
    b = _names(p.get(BACKENDS), backends)
    if b:
        ss[f"tl_backends_{gen}"] = b
    t = _names(p.get(TENANTS), tenants)
    if t:
        ss[f"tl_tenants_{gen}"] = t


def filters_narrowed(gen: str, backends: list[str], tenants: list[str]) -> bool:
    ss = st.session_state
    return (list(ss.get(f"tl_backends_{gen}", backends)) != backends
            or list(ss.get(f"tl_tenants_{gen}", tenants)) != tenants)


def write_timeline(gen: str, backends: list[str], tenants: list[str],
                   window: tuple[float, float]) -> None:
    ss = st.session_state
    _set(T0, _exact(window[0]))
    _set(T1, _exact(window[1]))
    b = list(ss.get(f"tl_backends_{gen}", backends))
    t = list(ss.get(f"tl_tenants_{gen}", tenants))
    _set(BACKENDS, ",".join(b) if b != backends else None)
    _set(TENANTS, ",".join(t) if t != tenants else None)


def _exact(t: float) -> str:
    """A time as it reads back exactly (repr round-trips), without a trailing ".0"."""
    text = repr(float(t))
    return text[:-2] if text.endswith(".0") else text


def write_cursor(t: float) -> None:
    _set(AT, _exact(t))


def restore_lesson(keys: list[str]) -> None:
    """Once per browser session: the lesson and its step from the URL."""
    ss = st.session_state
    done = ss.setdefault(RESTORED, set())
    if "lessons" in done:
        return
    done.add("lessons")
    p = _params()
    if p.get(LESSON) in keys:
        ss["lesson_pick"] = p[LESSON]
        step = _number(p.get(STEP))
        if step is not None and step >= 1:
            ss[f"lesson_step_{p[LESSON]}"] = int(step)


def write_lesson(key: str, step: int) -> None:
    _set(LESSON, key)
    _set(STEP, str(step))
