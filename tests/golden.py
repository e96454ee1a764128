"""Recorded outputs: the behaviour a restructure must keep, byte for byte.

``scenarios()`` gives every built-in scenario and GENERATED scenario documents drawn from fixed
seeds (plain ``random.Random``: the same documents on every machine and library version).
``digest(result)`` is a SHA-256 per table over a canonical rendering of its rows (column names,
then each value: floats by ``repr``, missing values empty), so it holds the exact numbers
whatever writer or dtype carries them. ``tests/golden/traces.json`` holds the digests;
``python -m tests.golden`` records them again (only when a change of behaviour is intended, and
said so in its commit).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "golden" / "traces.json"
GENERATED = 300


def _time(rng: random.Random) -> float:
    """Times that collide (whole numbers) and times that do not (tenths, odd floats)."""
    kind = rng.random()
    if kind < 0.4:
        return float(rng.randint(0, 60))
    if kind < 0.8:
        return rng.randint(0, 600) / 10
    return round(rng.uniform(0, 60), 6)


def generated(seed: int) -> dict:
    rng = random.Random(seed)
    backends = [f"b{i}" for i in range(rng.randint(1, 3))]
    tenants = [f"t{i}" for i in range(rng.randint(1, 4))]
    policy = {"preset": rng.choice(["ibm-2022", "ibm-2024"]),
              "fair_share": rng.choice([{"usage": "window", "window": 40.0},
                                        {"usage": "window"},
                                        {"usage": "half_life", "half_life": 25.0}]),
              "execution": "none"}
    if rng.random() < 0.6:
        policy["interactive_timeout"] = float(rng.choice([0, 3, 10, 30]))
    if rng.random() < 0.3:
        policy["default_max_execution_time"] = float(rng.randint(5, 40))
    if rng.random() < 0.3:
        policy["system_max_time"] = float(rng.choice([60, 150, 400]))
    sessions = []
    for i in range(rng.randint(0, 4)):
        s = {"id": f"s{i}", "tenant": rng.choice(tenants), "backend": rng.choice(backends),
             "mode": rng.choice(["dedicated", "dedicated", "batch"])}
        for key, p in (("max_time", 0.3), ("interactive_timeout", 0.3), ("close_at", 0.4),
                       ("cancel_at", 0.15), ("open_at", 0.2)):
            if rng.random() < p:
                s[key] = _time(rng) + (1 if key == "max_time" else 0)
        if "max_time" in s and s["max_time"] > policy.get("system_max_time", 28800):
            del s["max_time"]
        sessions.append(s)
    jobs = []
    for i in range(rng.randint(0, 30)):
        if sessions and rng.random() < 0.5:
            s = rng.choice(sessions)
            tenant, backend, sid = s["tenant"], s["backend"], s["id"]
        else:
            tenant, backend, sid = rng.choice(tenants), rng.choice(backends), None
        job = {"id": f"j{i}", "tenant": tenant, "backend": backend, "submit": _time(rng),
               "session": sid}
        if rng.random() < 0.15:
            job["shots"] = rng.randint(1, 4000)   # the shape-only timing model
        else:
            job["duration"] = rng.choice([0.0, float(rng.randint(1, 20)), _time(rng) / 3])
        if rng.random() < 0.2:
            job["max_execution_time"] = float(rng.randint(1, 25))
        jobs.append(job)
    workloads = []
    for i in range(rng.randint(0, 3)):
        kind = rng.choice(["background", "interactive", "batch", "job_user"])
        w = {"name": f"w{i}", "kind": kind, "tenant": rng.choice(tenants),
             "backend": rng.choice([rng.choice(backends), backends]), "start": _time(rng),
             "duration": rng.choice([5, {"dist": "exponential", "mean": 8},
                                     {"dist": "uniform", "low": 1, "high": 9},
                                     {"dist": "lognormal", "mean": 6, "sigma": 0.7}])}
        if kind == "background":
            w["arrivals"] = rng.choice([{"process": "poisson", "rate": 0.3},
                                        {"process": "periodic", "interval": 2.5}])
            if rng.random() < 0.5:
                w["count"] = rng.randint(0, 25)
            else:
                w["until"] = w["start"] + rng.randint(0, 60)
        elif kind == "batch":
            w.update(jobs=rng.randint(1, 6), interval=rng.choice([0, 1.5, 4]),
                     mode=rng.choice(["batch", "dedicated", "job"]))
        else:
            w.update(iterations=rng.randint(1, 5),
                     think_time=rng.choice([0, 3, 12, {"dist": "exponential", "mean": 20}]),
                     clients=rng.randint(1, 3))
            if w["clients"] > 1 and rng.random() < 0.5:
                w["arrivals"] = {"process": "poisson", "rate": 0.1}
            if kind == "interactive":
                w["mode"] = rng.choice(["dedicated", "batch", "job"])
                if rng.random() < 0.3:
                    w["max_time"] = float(rng.randint(10, 60))
        if rng.random() < 0.3:
            w["max_execution_time"] = float(rng.randint(5, 30))
        workloads.append(w)
    return {"name": f"golden-{seed}", "seed": seed, "policy": policy,
            "backends": [{"name": b} for b in backends],
            "tenants": [{"name": t, "share": rng.choice([0.5, 1, 2, 3])} for t in tenants],
            "sessions": sessions, "jobs": jobs, "workloads": workloads}


def scenarios() -> dict:
    """name -> Scenario: the built-in ones (from their files) and the generated ones."""
    from engine import load_scenario, validate_scenario

    out = {p.stem: load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))}
    for seed in range(GENERATED):
        out[f"generated-{seed}"] = validate_scenario(generated(seed))
    return out


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if hasattr(v, "item"):          # numpy scalars
        return _cell(v.item())
    try:
        import pandas as pd

        if v is pd.NA:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return str(v)


# Columns added with today's service (R19-R22). A scenario that uses none of its keys runs
# exactly as before, so its recording covers every other column; the new ones are held by the
# rule tests (tests/test_today.py).
ADDED = {"jobs": ["qpu_start_time", "qpu_end_time", "usage", "classical_time", "ready_time",
                  "qpu_wait", "in_progress"],
         "tenants": ["charged", "limit_held"],
         "backends": ["system_share", "reserved_share", "mean_lanes_busy", "lanes"]}


def digest(result) -> dict:
    """Per table, a SHA-256 of its column names and every row's values, rendered canonically."""
    out = {}
    for name, df in result.tables().items():
        df = df.drop(columns=[c for c in ADDED.get(name, ()) if c in df.columns])
        h = hashlib.sha256()
        h.update("\x1f".join(map(str, df.columns)).encode())
        for row in df.itertuples(index=False, name=None):
            h.update(b"\x1e" + "\x1f".join(_cell(v) for v in row).encode())
        out[name] = h.hexdigest()
    return out


def as_before(sc):
    """The scenario under the rules as they were recorded: R14's batch timeout (1 s in
    ``ibm-2024`` since IBM documented it) unset, so a batch never deactivates. Nothing else
    changed for a scenario that uses none of R19-R22's keys."""
    from engine import validate_scenario
    from engine.model import scenario_to_dict

    doc = scenario_to_dict(sc)
    doc.setdefault("policy", {})["batch_interactive_timeout"] = None
    return validate_scenario(doc, base_dir=sc.base_dir)


def record() -> dict:
    from engine import run_scenario

    return {name: digest(run_scenario(as_before(sc))) for name, sc in scenarios().items()}


if __name__ == "__main__":
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
    print(f"recorded {RECORD}")
