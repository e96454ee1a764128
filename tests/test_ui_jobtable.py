"""The Jobs page: ui/jobtable.py's pure functions on hand-made tables with exact rows, the same on
a real run (seed-story), and the page itself through AppTest (the table, the session view, the
links to the timeline)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from tests.test_app import ROOT, charts, navigation_mode, trace_names, widget  # noqa: F401
from ui import jobtable, runs
from ui.jobtable import NO_SESSION, JobFilter

NAN = np.nan


def hand_jobs() -> pd.DataFrame:
    """Six jobs, two backends, a session S and a batch B; every way a job can end, and one still
    queued when the trace stops."""
    rows = [
        # job_id, tenant, backend, session, submit, start, end, finished_at, status, mode,
        # wait, usage, reason
        ("a.1", "research", "qpu_1", None, 0.0, 0.0, 10.0, 10.0, "completed", "job", 0.0,
         10.0, ""),
        ("a.2", "research", "qpu_2", None, 5.0, 10.0, 20.0, 20.0, "completed", "job", 5.0,
         10.0, ""),
        ("s.1", "alice", "qpu_1", "S", 12.0, 20.0, 25.0, 25.0, "completed", "dedicated", 8.0,
         5.0, ""),
        ("s.2", "alice", "qpu_1", "S", 30.0, NAN, NAN, 40.0, "failed", "dedicated", NAN, 0.0,
         "session expired"),
        ("b.1", "teaching", "qpu_2", "B", 50.0, NAN, NAN, 50.0, "rejected", "batch", NAN, 0.0,
         "session B has ended (R13)"),
        ("q.1", "teaching", "qpu_1", None, 60.0, NAN, NAN, NAN, "queued", "job", NAN, NAN, ""),
    ]
    cols = ["job_id", "tenant", "backend", "session_id", "submit_time", "start_time",
            "end_time", "finished_at", "status", "mode", "wait", "usage", "reason"]
    jobs = pd.DataFrame(rows, columns=cols)
    jobs["session_id"] = jobs["session_id"].astype("str")  # None stays missing
    jobs["seq"] = range(len(jobs))
    return jobs


def hand_sessions():
    sessions = pd.DataFrame({
        "session_id": ["S", "B", "C"], "tenant": ["alice", "teaching", "alice"],
        "backend": ["qpu_1", "qpu_2", "qpu_1"], "mode": ["dedicated", "batch", "dedicated"],
        "opened_at": [10.0, 50.0, NAN], "start_time": [20.0, NAN, NAN],
        "end_time": [45.0, 50.0, NAN], "closed_at": [NAN, 50.0, NAN],
        "end_reason": ["expired", "closed", ""], "end_detail": ["R9: its maximum time", "", ""],
        "max_time": [25.0, 28800.0, 28800.0], "usage": [25.0, 0.0, 0.0],
        "interactive_timeout": [5.0, NAN, 60.0], "jobs": [2, 1, 0],
        "active_time": [25.0, 0.0, 0.0], "reserved_idle": [5.0, 0.0, 0.0]})
    metrics = pd.DataFrame({
        "session_id": ["S", "B", "C"], "jobs": [2, 1, 0], "completed": [1, 0, 0],
        "qpu_time": [5.0, 0.0, 0.0], "reserved_idle": [5.0, 0.0, 0.0],
        "lifetime": [35.0, 0.0, NAN]})
    spans = pd.DataFrame({
        "session_id": ["S", "S", "S", "S", "B"],
        "kind": ["running", "reserved idle", "inactive", "running", "batch active"],
        "start": [20.0, 25.0, 30.0, 38.0, 50.0], "end": [25.0, 30.0, 38.0, 50.0, 50.0]})
    # The session's last span runs past its end (a job on the QPU when it expired), as the
    # engine records it.
    return sessions, metrics, spans


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["job_id"])


# --------------------------------------------------------------------------- filters

@pytest.mark.parametrize("table", ["raw", "display"])
@pytest.mark.parametrize("f, expected", [
    (JobFilter(), ["a.1", "a.2", "s.1", "s.2", "b.1", "q.1"]),
    (JobFilter(statuses=("completed",)), ["a.1", "a.2", "s.1"]),
    (JobFilter(statuses=("failed", "rejected")), ["s.2", "b.1"]),
    (JobFilter(tenants=("alice",)), ["s.1", "s.2"]),
    (JobFilter(backends=("qpu_2",)), ["a.2", "b.1"]),
    (JobFilter(sessions=("S",)), ["s.1", "s.2"]),
    (JobFilter(sessions=(NO_SESSION,)), ["a.1", "a.2", "q.1"]),
    (JobFilter(sessions=(NO_SESSION, "B")), ["a.1", "a.2", "b.1", "q.1"]),
    (JobFilter(text="S."), ["s.1", "s.2"]),                    # case-insensitive, not a regex
    (JobFilter(text=" 1 "), ["a.1", "s.1", "b.1", "q.1"]),    # spaces around are ignored
    (JobFilter(text="zzz"), []),
    (JobFilter(statuses=("completed",), backends=("qpu_1",)), ["a.1", "s.1"]),
    (JobFilter(tenants=("teaching",), sessions=(NO_SESSION,), text="q"), ["q.1"]),
])
def test_filters_keep_exactly_the_matching_jobs_in_run_order(table, f, expected):
    jobs = hand_jobs()
    frame = jobs if table == "raw" else jobtable.display_frame(jobs)
    assert ids(jobtable.filter_jobs(frame, f)) == expected


@pytest.mark.parametrize("window, expected", [
    ((25.0, 29.0), ["s.1"]),             # s.1 ends exactly at t0: it overlaps
    ((30.0, 30.0), ["s.2"]),             # s.2 is submitted exactly at t1 (and ends at 40)
    ((50.0, 50.0), ["b.1"]),             # rejected at once: a life of one instant
    ((40.0, 49.9), ["s.2"]),             # s.2 left unstarted at 40 (finished_at), not later
    ((20.5, 24.0), ["s.1"]),             # a.2 ended at 20, s.2 came at 30
    ((100.0, 200.0), ["q.1"]),           # still queued when the trace stops: never ends
    ((0.0, 5.0), ["a.1", "a.2"]),        # a.2 submitted exactly at t1
    ((10.0, 10.0), ["a.1", "a.2"]),      # a.1 ends at 10; a.2 queued from 5
])
def test_window_keeps_jobs_whose_life_overlaps_it_edges_included(window, expected):
    f = JobFilter(window=window)
    assert ids(jobtable.filter_jobs(hand_jobs(), f)) == expected
    assert ids(jobtable.filter_jobs(jobtable.display_frame(hand_jobs()), f)) == expected


def test_job_end_falls_back_to_finished_at_then_never():
    ends = jobtable.job_end(hand_jobs())
    assert ends.tolist() == [10.0, 20.0, 25.0, 40.0, 50.0, math.inf]


# --------------------------------------------------------------------------- the table

def test_display_frame_has_readable_columns_and_a_dash_for_job_mode():
    d = jobtable.display_frame(hand_jobs())
    assert list(d.columns) == ["job_id", "status", "tenant", "backend", "session_id", "mode",
                               "submit_time", "start_time", "end_time", "wait", "usage",
                               "reason"]
    assert d["session_id"].tolist() == [NO_SESSION, NO_SESSION, "S", "S", "B", NO_SESSION]
    # A job that never started ended when it left (failed, rejected); a queued one has not.
    assert d["end_time"].tolist()[:5] == [10.0, 20.0, 25.0, 40.0, 50.0]
    assert math.isnan(d["end_time"].iloc[5]) and math.isnan(d["start_time"].iloc[3])
    assert d["reason"].tolist() == ["", "", "", "session expired",
                                    "session B has ended (R13)", ""]
    assert set(d.columns) <= set(jobtable.COLUMNS)
    # Every column has a label; times and durations say their unit.
    for col in ("submit_time", "start_time", "end_time", "wait", "usage"):
        assert jobtable.COLUMNS[col].label.endswith("(s)")


def test_display_frame_adds_the_classical_stage_qpu_wait_and_lane_when_the_run_has_them():
    jobs = pd.DataFrame({
        "job_id": ["x", "y", "z"], "tenant": "t", "backend": ["b5", "b5", "b1"],
        "session_id": [None, None, None], "mode": "job", "status": "completed",
        "submit_time": [0.0, 0.0, 0.0], "start_time": [0.0, 1.0, 0.0],
        "end_time": [10.0, 12.0, 3.0], "wait": [0.0, 1.0, 0.0], "usage": [2.0, 2.0, 3.0],
        "qpu_start_time": [8.0, 10.0, 0.0], "qpu_end_time": [10.0, 12.0, 3.0],
        "ready_time": [8.0, 9.0, 0.0], "classical_time": [8.0, 8.0, 0.0],
        "qpu_wait": [0.0, 1.0, 0.0], "seq": [0, 1, 2]})
    d = jobtable.display_frame(jobs, {"b5": 5, "b1": 1})
    assert list(d.columns)[-3:] == ["classical_time", "qpu_wait", "lane"]
    assert d["lane"].tolist() == [1, 2, 1]   # y starts while x holds lane 1
    # One lane everywhere: no lane column; no classical stage: no such column.
    plain = jobs.assign(classical_time=0.0, qpu_wait=0.0)
    assert "lane" not in jobtable.display_frame(jobs, {"b5": 1, "b1": 1})
    assert list(jobtable.display_frame(plain, {"b1": 1}).columns)[-1] == "usage"


def test_display_frame_of_a_run_recorded_before_usage_takes_its_qpu_time():
    jobs = hand_jobs().drop(columns=["usage", "reason"]).assign(qpu_time=[1.0, 2, 3, 0, 0, 0])
    assert jobtable.display_frame(jobs)["usage"].tolist() == [1.0, 2, 3, 0, 0, 0]


def test_sort_puts_empty_values_last_and_keeps_ties_in_run_order():
    jobs = hand_jobs()
    assert ids(jobtable.sort_and_cap(jobs, "wait", descending=True, cap=2)) == ["s.1", "a.2"]
    assert ids(jobtable.sort_and_cap(jobs, "wait", cap=4)) == ["a.1", "a.2", "s.1", "s.2"]
    assert ids(jobtable.sort_and_cap(jobs, "usage")) == ["s.2", "b.1", "s.1", "a.1", "a.2",
                                                         "q.1"]
    assert ids(jobtable.sort_and_cap(jobs, "usage", descending=True)) == [
        "a.1", "a.2", "s.1", "s.2", "b.1", "q.1"]


def test_the_row_cap_keeps_the_first_rows_of_the_chosen_order():
    n = 25_000
    rng = np.random.default_rng(3)
    jobs = pd.DataFrame({"job_id": [f"j.{i}" for i in range(n)],
                         "wait": rng.permutation(n).astype(float)})
    shown = jobtable.sort_and_cap(jobs, "wait", descending=True)
    assert len(shown) == jobtable.ROW_CAP == 10_000
    assert shown["wait"].tolist() == [float(v) for v in range(n - 1, n - 10_001, -1)]
    assert len(jobtable.sort_and_cap(jobs.head(50), "wait")) == 50


def test_row_count_caption_says_how_many_and_which_rows_are_shown():
    assert jobtable.shown_caption(1234, 1234, 200_000, "submit_time", False) == \
        "Showing **1,234** of 200,000 jobs"
    assert jobtable.shown_caption(10_000, 150_000, 200_000, "wait", True) == (
        "Showing **10,000** of 200,000 jobs: 150,000 match the filters; the table holds the "
        "first 10,000 by Wait (s), descending (the download has all 150,000)")


def test_download_name_names_the_scenario():
    assert jobtable.csv_name("seed-story") == "seed-story_jobs_filtered.csv"
    assert jobtable.csv_name("my run/2") == "my-run-2_jobs_filtered.csv"


# --------------------------------------------------------------------------- sessions

def test_default_session_is_the_one_with_the_most_reserved_idle_first_of_equals():
    sessions, metrics, _ = hand_sessions()
    assert jobtable.default_session(sessions, metrics) == "S"
    metrics = metrics.assign(reserved_idle=[3.0, 7.0, 7.0])
    assert jobtable.default_session(sessions, metrics) == "B"
    # No reserved idle anywhere: the one charged the most usage (B: 3 s), not an empty one.
    none = metrics.assign(reserved_idle=0.0)
    assert jobtable.default_session(sessions.assign(usage=[0.0, 3.0, 3.0]), none) == "B"
    # Without metrics the sessions table's own reserved idle decides.
    assert jobtable.default_session(sessions.assign(reserved_idle=[0.0, 1.0, 2.0])) == "C"
    assert jobtable.default_session(sessions.iloc[:0], metrics.iloc[:0]) is None


def test_session_facts_gather_sessions_metrics_and_spans():
    sessions, metrics, spans = hand_sessions()
    assert jobtable.session_facts(sessions, metrics, spans, "S") == {
        "session_id": "S", "tenant": "alice", "backend": "qpu_1", "mode": "dedicated",
        "opened": 10.0, "started": 20.0, "ended": 45.0, "end_reason": "expired",
        "end_detail": "R9: its maximum time", "jobs": 2, "usage": 25.0,
        "reserved_idle": 5.0, "active_time": 25.0, "interactive_timeout": 5.0,
        "max_time": 25.0, "completed": 1, "qpu_time": 5.0, "lifetime": 35.0,
        "inactive": 8.0}
    c = jobtable.session_facts(sessions, metrics, spans, "C")
    assert (c["opened"], c["started"], c["ended"], c["end_reason"], c["inactive"],
            c["lifetime"]) == (None, None, None, None, 0.0, None)
    with pytest.raises(KeyError):
        jobtable.session_facts(sessions, metrics, spans, "nope")


def test_session_spans_and_totals():
    _, _, spans = hand_sessions()
    got = jobtable.session_spans(spans, "S")
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("running", 20.0, 25.0, 5.0), ("reserved idle", 25.0, 30.0, 5.0),
        ("inactive", 30.0, 38.0, 8.0), ("running", 38.0, 50.0, 12.0)]
    assert jobtable.span_totals(spans, "S") == {"running": 17.0, "reserved idle": 5.0,
                                                "inactive": 8.0}


def test_windows_for_the_timeline_link():
    sessions, _, spans = hand_sessions()
    jobs = hand_jobs()
    # Opened at 10; its last span runs to 50, past its end at 45.
    assert jobtable.session_window(sessions, spans, jobs, "S") == (10.0, 50.0)
    assert jobtable.session_window(sessions, spans, jobs, "B") == (50.0, 50.0)
    assert jobtable.session_window(sessions, spans, jobs, "C") == (0.0, 0.0)   # nothing known
    assert jobtable.job_window(jobs, "s.1") == (12.0, 25.0)
    assert jobtable.job_window(jobs, "s.2") == (30.0, 40.0)
    assert jobtable.job_window(jobs, "q.1") == (60.0, 60.0)
    with pytest.raises(KeyError):
        jobtable.job_window(jobs, "nope")
    assert jobtable.with_margin(10.0, 50.0) == (6.0, 54.0)      # 10 % each side
    assert jobtable.with_margin(0.5, 2.0) == (0.0, 3.0)         # at least 1 s, not before 0
    got = jobtable.with_margin(np.float64(30.0), np.float64(40.0))
    assert got == (29.0, 41.0) and all(type(v) is float for v in got)


def test_session_labels_name_tenant_backend_mode_and_reserved_idle():
    sessions, metrics, _ = hand_sessions()
    assert jobtable.session_label(sessions, metrics) == {
        "S": "S (alice, qpu_1, dedicated; reserved idle 5 s)",
        "B": "B (teaching, qpu_2, batch; reserved idle 0 s)",
        "C": "C (alice, qpu_1, dedicated; reserved idle 0 s)"}


# --------------------------------------------------------------------------- a real run

@pytest.fixture(scope="module")
def seed_story():
    from engine import load_scenario, run_scenario

    return run_scenario(load_scenario(str(ROOT / "scenarios" / "seed-story.yaml")))


def test_seed_story_table_session_and_window(seed_story):
    r = seed_story
    table = jobtable.display_frame(r.jobs, {"qpu_1": 1})
    assert list(table.columns) == ["job_id", "status", "tenant", "backend", "session_id",
                                   "mode", "submit_time", "start_time", "end_time", "wait",
                                   "usage", "primitive"]
    assert len(table) == 127 and (table["session_id"] == NO_SESSION).sum() == 115
    mine = jobtable.filter_jobs(table, JobFilter(sessions=("vqe",)))
    assert len(mine) == 12 and set(mine["tenant"]) == {"alice"}
    assert (mine["mode"] == "dedicated").all()
    # The window filter equals a plain loop over the jobs.
    t0, t1 = 700.0, 900.0
    loop = [j.job_id for j in r.jobs.itertuples()
            if j.submit_time <= t1 and (j.end_time if not math.isnan(j.end_time)
                                        else j.finished_at) >= t0]
    assert ids(jobtable.filter_jobs(table, JobFilter(window=(t0, t1)))) == loop
    assert jobtable.default_session(r.sessions, r.session_metrics) == "vqe"
    facts = jobtable.session_facts(r.sessions, r.session_metrics, r.spans, "vqe")
    assert (facts["tenant"], facts["backend"], facts["mode"], facts["jobs"],
            facts["completed"], facts["end_reason"]) == ("alice", "qpu_1", "dedicated", 12, 12,
                                                         "closed")
    assert facts["reserved_idle"] == pytest.approx(313.781238)
    spans = jobtable.session_spans(r.spans, "vqe")
    assert len(spans) == 25
    assert facts["inactive"] == pytest.approx(
        spans.loc[spans["kind"] == "inactive", "duration"].sum())
    totals = jobtable.span_totals(r.spans, "vqe")
    assert totals["reserved idle"] == pytest.approx(facts["reserved_idle"])
    assert jobtable.session_window(r.sessions, r.spans, r.jobs, "vqe") == (600.0, 1143.332427)


# --------------------------------------------------------------------------- the page

def jobs_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/jobs.py")
    at.run()
    assert not at.exception, at.exception
    return at


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def table_of(at: AppTest, prefix: str):
    return widget(at.dataframe, prefix)


@pytest.fixture
def no_switch(monkeypatch):
    """st.switch_page records its target and stops the script: the keys a link set stay in
    session state whatever the Timeline page does with them."""
    went = []

    def switch(page):
        went.append(page)
        streamlit.stop()

    monkeypatch.setattr(streamlit, "switch_page", switch)
    return went


def test_jobs_page_table_filters_and_session_view():
    at = jobs_page()
    assert [t.value for t in at.title] == ["Jobs"]
    assert "Showing **127** of 127 jobs" in text_of(at)
    table = table_of(at, "jobs_table_").value
    assert len(table) == 127 and table.columns[0] == "job_id"
    widget(at.multiselect, "jobs_sessions").set_value(["vqe"]).run()
    assert "Showing **12** of 127 jobs" in text_of(at)
    assert len(table_of(at, "jobs_table_").value) == 12
    widget(at.text_input, "jobs_text").set_value("VQE.1").run()    # vqe.1, vqe.10-12
    assert "Showing **4** of 127 jobs" in text_of(at)
    widget(at.multiselect, "jobs_sessions").set_value([]).run()
    widget(at.text_input, "jobs_text").set_value("").run()
    widget(at.slider, "jobs_window").set_value((700.0, 900.0)).run()
    shown = table_of(at, "jobs_table_").value
    assert 0 < len(shown) < 127
    widget(at.selectbox, "jobs_sort").set_value("wait").run()
    widget(at.toggle, "jobs_desc").set_value(True).run()
    waits = table_of(at, "jobs_table_").value["wait"].dropna().tolist()
    assert waits == sorted(waits, reverse=True)
    # The session view starts on the session with the most reserved idle.
    assert widget(at.selectbox, "jobs_session_").value == "vqe"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jobs"] == "12" and metrics["Reserved idle"] == "313.8 s"
    assert "tenant **alice** on **qpu_1**" in text_of(at)
    fig = charts(at)[-1]
    assert {"running", "reserved idle", "inactive"} <= set(trace_names(fig))
    assert fig["layout"]["xaxis"]["range"][0] < 600 < 1143 < fig["layout"]["xaxis"]["range"][1]
    spans = next(d.value for d in at.dataframe
                 if list(d.value.columns) == ["kind", "start", "end", "duration"])
    assert len(spans) == 25
    assert len(table_of(at, "session_jobs_").value) == 12
    assert not at.exception


def test_timeline_links_set_the_window_and_the_job(no_switch):
    at = jobs_page()
    widget(at.button, "session_to_timeline_").click().run()
    assert no_switch == ["pages/timeline.py"]
    assert at.session_state["timeline_window"] == jobtable.with_margin(600.0, 1143.332427)
    assert "timeline_job" not in at.session_state
    # A job picked in the table.
    key = table_of(at, "jobs_table_").key
    first = table_of(at, "jobs_table_").value["job_id"].iloc[0]
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert f"**{first}**" in text_of(at)
    widget(at.button, "jobs_to_timeline_").click().run()
    assert no_switch[-1] == "pages/timeline.py"
    run = at.session_state["run"]
    assert at.session_state["timeline_job"] == first
    assert at.session_state["timeline_window"] == jobtable.with_margin(
        *jobtable.job_window(run.jobs, first))


def test_the_link_opens_the_timeline():
    at = jobs_page()
    widget(at.button, "session_to_timeline_").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Timeline"]


@pytest.mark.parametrize("name", runs.builtin_names())
def test_every_builtin_scenario_opens_on_the_jobs_page(name):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.selectbox(key="builtin_pick").set_value(name).run()
    at.switch_page("pages/jobs.py")
    at.run()
    assert not at.exception, (name, at.exception)
    run = at.session_state["run"]
    assert run.scenario.name == name
    assert f"of {len(run.jobs):,} jobs" in text_of(at)
    if len(run.sessions):
        # The session view: its facts and a figure of just that session.
        assert [m.label for m in at.metric][:2] == ["Jobs", "Usage (charged)"]
    else:
        assert any("no sessions" in i.value for i in at.info)
