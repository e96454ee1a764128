"""Hypothesis strategies: random valid scenario documents, and broken ones."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

# Small integer times collide often, which exercises same-instant ordering (R18).
times = st.one_of(st.integers(0, 120).map(float), st.floats(0, 120, allow_nan=False))
durations = st.one_of(st.integers(0, 40).map(float), st.floats(0.1, 40))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


def owner(draw, sessions: list, tenants: list, backends: list) -> tuple:
    """A job's (tenant, backend, session id): one of the sessions' (half the time, when there
    are any), else any tenant on any backend in job mode."""
    if sessions and draw(st.booleans()):
        s = draw(st.sampled_from(sessions))
        return s["tenant"], s["backend"], s["id"]
    return draw(st.sampled_from(tenants)), draw(st.sampled_from(backends)), None


@st.composite
def valid_scenarios(draw, max_jobs: int = 25):
    backends = [f"b{i}" for i in range(draw(st.integers(1, 3)))]
    tenants = [f"t{i}" for i in range(draw(st.integers(1, 3)))]
    policy = {
        "preset": draw(st.sampled_from(["ibm-2022", "ibm-2024"])),
        "interactive_timeout": draw(maybe(st.integers(0, 40).map(float))),
        "system_max_time": draw(st.sampled_from([150.0, 400.0, 28800.0])),
        "fair_share": draw(st.sampled_from([
            {"usage": "window", "window": 30.0}, {"usage": "window"},
            {"usage": "half_life", "half_life": 20.0}])),
    }
    if draw(st.booleans()):
        policy["default_max_execution_time"] = draw(st.integers(5, 60).map(float))
    sessions = []
    for i in range(draw(st.integers(0, 4))):
        sessions.append({
            "id": f"s{i}", "tenant": draw(st.sampled_from(tenants)),
            "backend": draw(st.sampled_from(backends)),
            "mode": draw(st.sampled_from(["dedicated", "batch"])),
            "max_time": draw(maybe(st.integers(1, 150).map(float))),
            "interactive_timeout": draw(maybe(st.integers(0, 40).map(float))),
            "close_at": draw(maybe(times)), "cancel_at": draw(maybe(times)),
            "open_at": draw(maybe(times)),
        })
    jobs = []
    for i in range(draw(st.integers(0, max_jobs))):
        tenant, backend, sid = owner(draw, sessions, tenants, backends)
        job = {"id": f"j{i}", "tenant": tenant, "backend": backend, "submit": draw(times),
               "session": sid, "max_execution_time": draw(maybe(st.integers(1, 50).map(float)))}
        if draw(st.integers(0, 4)) == 0:
            job["shots"] = draw(st.integers(1, 4000))
            job["circuit"] = draw(st.sampled_from(["ghz", "qft"]))
        else:
            job["duration"] = draw(durations)
        jobs.append(job)
    workloads = []
    for i in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["background", "interactive", "batch", "job_user"]))
        w = {"name": f"w{i}", "kind": kind, "tenant": draw(st.sampled_from(tenants)),
             "backend": draw(st.sampled_from(backends)), "start": draw(times),
             "duration": draw(st.sampled_from([5, {"dist": "exponential", "mean": 8},
                                               {"dist": "uniform", "low": 1, "high": 9}]))}
        if kind == "background":
            w.update(arrivals={"process": "poisson", "rate": 0.2}, count=draw(st.integers(0, 8)))
        elif kind == "batch":
            w.update(jobs=draw(st.integers(1, 4)), interval=draw(st.sampled_from([0, 3])),
                     mode=draw(st.sampled_from(["batch", "dedicated", "job"])))
        else:
            w.update(iterations=draw(st.integers(1, 4)), think_time=draw(st.sampled_from([0, 7])),
                     clients=draw(st.integers(1, 2)))
            if kind == "interactive":
                w["mode"] = draw(st.sampled_from(["dedicated", "batch", "job"]))
                w["max_time"] = draw(maybe(st.integers(5, 100).map(float)))
        workloads.append(w)
    return {"name": "prop", "seed": draw(st.integers(0, 2**32)), "policy": policy,
            "circuits": {"ghz": {"family": "ghz", "num_qubits": 2},
                         "qft": {"family": "qft", "num_qubits": 2}},
            "backends": [{"name": b} for b in backends],
            "tenants": [{"name": t, "share": draw(st.sampled_from([0.5, 1, 3]))}
                        for t in tenants],
            "sessions": sessions, "jobs": jobs, "workloads": workloads}


junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


@st.composite
def broken_scenarios(draw):
    """A valid document with one to three random edits: a value replaced, a key dropped or an
    unknown key added. Many results are still valid; the rest must be reported cleanly."""
    doc = copy.deepcopy(draw(valid_scenarios(max_jobs=6)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(junk)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "drop":
            parent.pop(path[-1])
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(junk)
    return doc
