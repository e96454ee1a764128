"""Small builders for hand-worked scenarios in tests, and the command line in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine import run_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, store=None, cwd=ROOT, timeout=300, preexec_fn=None):
    """``python -m engine ARGS`` as a user runs it, in a child process; ``store``: its run
    store file (else the test's own, from conftest)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    if store is not None:
        env["SESSION_LAB_STORE"] = str(store)
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env,
                          preexec_fn=preexec_fn)


def scenario(jobs=(), sessions=(), tenants=None, backends=("qpu_a",), policy=None,
             workloads=(), seed=0, name="test"):
    """A scenario document; tenants default to alice, bob, carol with share 1."""
    tenants = tenants or {"alice": 1, "bob": 1, "carol": 1}
    return {
        "name": name, "seed": seed,
        "policy": policy or {"preset": "ibm-2022", "interactive_timeout": 60},
        "backends": [{"name": b} for b in backends],
        "tenants": [{"name": t, "share": s} for t, s in tenants.items()],
        "sessions": list(sessions), "jobs": list(jobs), "workloads": list(workloads),
    }


def job(id, tenant, submit, duration, backend="qpu_a", session=None, **extra):
    return {"id": id, "tenant": tenant, "backend": backend, "submit": submit,
            "duration": duration, "session": session, **extra}


def session(id, tenant, backend="qpu_a", **extra):
    return {"id": id, "tenant": tenant, "backend": backend, **extra}


def run(doc):
    return run_scenario(validate_scenario(doc))


def times(result):
    """job id -> (start, end, status)."""
    out = {}
    for r in result.jobs.itertuples():
        start = None if r.start_time != r.start_time else r.start_time
        end = None if r.end_time != r.end_time else r.end_time
        out[r.job_id] = (start, end, r.status)
    return out


def session_row(result, sid):
    return result.sessions.set_index("session_id").loc[sid]


def events_of(result, event, session_id=None):
    ev = result.events[result.events["event"] == event]
    if session_id is not None:
        ev = ev[ev["session_id"] == session_id]
    return list(ev["time"])
