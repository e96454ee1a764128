"""engine/sessions.py alone: each transition of the state machine, and the ops it returns, on a
Session record with no simulation behind it. Times are ticks; S is one second."""

from __future__ import annotations

from engine import events as ev
from engine.job import Job
from engine.sessions import (AHEAD, EVENT, EXPIRE, FINISH, HOLD, IDLE, RELEASE, SPAN, TIMER,
                             Session)

S = 1_000_000


def job(id, submit=0, session="S"):
    j = Job(id, "alice", "q", submit * S, 10 * S, session)
    j.status = "queued"
    return j


def events_of(ops):
    return [op[1] for op in ops if op[0] == EVENT]


def spans_of(ops):
    return [(op[1], op[2] // S, op[3] // S) for op in ops if op[0] == SPAN]


def started(s, j, now):
    j.start_tick = now
    j.qpu_start_tick = now   # one lane, no classical stage: its QPU stage starts with it
    return s.start(j, now, max_time=100 * S)


def left(s, j, now, **kw):
    j.end_tick = now
    return s.left(j, now, **kw)


def test_r4_the_first_job_opens_starts_and_arms_the_max_time():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1 = job("j1", 5)
    ops, detail = s.accept(j1, 5 * S)
    assert events_of(ops) == [ev.SESSION_OPENED] and "has not started" in detail
    ops = started(s, j1, 20 * S)
    assert events_of(ops) == [ev.SESSION_STARTED]
    assert (TIMER, EXPIRE, 120 * S, None) in ops and (HOLD,) in ops
    assert spans_of(ops) == [(ev.OPEN, 5, 20)]
    assert (s.state, s.started_at, s.holding) == ("active", 20 * S, True)


def test_r6_the_wait_times_out_and_r7_a_later_job_reactivates():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1 = job("j1")
    s.accept(j1, 0)
    started(s, j1, 0)
    assert left(s, j1, 10 * S) == [(SPAN, ev.RUNNING, 0, 10 * S)]
    ops = s.wait(10 * S)
    assert events_of(ops) == [ev.SESSION_WAITING] and (TIMER, IDLE, 70 * S, s.idle_token) in ops
    assert s.idle_timed_out(s.idle_token - 1, 70 * S) == []      # a stale timer does nothing
    ops = s.idle_timed_out(s.idle_token, 70 * S)
    assert events_of(ops) == [ev.SESSION_DEACTIVATED] and ops[-1] == (RELEASE,)
    assert spans_of(ops) == [(ev.RESERVED_IDLE, 10, 70)] and s.state == "inactive"
    assert s.usage == 70 * S                                      # R3: the hold is charged
    j2 = job("j2", 80)
    ops, detail = s.accept(j2, 80 * S)
    assert "inactive" in detail and "R7" in detail
    ops = started(s, j2, 90 * S)
    assert events_of(ops) == [ev.SESSION_REACTIVATED] and (HOLD,) in ops
    assert spans_of(ops) == [(ev.INACTIVE, 70, 90)]


def test_r6_a_job_at_the_deadline_keeps_the_session():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1, j2 = job("j1"), job("j2", 70)
    s.accept(j1, 0)
    started(s, j1, 0)
    left(s, j1, 10 * S)
    s.wait(10 * S)
    s.accept(j2, 70 * S)                   # submitted at 70, exactly the deadline
    assert s.idle_timed_out(s.idle_token, 70 * S) == []


def test_r9_expiry_fails_queued_jobs_and_holds_until_the_running_one_ends():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1, j2 = job("j1"), job("j2", 1)
    s.accept(j1, 0)
    started(s, j1, 0)
    s.accept(j2, 1 * S)
    ops = s.expire(100 * S)
    assert (FINISH, j2, ev.FAILED, "session expired", "session expired (R9)") in ops
    assert events_of(ops) == [ev.SESSION_ENDED] and (RELEASE,) not in ops
    ops = left(s, j1, 110 * S)
    assert ops[-1] == (RELEASE,) and spans_of(ops) == [(ev.RUNNING, 0, 110)]
    assert s.rejection() == "session S has ended (expired)"


def test_r10_close_with_work_left_ends_when_it_is_done():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1 = job("j1")
    s.accept(j1, 0)
    started(s, j1, 0)
    assert events_of(s.close(5 * S)) == [ev.SESSION_CLOSING]
    assert s.rejection() == "session S is closed to new jobs"
    ops = left(s, j1, 10 * S)
    assert events_of(ops) == [ev.SESSION_ENDED] and ops[-1] == (RELEASE,)
    assert s.end_reason == ev.CLOSED


def test_r11_cancel_cancels_the_queued_jobs():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    j1, j2 = job("j1"), job("j2")
    s.accept(j1, 0)
    s.accept(j2, 0)
    ops = s.cancel(1 * S)
    finished = [(op[1].id, op[2]) for op in ops if op[0] == FINISH]
    assert finished == [("j1", ev.CANCELLED), ("j2", ev.CANCELLED)]
    assert spans_of(ops) == [(ev.OPEN, 0, 1)]


def test_r14_a_batch_puts_its_queued_jobs_ahead_and_is_charged_qpu_time_only():
    s = Session("B", "alice", "q", mode="batch")
    j1, j2 = job("j1", session="B"), job("j2", session="B")
    s.accept(j1, 0)
    s.accept(j2, 0)
    ops = started(s, j1, 0)
    assert (AHEAD, j2) in ops and (HOLD,) not in ops
    j3 = job("j3", 2, session="B")
    ops, detail = s.accept(j3, 2 * S)
    assert ops == [(AHEAD, j3)] and "R14" in detail
    left(s, j1, 10 * S)
    assert s.usage == 10 * S and s.usage_at(15 * S) == 10 * S
