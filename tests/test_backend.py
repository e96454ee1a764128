"""engine/backend.py alone: ``choose`` on hand-made backend states, no simulation, no SimPy."""

from __future__ import annotations

from engine.backend import DEACTIVATE, HELD, RELEASE, START, WAIT, BackendState, choose
from engine.job import Job
from engine.policy import UsageMeter
from engine.schedulers import FairShare
from engine.sessions import Session

S = 1_000_000  # ticks per second


def queued(id, tenant, submit=0, seq=0, session=None):
    job = Job(id, tenant, "q", submit * S, 10 * S, session)
    job.status, job.seq = "queued", seq
    return job


def state(*jobs):
    b = BackendState("q")
    for job in jobs:
        b.enqueue(job)
    return b


def meters(**used):
    out = {}
    for tenant, seconds in used.items():
        m = UsageMeter("window")
        if seconds:
            m.charge(0, seconds * S)
        out[tenant] = m
    return out


def test_a_busy_backend_or_nothing_queued_decides_nothing():
    b = state()
    assert choose(b, 0, meters(), {}, FairShare()) is None
    b.busy = 1   # its one lane is held (R19)
    b.enqueue(queued("y", "alice"))
    assert choose(b, 0, meters(alice=0), {"alice": 1}, FairShare()) is None


def test_r19_a_free_lane_starts_a_job_while_another_holds_the_qpu():
    b = BackendState("q", lanes=2)
    b.busy = 1
    b.enqueue(queued("y", "alice"))
    d = choose(b, 0, meters(alice=0), {"alice": 1}, FairShare())
    assert d[0] == START and d[1].id == "y"


def test_r21_r22_a_blocked_tenant_is_passed_over():
    # alice (ratio 0) would win, but her usage limit (or bob's reservation) blocks her: bob's.
    b = state()
    b.enqueue(queued("a1", "alice"))
    b.enqueue(queued("b1", "bob"))
    d = choose(b, 0, meters(alice=0, bob=50), {"alice": 1, "bob": 1}, FairShare(),
               blocked={"alice"})
    assert d[1].id == "b1"
    assert choose(b, 0, meters(alice=0, bob=50), {"alice": 1, "bob": 1}, FairShare(),
                  blocked={"alice"}) is None


def test_r3_the_lowest_usage_over_share_goes_and_is_taken_out_of_its_queue():
    # alice used 30 s with share 3 (ratio 10), bob 5 s with share 1 (ratio 5): bob's b1.
    a1, b1 = queued("a1", "alice", seq=0), queued("b1", "bob", seq=1)
    b = state(a1, b1)
    d = choose(b, 100 * S, meters(alice=30, bob=5), {"alice": 3, "bob": 1}, FairShare())
    assert d[:3] == (START, b1, "R3")
    assert d[3] == ("R3 fair share: bob usage 5 s / share 1 = 5, lowest usage/share of 2 "
                    "tenants waiting")
    assert list(b.fs["bob"]) == [] and list(b.fs["alice"]) == [a1]


def test_r3_within_a_tenant_first_in_first_out_and_stale_heads_dropped():
    gone, a1, a2 = queued("gone", "alice", seq=0), queued("a1", "alice", seq=1), \
        queued("a2", "alice", seq=2)
    gone.status = "cancelled"
    b = state(gone, a1, a2)
    d = choose(b, 0, meters(alice=0), {"alice": 1}, FairShare())
    assert d[1] is a1 and d[3].endswith("the only tenant waiting")
    assert list(b.fs["alice"]) == [a2]


def test_r14_a_started_batchs_jobs_go_ahead_of_fair_share():
    from heapq import heappush

    x, b2 = queued("x", "alice", seq=0), queued("b2", "bob", submit=5, seq=1, session="B")
    b = state(x, b2)
    batch = Session("B", "bob", "q", mode="batch")
    batch.state = "active"
    heappush(b.batch_heap, (b2.submit_tick, b2.seq, b2, batch))
    d = choose(b, 0, meters(alice=0, bob=100), {"alice": 1, "bob": 1}, FairShare())
    assert d[:3] == (START, b2, "R14")


def test_r5_r6_a_holding_session_runs_its_own_job_or_holds_the_backend():
    s = Session("S", "alice", "q", interactive_timeout=60 * S)
    s.holding, s.state = True, "active"
    other = queued("o", "bob", seq=0)
    b = state(other)
    b.holder = s
    mine = queued("m", "alice", seq=1, session="S")
    s.queue.append(mine)
    assert choose(b, 0, meters(alice=0, bob=0), {"alice": 1, "bob": 1}, FairShare())[:3] == \
        (START, mine, "R5")
    s.queue.clear()
    assert choose(b, 0, meters(), {}, FairShare()) == (WAIT, s)          # R6: hold it
    s.idle_since = 0
    assert choose(b, 0, meters(), {}, FairShare()) == (HELD, s)          # inside the wait
    s.idle_since, s.interactive_timeout = None, 0
    assert choose(b, 0, meters(), {}, FairShare())[:2] == (DEACTIVATE, s)  # no wait at all
    s.state = "closed"
    assert choose(b, 0, meters(), {}, FairShare()) == (RELEASE, s)       # ended: let go


def test_a_policy_is_pluggable():
    """A scheduler sees the heads of the queues (engine/schedulers.py) and picks one."""
    class LastTenantFirst:
        def pick(self, ctx):
            return ctx.heads[-1][1], "the last tenant"

    a1, b1 = queued("a1", "alice", seq=0), queued("b1", "bob", seq=1)
    d = choose(state(a1, b1), 0, meters(alice=0, bob=0), {"alice": 1, "bob": 1},
               LastTenantFirst())
    assert d[1] is b1 and d[3] == "R3 LastTenantFirst: the last tenant"
