"""The whole command line against the minimal SimPy model and the fair-share floor, each a
process of its own, fed the same jobs; and one million jobs: wall time and peak memory of all
three. Prints figures; asserts nothing."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import engine_bench

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _timed(cmd: list) -> float:
    """Wall seconds of one child process."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, timeout=3600,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - t0


def _references(tmp: Path, doc: dict) -> tuple[list, list]:
    """The commands of the minimal model and the floor, fed the jobs of the run of ``doc`` in
    ``tmp/out`` (by submit time)."""
    shares = {t["name"]: t.get("share", 1) for t in doc["tenants"]}
    jobs_in = tmp / "jobs_in.csv"
    with open(tmp / "out" / "jobs.csv", newline="") as f, open(jobs_in, "w") as g:
        rows = csv.DictReader(f)
        out = csv.writer(g, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "backend", "duration", "tenant"])
        out.writerows(sorted(((r["job_id"], float(r["submit_time"]), r["backend"],
                               float(r["duration"]), r["tenant"]) for r in rows),
                             key=lambda r: r[1]))
    model = [PY, str(ROOT / "benchmarks" / "fifo_model.py"), str(jobs_in),
             str(tmp / "model_out.csv")]
    floor = [PY, str(ROOT / "benchmarks" / "fairshare_floor.py"), str(jobs_in),
             str(tmp / "floor_out.csv"), str(tmp / "floor_events.csv"), json.dumps(shares)]
    return model, floor


def cli_vs_minimal(total_jobs: int = engine_bench.TOTAL_JOBS, repeats: int = 3) -> dict:
    """Best of ``repeats`` for each, interleaved so all see the same machine: the command line,
    the minimal SimPy model, and the fair-share floor (benchmarks/fairshare_floor.py: the
    leanest pure-Python fair-share loop we could write that writes a trace)."""
    doc = engine_bench.large_scenario(total_jobs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenario = tmp / "bench.yaml"
        scenario.write_text(yaml.safe_dump(doc))
        cli = [PY, "-m", "engine", "simulate", str(scenario), "--out", str(tmp / "out"),
               "--quiet"]
        _timed(cli)                             # also gives the jobs the model is fed
        model, floor = _references(tmp, doc)
        cli_s, model_s, floor_s = [], [], []
        for _ in range(repeats):
            cli_s.append(_timed(cli))
            model_s.append(_timed(model))
            floor_s.append(_timed(floor))
    return {"jobs": total_jobs, "cli_s": min(cli_s), "model_s": min(model_s),
            "floor_s": min(floor_s), "ratio": min(cli_s) / min(model_s),
            "floor_ratio": min(floor_s) / min(model_s)}


def million(total_jobs: int = 1_000_000) -> dict:
    """One million jobs through the command line: wall time and peak memory; and the minimal
    model and the floor fed the same jobs, once each (their time and peak memory)."""
    doc = engine_bench.large_scenario(total_jobs, sessions=10_000)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scenario = tmp / "million.yaml"
        scenario.write_text(yaml.safe_dump(doc))
        out = {"jobs": total_jobs}
        cli = [PY, "-m", "engine", "simulate", str(scenario), "--out", str(tmp / "out"),
               "--quiet"]
        out["seconds"], out["peak_bytes"] = _measured(cli)
        model, floor = _references(tmp, doc)
        out["model_s"], out["model_peak"] = _measured(model)
        out["floor_s"], out["floor_peak"] = _measured(floor)
    return out


def _measured(cmd: list) -> tuple[float, int]:
    """Wall seconds and peak memory (bytes) of one child process, measured by a parent of its
    own so the peak is that child's alone."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"subprocess.run({cmd!r}, check=True); "
            "print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)")
    r = subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=7200)
    seconds, peak = r.stdout.splitlines()[-1].split()
    return float(seconds), int(peak)


def lanes_vs_one(total_jobs: int = engine_bench.TOTAL_JOBS, repeats: int = 2) -> dict:
    """The 100k-job scenario as it is (one lane, no classical stage) and with today's service:
    5 lanes per backend and a 5-30 s classical stage per job (R19). Best of ``repeats`` each,
    interleaved, through the whole command line."""
    plain = engine_bench.large_scenario(total_jobs)
    lanes = engine_bench.large_scenario(total_jobs)
    for b in lanes["backends"]:
        b["lanes"] = 5
    for w in lanes["workloads"]:
        w["classical_time"] = {"dist": "uniform", "low": 5, "high": 30}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {}
        for name, doc in (("plain", plain), ("lanes", lanes)):
            (tmp / f"{name}.yaml").write_text(yaml.safe_dump(doc))
            runs[name] = [PY, "-m", "engine", "simulate", str(tmp / f"{name}.yaml"), "--out",
                          str(tmp / f"out_{name}"), "--quiet"]
        times = {name: [] for name in runs}
        for _ in range(repeats):
            for name, cmd in runs.items():
                times[name].append(_timed(cmd))
    plain_s, lanes_s = min(times["plain"]), min(times["lanes"])
    return {"jobs": total_jobs, "plain_s": plain_s, "lanes_s": lanes_s,
            "ratio": lanes_s / plain_s}
