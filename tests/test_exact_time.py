"""R18, an instant is exact: scenarios on a 0.1 s grid (where float sums such as 0.7 + 0.2 miss
the grid) give the same schedule as the same scenarios with every time multiplied by 10 (where
every sum is a whole number), divided back. Every run also satisfies R1 and R16.

Each scenario is drawn as whole numbers k and written twice: with times k / 10, and with times
k. Engine instants are whole microseconds, so "divided back" is compared exactly, as integers:
an instant of the scaled run is ten times the same instant of the original.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import run
from .strategies import owner
from .test_properties import check_r1, check_r16

K = st.integers(0, 40)           # a time on the grid, in tenths of a second
POSITIVE = st.integers(1, 40)


@st.composite
def grid_scenarios(draw):
    """A scenario of grid times k / div: ``build(10)`` in tenths, ``build(1)`` times ten."""
    backends = [f"b{i}" for i in range(draw(st.integers(1, 2)))]
    tenants = [f"t{i}" for i in range(draw(st.integers(2, 3)))]
    shares = {t: draw(st.sampled_from([1, 2, 3])) for t in tenants}
    fair = draw(st.sampled_from(["window", "half_life", "forever"]))
    span = draw(st.integers(5, 60))
    timeout = draw(st.integers(0, 10))
    max_time = draw(st.sampled_from([None, 15, 40]))
    sessions = []
    for i in range(draw(st.integers(0, 3))):
        sessions.append(dict(
            id=f"s{i}", tenant=draw(st.sampled_from(tenants)),
            backend=draw(st.sampled_from(backends)),
            mode=draw(st.sampled_from(["dedicated", "dedicated", "batch"])),
            max_time=draw(st.one_of(st.none(), POSITIVE)),
            interactive_timeout=draw(st.one_of(st.none(), st.integers(0, 10))),
            close_at=draw(st.one_of(st.none(), K)), cancel_at=draw(st.one_of(st.none(), K)),
            open_at=draw(st.one_of(st.none(), K))))
    jobs = []
    for i in range(draw(st.integers(1, 14))):
        tenant, backend, sid = owner(draw, sessions, tenants, backends)
        jobs.append(dict(id=f"j{i}", tenant=tenant, backend=backend, submit=draw(K),
                         duration=draw(st.integers(0, 12)), session=sid,
                         max_execution_time=draw(st.one_of(st.none(), POSITIVE))))
    workloads = []
    if draw(st.booleans()):
        workloads.append(dict(name="bg", kind="background", tenant=draw(st.sampled_from(tenants)),
                              backend=draw(st.sampled_from(backends)), start=draw(K),
                              interval=draw(POSITIVE), count=draw(st.integers(1, 6)),
                              duration=draw(POSITIVE)))
    if draw(st.booleans()):
        workloads.append(dict(name="cl", kind="interactive", tenant=draw(st.sampled_from(tenants)),
                              backend=draw(st.sampled_from(backends)), start=draw(K),
                              mode=draw(st.sampled_from(["dedicated", "batch", "job"])),
                              iterations=draw(st.integers(1, 4)), think=draw(st.integers(0, 12)),
                              duration=draw(POSITIVE)))

    def build(div):
        # k / 10 is the float a person writes as "0.3": the nearest to the grid point.
        t = lambda k: None if k is None else k / div   # noqa: E731
        policy = {"preset": "ibm-2022", "interactive_timeout": t(timeout),
                  "system_max_time": t(600),
                  "fair_share": ({"usage": "window", "window": t(span)} if fair == "window" else
                                 {"usage": "half_life", "half_life": t(span)}
                                 if fair == "half_life" else {"usage": "window"})}
        if max_time is not None:
            policy["default_max_execution_time"] = t(max_time)
        doc = {"name": "grid", "seed": 1, "policy": policy,
               "backends": [{"name": b} for b in backends],
               "tenants": [{"name": n, "share": shares[n]} for n in tenants],
               "sessions": [{**s, **{k: t(s[k]) for k in ("max_time", "interactive_timeout",
                                                         "close_at", "cancel_at", "open_at")}}
                            for s in sessions],
               "jobs": [{**j, "submit": t(j["submit"]), "duration": t(j["duration"]),
                         "max_execution_time": t(j["max_execution_time"])} for j in jobs],
               "workloads": []}
        for w in workloads:
            if w["kind"] == "background":
                doc["workloads"].append({
                    "name": w["name"], "kind": "background", "tenant": w["tenant"],
                    "backend": w["backend"], "start": t(w["start"]), "count": w["count"],
                    "arrivals": {"process": "periodic", "interval": t(w["interval"])},
                    "duration": t(w["duration"])})
            else:
                doc["workloads"].append({
                    "name": w["name"], "kind": "interactive", "tenant": w["tenant"],
                    "backend": w["backend"], "start": t(w["start"]), "mode": w["mode"],
                    "iterations": w["iterations"], "think_time": t(w["think"]),
                    "duration": t(w["duration"])})
        return doc

    return build


def _ticks(x):
    return None if x != x else round(x * 1_000_000)


def _schedule(result, scale):
    """Every job's and session's instants as integer microseconds times ``scale``, with the
    statuses, rules and the order of events."""
    jobs = {r.job_id: (_ticks(r.start_time) and _ticks(r.start_time) * scale,
                       _ticks(r.end_time) and _ticks(r.end_time) * scale, r.status, r.rule,
                       r.reason)
            for r in result.jobs.itertuples()}
    sessions = {r.session_id: (_ticks(r.start_time) and _ticks(r.start_time) * scale,
                               _ticks(r.end_time) and _ticks(r.end_time) * scale, r.end_reason)
                for r in result.sessions.itertuples()}
    events = [(_ticks(r.time) * scale, r.backend, r.event, r.session_id, r.job_id)
              for r in result.events.itertuples()]
    return jobs, sessions, events


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(grid_scenarios())
def test_r18_a_grid_of_tenths_schedules_as_the_same_grid_times_ten(build):
    tenths = run(build(10))
    whole = run(build(1))
    for result in (tenths, whole):
        check_r1(result)
        check_r16(result)
    assert _schedule(tenths, 10) == _schedule(whole, 1)
