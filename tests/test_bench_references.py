"""The two references `make bench` measures the command line against compute what they say:
the minimal SimPy model first-in first-out, the fair-share floor by usage / share (hand-worked:
shares, ties, running jobs counted)."""

import csv
import json
import subprocess
import sys

import pytest

from tests.golden import ROOT

# a and b of tenant t0 at 0 s, c of t1 at 1 s, 10 s each, one backend, equal shares.
JOBS = [("a", 0.0, "q", 10.0, "t0"), ("b", 0.0, "q", 10.0, "t0"), ("c", 1.0, "q", 10.0, "t1")]


def _run(tmp_path, script, jobs, *extra):
    src = tmp_path / "in.csv"
    with open(src, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "backend", "duration", "tenant"])
        out.writerows(jobs)
    dst = tmp_path / "out.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), str(src), str(dst),
                    *extra], check=True, timeout=60)
    with open(dst, newline="") as f:
        return {r["job_id"]: (float(r["start_time"]), float(r["end_time"]))
                for r in csv.DictReader(f)}


def test_minimal_model_is_first_in_first_out(tmp_path):
    assert _run(tmp_path, "fifo_model.py", JOBS) == {"a": (0, 10), "b": (10, 20), "c": (20, 30)}


def _floor(tmp_path, jobs, shares):
    return _run(tmp_path, "fairshare_floor.py", jobs, str(tmp_path / "events.csv"),
                json.dumps(shares))


@pytest.mark.parametrize("jobs, shares, expected", [
    # At 10 s t0 has used 10 s, t1 nothing: c goes before b.
    (JOBS, {"t0": 1, "t1": 1}, {"a": (0, 10), "c": (10, 20), "b": (20, 30)}),
    # Shares 1 and 3. At 0 s a tie (no usage, one submit time): the first submitted, a. At 30 s
    # t1 is at 30/3 = 10, t0 at 0: b. At 40 s both at 10: the earlier submit time, c (1 s)
    # before d (2 s). At 50 s t0 is at 10, t1 at 40/3: d.
    ([("a", 0.0, "q", 30.0, "t1"), ("b", 0.0, "q", 10.0, "t0"), ("c", 1.0, "q", 10.0, "t1"),
      ("d", 2.0, "q", 10.0, "t0")], {"t0": 1, "t1": 3},
     {"a": (0, 30), "b": (30, 40), "c": (40, 50), "d": (50, 60)}),
    # A running job counts: at 13 s on q2, t0's job on q1 has run 13 s, t1 has used 10 s, so
    # z goes before y though y came first.
    ([("L", 0.0, "q1", 100.0, "t0"), ("x", 3.0, "q2", 10.0, "t1"), ("y", 5.0, "q2", 10.0, "t0"),
      ("z", 6.0, "q2", 10.0, "t1")], {"t0": 1, "t1": 1},
     {"L": (0, 100), "x": (3, 13), "z": (13, 23), "y": (23, 33)}),
])
def test_floor_is_fair_share(tmp_path, jobs, shares, expected):
    assert _floor(tmp_path, jobs, shares) == expected
    with open(tmp_path / "events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * len(jobs)
    assert [r["event"] for r in rows].count("job_started") == len(jobs)
