"""The two references `make bench` measures the command line against compute what they say:
the minimal SimPy model first-in first-out, the fair-share floor by usage / share (hand-worked)."""

import csv
import json
import subprocess
import sys

from tests.golden import ROOT

# a and b of tenant t0 at 0 s, c of t1 at 1 s, 10 s each, one backend, equal shares.
JOBS = [("a", 0.0, "q", 10.0, "t0"), ("b", 0.0, "q", 10.0, "t0"), ("c", 1.0, "q", 10.0, "t1")]


def _run(tmp_path, script, *extra):
    src = tmp_path / "in.csv"
    with open(src, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "backend", "duration", "tenant"])
        out.writerows(JOBS)
    dst = tmp_path / "out.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), str(src), str(dst),
                    *extra], check=True, timeout=60)
    with open(dst, newline="") as f:
        return {r["job_id"]: (float(r["start_time"]), float(r["end_time"]))
                for r in csv.DictReader(f)}


def test_minimal_model_is_first_in_first_out(tmp_path):
    assert _run(tmp_path, "fifo_model.py") == {"a": (0, 10), "b": (10, 20), "c": (20, 30)}


def test_floor_is_fair_share(tmp_path):
    # At 10 s t0 has used 10 s, t1 nothing: c goes before b.
    got = _run(tmp_path, "fairshare_floor.py", str(tmp_path / "events.csv"),
               json.dumps({"t0": 1, "t1": 1}))
    assert got == {"a": (0, 10), "c": (10, 20), "b": (20, 30)}
    with open(tmp_path / "events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9 and [r["event"] for r in rows].count("job_started") == 3
