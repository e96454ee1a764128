"""Lessons: one small hand-made scenario per rule group, stepped through event by event.

Each lesson is plain data (a scenario document, a question to predict before revealing, the
step that answers it, and the facts of its trace its text relies on); the functions here are
pure: the trace up to a step, the state of queues and sessions at that step, the sentence that
says what happened and which rule made it so, and the checks that a lesson's text and facts
agree with its trace (so a wrong number cannot ship: tests/test_ui_lessons.py runs them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from engine import events as ev


def _job(id, tenant, submit, duration, backend="qpu", session=None, **extra):
    return {"id": id, "tenant": tenant, "backend": backend, "submit": submit,
            "duration": duration, "session": session, **extra}


def _doc(name, jobs, sessions=(), tenants=None, timeout=60, backends=("qpu",), policy=None,
         **extra):
    """A lesson's scenario. ``backends``: names, or dicts for backends with lanes, calibration
    or maintenance; ``tenants``: name -> share, or name -> a dict (share, plan, usage_limit)."""
    tenants = tenants or {"alice": 1, "bob": 1}
    return {"name": name, "seed": 1,
            "policy": policy or {"preset": "ibm-2022", "interactive_timeout": timeout},
            "backends": [b if isinstance(b, dict) else {"name": b} for b in backends],
            "tenants": [{"name": t, **s} if isinstance(s, dict) else {"name": t, "share": s}
                        for t, s in tenants.items()],
            "sessions": list(sessions), "jobs": list(jobs), **extra}


@dataclass
class Lesson:
    key: str
    title: str
    rules: str
    intro: str
    scenario: dict
    question: str
    options: list[str]
    answer: str
    explain: str
    # The question is asked before this event (a job or session id, or a backend for system
    # work and reservations, and its kind) is shown.
    ask_before: tuple[str, str] = ("", "")
    # What the text relies on, as (job or session id, column of its jobs/sessions row, value);
    # "backend/id" names a row of the system table (system work, reservations).
    facts: list[tuple[str, str, object]] = field(default_factory=list)


LESSONS = [
    Lesson(
        "fair-share", "Fair share: the lightest user goes next", "R3",
        "One QPU, two tenants with equal shares. Alice's long job a1 runs first; while it runs, "
        "alice queues a2 and then bob queues b1.",
        _doc("lesson-fair-share", [_job("a1", "alice", 0, 100), _job("a2", "alice", 10, 20),
                                   _job("b1", "bob", 20, 20)]),
        "a1 ends at 100 s. a2 was queued first, b1 later. Which job runs next?",
        ["a2 (it was first in the queue)", "b1 (bob has used less)"],
        "b1 (bob has used less)",
        "R3 picks the tenant with the lowest usage divided by share: alice has used 100 s, bob "
        "nothing, so bob's b1 runs first although it was queued later.",
        ask_before=("b1", ev.JOB_STARTED),
        facts=[("a1", "end_time", 100.0), ("b1", "start_time", 100.0), ("b1", "rule", "R3"),
               ("a2", "start_time", 120.0)]),
    Lesson(
        "session-hold", "A session takes the QPU and holds it", "R4, R5, R6",
        "Alice works in a session (interactive timeout 60 s): a1 at 0 s, then she thinks and "
        "sends a2 at 40 s; she leaves her `with Session` block, which closes it, at 150 s. Bob "
        "queues b1 at 5 s.",
        _doc("lesson-session-hold", [_job("a1", "alice", 0, 20, session="S"),
                                     _job("b1", "bob", 5, 20),
                                     _job("a2", "alice", 40, 20, session="S")],
             sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "close_at": 150}]),
        "a1 ends at 20 s and bob's b1 is waiting. What happens?",
        ["b1 starts at once", "the QPU stays reserved for alice's session"],
        "the QPU stays reserved for alice's session",
        "R6: an active session keeps its backend for the interactive timeout after each job. "
        "a2 arrives at 40 s, inside the window, and starts at once (R5); only when a whole "
        "interactive timeout passes with no job (at 120 s) does the session let go and b1 run. "
        "Alice's close() at 150 s then ends the inactive session at once (R10).",
        ask_before=("S", ev.SESSION_WAITING),
        facts=[("a1", "end_time", 20.0), ("b1", "submit_time", 5.0), ("a2", "start_time", 40.0),
               ("a2", "rule", "R5"), ("b1", "start_time", 120.0), ("S", "reserved_idle", 80.0),
               ("S", "closed_at", 150.0), ("S", "end_time", 150.0), ("S", "end_reason", "closed")]),
    Lesson(
        "reactivation", "An inactive session comes back through the queue", "R7, R8",
        "Alice's session S has a 30 s interactive timeout. After a1 she thinks too long; bob's "
        "b1 takes the QPU; alice's a2 arrives at 50 s, and she closes S when its result is "
        "back.",
        _doc("lesson-reactivation", [_job("a1", "alice", 0, 10, session="S"),
                                     _job("b1", "bob", 35, 50),
                                     _job("a2", "alice", 50, 10, session="S")],
             sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "close_at": 100}],
             timeout=30),
        "a2 arrives at 50 s while S is inactive and b1 runs. When does a2 start?",
        ["at once, at 50 s", "when b1 ends, at 90 s, through fair share"],
        "when b1 ends, at 90 s, through fair share",
        "a1 ended at 10 s and S held the QPU through its interactive timeout, so b1 could only "
        "start at 40 s; it ends at 90 s. R7: the jobs of an inactive session wait in the "
        "fair-share queue like any other; when one is picked, the session reactivates and holds "
        "the QPU again. R8: an inactive session never blocks anyone.",
        ask_before=("a2", ev.JOB_STARTED),
        facts=[("a1", "end_time", 10.0), ("b1", "start_time", 40.0), ("b1", "end_time", 90.0),
               ("a2", "submit_time", 50.0), ("a2", "start_time", 90.0), ("a2", "rule", "R3"),
               ("a2", "end_time", 100.0), ("S", "end_time", 100.0), ("S", "end_reason", "closed")]),
    Lesson(
        "max-time", "Maximum time: the running job finishes, the rest do not", "R9",
        "Alice's session has max_time 100 s from its first job. a2 is running when the clock "
        "runs out; a3 is queued; a4 comes later.",
        _doc("lesson-max-time", [_job("a1", "alice", 0, 50, session="S"),
                                 _job("a2", "alice", 60, 50, session="S"),
                                 _job("a3", "alice", 95, 10, session="S"),
                                 _job("a4", "alice", 120, 10, session="S")],
             sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "max_time": 100}]),
        "At 100 s the session expires while a2 runs. What happens to a2?",
        ["it is stopped at once", "it runs to its end"],
        "it runs to its end",
        "R9: at its maximum time the session ends: its running job finishes, its queued jobs "
        "fail (a3) and later submissions are rejected (a4).",
        ask_before=("S", ev.SESSION_ENDED),
        facts=[("S", "end_time", 100.0), ("S", "end_reason", "expired"),
               ("a2", "status", "completed"), ("a2", "end_time", 110.0),
               ("a3", "status", "failed"), ("a3", "reason", "session expired"),
               ("a4", "status", "rejected")]),
    Lesson(
        "close-cancel", "close() lets work finish; cancel() does not", "R10, R11",
        "Two QPUs. On qpu, alice closes session S at 30 s while a2 is running. On qpu_b, bob "
        "cancels session T at 30 s with t1 running and t2, t3 queued.",
        _doc("lesson-close-cancel",
             [_job("a1", "alice", 0, 20, session="S"), _job("a2", "alice", 25, 20, session="S"),
              _job("t1", "bob", 0, 40, backend="qpu_b", session="T"),
              _job("t2", "bob", 10, 10, backend="qpu_b", session="T"),
              _job("t3", "bob", 20, 10, backend="qpu_b", session="T")],
             sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "close_at": 30},
                       {"id": "T", "tenant": "bob", "backend": "qpu_b", "cancel_at": 30}],
             backends=("qpu", "qpu_b")),
        "bob calls cancel() at 30 s while t1 runs. What happens to t1?",
        ["it is stopped", "it runs to its end; t2 and t3 are cancelled"],
        "it runs to its end; t2 and t3 are cancelled",
        "R11: cancel() cancels the queued jobs and lets the running one finish. R10: close() "
        "takes no new jobs, lets queued ones run, and ends the session when the last is done, "
        "without an interactive wait.",
        ask_before=("t2", ev.JOB_CANCELLED),
        facts=[("T", "end_time", 30.0), ("T", "end_reason", "cancelled"),
               ("t1", "status", "completed"), ("t1", "end_time", 40.0),
               ("t2", "status", "cancelled"), ("t3", "status", "cancelled"),
               ("S", "closed_at", 30.0), ("a2", "status", "completed"), ("a2", "end_time", 45.0),
               ("S", "end_time", 45.0), ("S", "end_reason", "closed")]),
    Lesson(
        "batch", "A batch jumps the queue without holding it", "R14",
        "Bob has share 10, alice 1. Alice submits a batch of three jobs while bob's x1 runs, "
        "and leaves her `with Batch` block, which closes it; bob queues x2.",
        _doc("lesson-batch", [_job("x1", "bob", 0, 30), _job("x2", "bob", 1, 10),
                              _job("b1", "alice", 5, 10, session="B"),
                              _job("b2", "alice", 6, 10, session="B"),
                              _job("b3", "alice", 7, 10, session="B")],
             sessions=[{"id": "B", "tenant": "alice", "backend": "qpu", "mode": "batch",
                        "close_at": 7}],
             tenants={"alice": 1, "bob": 10}),
        "b1 ran 30-40 s and started the batch. Now alice's usage/share is 10, bob's 3: fair "
        "share alone would pick bob's x2. Which job runs at 40 s?",
        ["x2 (fair share)", "b2 (the batch goes on)"],
        "b2 (the batch goes on)",
        "b1 waited in fair share like any job (R3) and its start made the batch active (R4). "
        "From then on the batch's queued jobs run ahead of fair share (R14), one after another, "
        "and the QPU is never held idle for it: x2 runs the moment b3 ends. Closing the batch "
        "only refused new jobs: it ends when its last job is done (R10).",
        ask_before=("b2", ev.JOB_STARTED),
        facts=[("b1", "start_time", 30.0), ("b1", "end_time", 40.0), ("b1", "rule", "R3"),
               ("b2", "start_time", 40.0), ("b2", "rule", "R14"), ("b3", "rule", "R14"),
               ("b3", "end_time", 60.0), ("x2", "start_time", 60.0),
               ("B", "reserved_idle", 0.0), ("B", "end_time", 60.0),
               ("B", "end_reason", "closed")]),
    Lesson(
        "caching", "Compiled once per session", "R15",
        "Alice runs the same Bell circuit twice in a session (she closes it after submitting "
        "the second), and bob twice in job mode. Every job's QPU time comes from the circuit; "
        "compiling costs 1 s.",
        _doc("lesson-caching", [
            _job("a1", "alice", 0, None, session="S", circuit="bell", shots=1000),
            _job("a2", "alice", 5, None, session="S", circuit="bell", shots=1000),
            _job("j1", "bob", 0, None, backend="qpu_b", circuit="bell", shots=1000),
            _job("j2", "bob", 5, None, backend="qpu_b", circuit="bell", shots=1000)],
            sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "close_at": 5}],
            backends=("qpu", "qpu_b"),
            circuits={"bell": {"family": "ghz", "num_qubits": 2}}),
        "a2 runs the same circuit in the same session. Does it pay the compile time again?",
        ["yes, every job compiles", "no, the session compiled it already"],
        "no, the session compiled it already",
        "R15: inside a session or batch a circuit already compiled skips the compile overhead; "
        "in job mode (j1, j2) every job pays it. Compare the bar lengths.",
        ask_before=("a2", ev.JOB_STARTED),
        facts=[("a1", "compiled", "miss"), ("a2", "compiled", "hit"), ("j1", "compiled", "miss"),
               ("j2", "compiled", "miss"), ("S", "closed_at", 5.0),
               ("S", "end_reason", "closed")]),
    Lesson(
        "lanes", "Lanes: classical work side by side, one QPU", "R19",
        "Today's backends run several jobs at once, in *execution lanes* (five on most IBM "
        "backends; two here). A job takes a lane when it starts, runs its classical stage "
        "(pre-processing) there, and then needs the QPU, which runs one job at a time. Alice "
        "submits a1 and a2 at 0 s, each with 30 seconds of classical work and 10 of QPU time; "
        "bob queues b1 at 5 s (5 seconds of classical work, 20 of QPU time).",
        _doc("lesson-lanes",
             [_job("a1", "alice", 0, 10, classical_time=30),
              _job("a2", "alice", 0, 10, classical_time=30),
              _job("b1", "bob", 5, 20, classical_time=5)],
             backends=({"name": "qpu", "lanes": 2},), policy={"preset": "ibm-2026"}),
        "a1 and a2 took both lanes at 0 s and both are ready at 30 s; a1 has gone on the QPU. "
        "When does a2's QPU stage start?",
        ["at 30 s: each lane has the QPU to itself",
         "at 40 s: the QPU runs one ready job at a time, a1 first"],
        "at 40 s: the QPU runs one ready job at a time, a1 first",
        "R19: the lanes run classical stages side by side, but the QPU executes one ready job at "
        "a time, in the order they became ready (at one instant, in the order they started). "
        "a2 waits, ready, from 30 s to 40 s: that is QPU contention, the thin line in the "
        "chart; it is neither usage nor part of its time limit. Bob's b1, queued at 5 s, found "
        "both lanes taken: it took the lane a1 freed at 40 s, was ready at 45 s, waited again "
        "behind a2 and ran on the QPU 50-70 s.",
        ask_before=("a1", ev.JOB_COMPLETED),
        facts=[("a1", "start_time", 0.0), ("a2", "start_time", 0.0), ("a1", "ready_time", 30.0),
               ("a2", "ready_time", 30.0), ("a1", "qpu_start_time", 30.0),
               ("a2", "qpu_start_time", 40.0), ("a2", "qpu_wait", 10.0), ("a2", "usage", 10.0),
               ("b1", "submit_time", 5.0), ("b1", "start_time", 40.0),
               ("b1", "ready_time", 45.0), ("b1", "qpu_start_time", 50.0),
               ("b1", "end_time", 70.0)]),
    Lesson(
        "calibration", "Calibration waits for a session, not for a batch", "R20",
        "Both QPUs calibrate every hour, for 20 seconds, the first time at 50 s. On qpu, alice "
        "works in a dedicated session (s1 at 0 s, s2 at 45 s; she closes it at 90 s) and bob "
        "queues x at 60 s. On qpu_b, bob's batch of four 20-second jobs runs from 0 s.",
        _doc("lesson-calibration",
             [_job("s1", "alice", 0, 40, session="S"), _job("s2", "alice", 45, 40, session="S"),
              _job("x", "bob", 60, 10),
              *[_job(f"b{i}", "bob", 0, 20, backend="qpu_b", session="B") for i in range(1, 5)]],
             sessions=[{"id": "S", "tenant": "alice", "backend": "qpu", "close_at": 90},
                       {"id": "B", "tenant": "bob", "backend": "qpu_b", "mode": "batch",
                        "close_at": 0}],
             backends=tuple({"name": b, "lanes": 1,
                             "calibration": {"every": 3600, "duration": 20, "first": 50}}
                            for b in ("qpu", "qpu_b")),
             policy={"preset": "ibm-2026"}),
        "Calibration falls due at 50 s on both QPUs, while s2 runs in alice's session and b3 in "
        "bob's batch. When does each calibration run?",
        ["at 50 s on both: calibration stops what is running",
         "on qpu_b at 60 s, between two batch jobs; on qpu only at 90 s, when the session ends",
         "on neither before the session and the batch have both ended"],
        "on qpu_b at 60 s, between two batch jobs; on qpu only at 90 s, when the session ends",
        "R20: system work takes the QPU as soon as no job is on it and no dedicated session is "
        "active. On qpu_b it waits for b3 to end at 60 s and goes ahead of the batch's next "
        "job: b4 takes its lane at 60 s but waits, ready, until the calibration ends at 80 s "
        "(a batch may be interrupted), and runs 80-100 s. On qpu alice's session is never "
        "interrupted, not even while it holds the QPU idle after s2 (85 s): the calibration "
        "runs when the session ends at 90 s, until 110 s, and bob's x, which took its lane at "
        "90 s, waits for it and runs 110-120 s. System work is charged to nobody.",
        ask_before=("qpu_b", ev.SYSTEM_STARTED),
        facts=[("s2", "start_time", 45.0), ("s2", "end_time", 85.0), ("S", "end_time", 90.0),
               ("S", "end_reason", "closed"), ("b3", "end_time", 60.0),
               ("b4", "start_time", 60.0), ("b4", "qpu_start_time", 80.0),
               ("b4", "end_time", 100.0), ("x", "start_time", 90.0),
               ("x", "qpu_start_time", 110.0), ("x", "end_time", 120.0),
               ("qpu_b/calibration-1", "start", 60.0), ("qpu_b/calibration-1", "end", 80.0),
               ("qpu/calibration-1", "start", 90.0), ("qpu/calibration-1", "end", 110.0)]),
    Lesson(
        "plans", "Plans: no sessions on Open, and usage limits", "R22",
        "olga is on the Open plan: she tries a session (o1) at 0 s, and sends o2 in job mode at "
        "10 s. carol's plan gives her at most 100 seconds of QPU time in any 300-second "
        "window; she queues c1 and c2 (80 seconds each) and c3 (30 seconds) at 0 s.",
        _doc("lesson-plans",
             [_job("o1", "olga", 0, 10, session="S"), _job("c1", "carol", 0, 80),
              _job("c2", "carol", 0, 80), _job("c3", "carol", 0, 30),
              _job("o2", "olga", 10, 10)],
             sessions=[{"id": "S", "tenant": "olga", "backend": "qpu", "close_at": 0}],
             tenants={"olga": {"plan": "open"},
                      "carol": {"usage_limit": {"seconds": 100, "window": 300}}},
             backends=({"name": "qpu", "lanes": 1},), policy={"preset": "ibm-2026"}),
        "c2 ends at 170 s. carol has used 160 seconds in the last 300, over her limit of 100. "
        "The QPU is free and c3 is queued. When does c3 start?",
        ["at 170 s: the QPU is free", "never: her limit is reached",
         "at 360 s, when enough of c1's usage has left the window"],
        "at 360 s, when enough of c1's usage has left the window",
        "R22: the Open plan has no sessions: o1 is rejected at 0 s, while o2 (job mode) runs "
        "80-90 s. carol's c2 could start at 90 s, her usage then (80 seconds) not over the "
        "limit; once it ends at 170 s she is over it, so none of her jobs starts. Her queued "
        "c3 waits while the rolling window forgets her oldest usage: at 360 s the window has "
        "let go of c1's first 60 seconds, leaving 20 of c1 and 80 of c2, which is the limit "
        "again, and c3 runs 360-390 s.",
        ask_before=("c3", ev.JOB_STARTED),
        facts=[("o1", "status", "rejected"),
               ("o1", "reason", "sessions are not available on the Open plan (R22)"),
               ("o2", "start_time", 80.0), ("o2", "end_time", 90.0),
               ("c1", "usage", 80.0), ("c2", "start_time", 90.0), ("c2", "end_time", 170.0),
               ("c2", "usage", 80.0), ("c3", "submit_time", 0.0), ("c3", "start_time", 360.0),
               ("c3", "end_time", 390.0)]),
]

BY_KEY = {lesson.key: lesson for lesson in LESSONS}

# "85 s", "30-40 s", "7.25 s": a number of seconds quoted in a lesson (both ends of a range).
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)(?:\s*[-\u2013]\s*(\d+(?:\.\d+)?))?\s*s\b")


def quoted_seconds(lesson: Lesson) -> list[float]:
    """Every number of seconds the question, options, answer and explanation quote: each is a
    moment of the story, so each must be a time of the trace."""
    text = " ".join([lesson.question, *lesson.options, lesson.answer, lesson.explain])
    return [float(n) for m in _SECONDS.finditer(text) for n in m.groups() if n is not None]


def trace_times(result) -> set[float]:
    """Every time of a run's trace: its events, its jobs' and sessions' starts and ends, its
    jobs' stages (R19), its system work and reservations, and when system work first fell due
    (R20)."""
    times = set(result.events["time"])
    for table in (result.jobs, result.sessions):
        for col in ("submit_time", "start_time", "end_time", "ready_time", "qpu_start_time",
                    "qpu_end_time"):
            if col in table:
                times |= set(table[col].dropna())
    system = _system(result)
    if system is not None:
        times |= set(system["start"].dropna()) | set(system["end"].dropna())
    # When system work fell due (R20): a moment the scenario sets, though nothing is logged.
    for b in getattr(result.scenario, "backends", []):
        if getattr(b, "calibration", None) is not None:
            c = b.calibration
            times.add(c.first if c.first is not None else c.every)
        times |= {m.start for m in getattr(b, "maintenance", None) or []}
    return {float(t) for t in times}


def _system(result):
    """The run's system table, or None (runs recorded before R20)."""
    try:
        table = result.system
    except (AttributeError, KeyError):
        return None
    return table if table is not None and "kind" in table else None


def fact_errors(lesson: Lesson, result) -> list[str]:
    """The lesson's facts its run's trace contradicts, in words (empty when all hold)."""
    jobs = result.jobs.set_index("job_id")
    sessions = result.sessions.set_index("session_id")
    system = _system(result)
    system = (system.assign(key=system["backend"].astype(str) + "/" + system["id"].astype(str))
              .set_index("key")
              if system is not None else pd.DataFrame())
    errors = []
    for who, column, want in lesson.facts:
        table = (jobs if who in jobs.index else sessions if who in sessions.index
                 else system if who in system.index else None)
        if table is None:
            errors.append(f"{lesson.key}: {who} is neither a job nor a session of the trace")
            continue
        got = table.loc[who, column]
        got = got.item() if hasattr(got, "item") else got
        if got != want:
            errors.append(f"{lesson.key}: {who}.{column} is {got!r} in the trace, not {want!r}")
    return errors

SHOWN_EVENTS = {ev.JOB_SUBMITTED, ev.JOB_STARTED, ev.JOB_COMPLETED, ev.JOB_FAILED, ev.JOB_CANCELLED,
                ev.JOB_REJECTED, ev.SESSION_OPENED, ev.SESSION_STARTED, ev.SESSION_WAITING,
                ev.SESSION_DEACTIVATED, ev.SESSION_REACTIVATED, ev.SESSION_CLOSING, ev.SESSION_ENDED,
                # Today's service (R19-R21): logged only by runs that use lanes, classical
                # stages, system work or reservations, so older lessons step as before.
                ev.JOB_READY, ev.JOB_QPU_STARTED, ev.SYSTEM_STARTED, ev.SYSTEM_COMPLETED,
                ev.RESERVATION_STARTED, ev.RESERVATION_ENDED}


def steps(events: pd.DataFrame) -> pd.DataFrame:
    """The events a learner steps through, in the engine's order."""
    return events[events["event"].isin(SHOWN_EVENTS)].reset_index(drop=True)


def question_step(lesson: Lesson, events: pd.DataFrame) -> int:
    """The index of the step the question is asked before."""
    st = steps(events)
    job, kind = lesson.ask_before  # a job id, a session id, or a backend (system work)
    who = (st["job_id"] == job) | (st["session_id"] == job)
    if kind in ev.BACKEND_EVENTS:
        who = st["backend"] == job
    hit = st[who & (st["event"] == kind)]
    return int(hit.index[0]) if len(hit) else len(st)


def sentence(row) -> str:
    """What happened at a step, in words, with the rule that made it so."""
    t = f"At {row.time:g} s"
    detail = row.detail if isinstance(row.detail, str) else ""
    if row.event in ev.BACKEND_EVENTS:
        kind = next((k for k in (ev.CALIBRATION, ev.MAINTENANCE) if k in detail), "system work")
        what = {ev.SYSTEM_STARTED: f"{kind} took the QPU",
                ev.SYSTEM_COMPLETED: f"{kind} done, the QPU is free again",
                ev.RESERVATION_STARTED: "reservation began",
                ev.RESERVATION_ENDED: "reservation ended"}[row.event]
        return f"{t}, {row.backend}: {what}." + (f" Why: {detail}." if detail else "")
    who = f"{row.job_id}" if isinstance(row.job_id, str) else f"session {row.session_id}"
    what = {ev.JOB_READY: "ready (classical stage done), needs the QPU",
            ev.JOB_QPU_STARTED: "its QPU stage started"}.get(
        row.event, row.event.replace("job_", "").replace("session_", "session "))
    return f"{t}, {who}: {what}." + (f" Why: {detail}." if detail else "")


def trace_until(result, step: int):
    """The run's jobs, sessions, events and spans as known after ``step`` (inclusive): jobs not
    yet started are left out, running ones end at the step's time, and so does every span."""
    st = steps(result.events)
    step = max(0, min(step, len(st) - 1))
    t = float(st.loc[step, "time"])
    seq = int(st.loc[step, "seq"])
    events = result.events[result.events["seq"] <= seq]
    submitted = set(events[events["event"] == ev.JOB_SUBMITTED]["job_id"])
    started = set(events[events["event"] == ev.JOB_STARTED]["job_id"])
    jobs = result.jobs[result.jobs["job_id"].isin(submitted)].copy()
    waiting = ~jobs["job_id"].isin(started)
    # Not started yet: no bar, but queued until now (the queue-depth row shows it).
    jobs.loc[waiting, ["start_time", "end_time"]] = float("nan")
    jobs["end_time"] = jobs["end_time"].clip(upper=t)
    # R19's stages as known now: not ready yet, not on the QPU yet, on it until now.
    for col in ("ready_time", "qpu_start_time"):
        if col in jobs:
            jobs.loc[waiting | (jobs[col] > t), col] = float("nan")
    if "qpu_end_time" in jobs:
        jobs.loc[waiting, "qpu_end_time"] = float("nan")
        jobs["qpu_end_time"] = jobs["qpu_end_time"].clip(upper=t)
    jobs["finished_at"] = jobs["finished_at"].fillna(t).clip(upper=t)
    ended = set(events[events["event"].isin([ev.JOB_COMPLETED, ev.JOB_FAILED, ev.JOB_CANCELLED,
                                             ev.JOB_REJECTED])]["job_id"])
    jobs.loc[~jobs["job_id"].isin(ended), "status"] = "running"
    jobs.loc[waiting & ~jobs["job_id"].isin(ended), "status"] = "queued"
    sessions = result.sessions.copy()
    begun = set(events[events["event"] == ev.SESSION_STARTED]["session_id"])
    closed = set(events[events["event"] == ev.SESSION_ENDED]["session_id"])
    sessions.loc[~sessions["session_id"].isin(begun), "start_time"] = float("nan")
    sessions.loc[~sessions["session_id"].isin(closed), "end_time"] = t
    sessions.loc[~sessions["session_id"].isin(closed), "end_reason"] = ""
    opened = sessions["opened_at"] > t
    sessions = sessions[~opened]
    spans = result.spans[result.spans["start"] < t].copy()
    spans["end"] = spans["end"].clip(upper=t)
    spans = spans[spans["session_id"].isin(set(sessions["session_id"]))]
    return jobs, sessions, events, spans, t


def system_until(result, t: float):
    """The run's system table (R20, R21) as known at ``t``: work begun by then, ending at most
    at ``t``; None when the run has none."""
    system = _system(result)
    if system is None or system.empty:
        return None
    known = system[system["start"] < t].copy()
    known["end"] = known["end"].clip(upper=t)
    return known


def state_at(result, step: int) -> dict:
    """Queues and sessions after ``step``: {"time", "running": {backend: job, or jobs in
    progress joined by ", " when it has several lanes}, "on_qpu": {backend: what its QPU runs,
    for runs that log QPU stages (R19, R20)}, "queued": {backend: [jobs]}, "sessions":
    {id: state}}."""
    st = steps(result.events)
    step = max(0, min(step, len(st) - 1))
    seq = int(st.loc[step, "seq"])
    seen = result.events[result.events["seq"] <= seq]
    running, queued, on_qpu = {}, {}, {}
    for e in seen.itertuples(index=False):
        if e.event == ev.JOB_SUBMITTED:
            queued.setdefault(e.backend, []).append(e.job_id)
        elif e.event == ev.JOB_STARTED:
            if e.job_id in queued.get(e.backend, []):
                queued[e.backend].remove(e.job_id)
            running.setdefault(e.backend, []).append(e.job_id)
        elif e.event == ev.JOB_QPU_STARTED:
            on_qpu[e.backend] = e.job_id
        elif e.event == ev.SYSTEM_STARTED:
            on_qpu[e.backend] = str(e.detail).split(":", 1)[-1].split(" takes")[0].strip()
        elif e.event == ev.SYSTEM_COMPLETED:
            on_qpu.pop(e.backend, None)
        elif e.event in (ev.JOB_COMPLETED, ev.JOB_FAILED, ev.JOB_CANCELLED, ev.JOB_REJECTED):
            if e.job_id in running.get(e.backend, []):
                running[e.backend].remove(e.job_id)
            if on_qpu.get(e.backend) == e.job_id:
                on_qpu.pop(e.backend)
            if e.job_id in queued.get(e.backend, []):
                queued[e.backend].remove(e.job_id)
    states = {}
    names = {ev.SESSION_OPENED: "open", ev.SESSION_STARTED: "active",
             ev.SESSION_WAITING: "active, holding the QPU idle (reserved)",
             ev.SESSION_DEACTIVATED: "inactive", ev.SESSION_REACTIVATED: "active",
             ev.SESSION_CLOSING: "closing (no new jobs)", ev.SESSION_ENDED: "ended"}
    for e in seen.itertuples(index=False):
        if e.event in names and isinstance(e.session_id, str):
            states[e.session_id] = names[e.event]
        elif e.event == ev.JOB_STARTED and isinstance(e.session_id, str):
            if states.get(e.session_id, "").startswith("active"):
                states[e.session_id] = "active"
    return {"time": float(st.loc[step, "time"]),
            "running": {b: ", ".join(r) for b, r in running.items() if r}, "on_qpu": on_qpu,
            "queued": {b: q for b, q in queued.items() if q}, "sessions": states}
