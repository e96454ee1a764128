"""Runs a page asks for and shows when they are done: replications in the server's run
processes (ui/sweeping.py), a progress panel with Stop while they run, and the answer made from
their results kept in the browser session.

A page calls :func:`start` when its form is submitted, with the scenarios to run and
``finish(results) -> answer``; then :func:`follow` on every rerun, and reads :func:`answer`:
the answer, or a string saying why there is none (a run that failed, named).
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from engine import sweep as sweeps

from . import state, sweeping


def start(key: str, scenarios: list, finish: Callable[[list], object]) -> None:
    """Run ``scenarios`` (two at a time) for the page's ``key``; a run already going for it is
    stopped, and the last answer goes."""
    ss = st.session_state
    if ss.get(key) is not None:
        ss[key][0].stop()
    ss[key] = (sweeping.SweepJob(scenarios, workers=2, alive=state.browser_alive()), finish)
    ss.pop(f"{key}:answer", None)


def answer(key: str):
    return st.session_state.get(f"{key}:answer")


def _take(key: str) -> None:
    job, finish = st.session_state.pop(key)
    if job.stopped:
        return
    try:
        outcomes = job.results()
        failed = next((o for o in outcomes if not sweeps.succeeded(o)), None)
        if failed is not None:
            raise RuntimeError(failed.message)
        st.session_state[f"{key}:answer"] = finish(outcomes)
    except Exception as exc:  # noqa: BLE001 - one message, no traceback
        st.session_state[f"{key}:answer"] = str(exc)


def _stop(key: str) -> None:
    entry = st.session_state.pop(key, None)
    if entry is not None:
        entry[0].stop()


@st.fragment(run_every=0.5)
def _panel(key: str) -> None:
    entry = st.session_state.get(key)
    if entry is None or entry[0].done():
        st.rerun()
    st.progress(entry[0].fraction, text=f"Simulating: {entry[0].progress_text()}")
    st.button("Stop", key=f"{key}:stop", on_click=_stop, args=(key,),
              icon=":material/stop_circle:")


def follow(key: str) -> None:
    """Take the answer when the runs are done (a short wait first, so a quick one shows at
    once), else show their progress and Stop."""
    entry = st.session_state.get(key)
    if entry is None:
        return
    if entry[0].wait(state.inline_wait()):
        _take(key)
    else:
        _panel(key)
