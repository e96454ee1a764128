"""`make bench`: Session Lab's speed figures in one run. Prints; asserts nothing.

Run from the repository root: `python benchmarks/run.py`.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aer_bench  # noqa: E402
import api_bench  # noqa: E402
import cli_bench  # noqa: E402
import ui_bench  # noqa: E402
import engine_bench  # noqa: E402
import sweep_bench  # noqa: E402


def main() -> None:
    print(f"Session Lab benchmarks  (Python {platform.python_version()}, "
          f"{platform.machine()}, {Path('/proc/cpuinfo').exists() and _cpu() or ''})")
    print()
    print("1. Engine throughput: 100k jobs, 4 backends, 8 tenants, 1,000 sessions, no circuits")
    r = engine_bench.throughput()
    print(f"   jobs {r['jobs']:,}, sessions {r['sessions']:,}, trace events {r['events']:,}")
    print(f"   engine (build {r['engine_build_s']:.2f} s + run {r['engine_run_s']:.2f} s) "
          f"{r['engine_s']:6.2f} s  {r['engine_jobs_per_s']:>9,.0f} jobs/s")
    print(f"   minimal SimPy FIFO model          {r['fifo_s']:6.2f} s  "
          f"{r['fifo_jobs_per_s']:>9,.0f} jobs/s")
    print(f"   ratio engine / FIFO               {r['ratio']:6.2f}x   (target <= 2x)")
    print(f"   tables and metrics afterwards     {r['tables_s']:6.2f} s")
    print()
    print("2. Cost of one scheduling decision vs backlog (one backend, 8 tenants)")
    costs = {n: engine_bench.decision_cost(n) for n in (1_000, 10_000, 100_000)}
    for n, c in costs.items():
        print(f"   backlog {n:>7,}: {c * 1e6:7.2f} us per decision")
    print(f"   100k / 1k ratio: {costs[100_000] / costs[1_000]:.2f}x   (target <= 2x, flat)")
    print()
    print(f"3. Executing {aer_bench.N_CIRCUITS} circuits on Aer ({aer_bench.QUBITS} qubits, "
          f"depth {aer_bench.DEPTH}, {aer_bench.SHOTS} shots, one job each; best of 3)")
    a = aer_bench.engine_vs_direct()
    print(f"   engine (scenario to tables)       {a['engine_s']:6.2f} s")
    print(f"   transpile + Aer SamplerV2 direct  {a['direct_s']:6.2f} s")
    print(f"   ratio engine / direct             {a['ratio']:6.2f}x   (target <= 1.2x)")
    print()
    print("4. R15 compile cache in real seconds (per circuit, 40 distinct circuits)")
    c = aer_bench.compile_cache()
    print(f"   miss (transpile)                  {c['miss_s'] * 1e3:7.2f} ms")
    print(f"   hit (QPY digest + lookup)         {c['hit_s'] * 1e3:7.2f} ms   "
          f"({c['speedup']:.0f}x faster)")
    print(f"   in simulated time: a miss adds compile_time = {c['sim_compile_s']:.1f} s of QPU "
          f"time to its job, a hit adds 0")
    print()
    print("5. Timeline figure: build + serialisation (JSON for the browser), best of 3")
    for n in (1_000, 10_000, 50_000):
        _, result = ui_bench.trace_of(n)
        f = ui_bench.figure_cost(result)
        print(f"   {n:>6,} jobs: build {f['build_s']:5.2f} s + JSON {f['json_s']:5.2f} s = "
              f"{f['total_s']:5.2f} s, {f['bytes'] / 1e6:5.2f} MB"
              f"{'  (WebGL)' if f['webgl'] else ''}")
    print("   target at 50k jobs: under 0.5 s and under 8 MB")
    print()
    print("6. Browser: page open to the Timeline's charts drawn (Chromium, 1400x1000; first = "
          "the server simulates too; cached: median of 5 new browser sessions)")
    for label, path, target in (
            ("default scenario (seed-story)", None, 1.5),
            ("200k-job scenario", ui_bench.big_scenario_file(200_000), 3.0)):
        b = ui_bench.browser_time_to_gantt(path, window=True)
        print(f"   {label:<30} first visit {b['first_s']:5.2f} s, run cached {b['warm_s']:5.2f} s"
              f"   (target under {target:g} s)")
        print(f"   {'':<30} of which Streamlit's own page load (to the sidebar) "
              f"{b['floor_s']:5.2f} s")
        if b["window_s"] is not None:
            print(f"   {'':<30} a window moved to its detail redrawn {b['window_s']:5.2f} s"
                  f"   (target under 1 s)")
    floor = ui_bench.one_chart_floor()
    print(f"   reference: a Streamlit app of one two-bar chart, drawn by st.plotly_chart "
          f"{floor['plotly']:5.2f} s, by plotly.js's basic bundle (the Timeline's) "
          f"{floor['plotly-basic']:5.2f} s, by Vega-Lite {floor['vega-lite']:5.2f} s")
    _sweep_section()
    _cli_section()


def _cli_section() -> None:
    print()
    print("8. The whole command line vs the minimal SimPy model, each a process fed the same "
          "100k jobs (best of 3)")
    c = cli_bench.cli_vs_minimal()
    print(f"   python -m engine simulate ... --out   {c['cli_s']:6.2f} s")
    print(f"   benchmarks/fifo_model.py (CSV in/out) {c['model_s']:6.2f} s")
    print(f"   ratio command line / minimal model    {c['ratio']:6.2f}x   (target <= 1.0x)")
    print("   reference: benchmarks/fairshare_floor.py, the leanest pure-Python fair-share loop "
          "we could write that writes a trace")
    print(f"   (no sessions, validation or other tables)   {c['floor_s']:6.2f} s, "
          f"{c['floor_ratio']:.2f}x the minimal model")
    print()
    print("9. One million jobs through the command line (one run each)")
    m = cli_bench.million()
    print(f"   {m['jobs']:,} jobs: {m['seconds']:6.1f} s, peak memory "
          f"{m['peak_bytes'] / 2**30:5.2f} GiB   (target under 12 s and under 1 GiB)")
    print(f"   the same jobs: minimal SimPy model {m['model_s']:6.1f} s, "
          f"{m['model_peak'] / 2**30:5.2f} GiB; fair-share floor {m['floor_s']:6.1f} s, "
          f"{m['floor_peak'] / 2**30:5.2f} GiB (its events held, not spilled)")
    print()
    print("10. Today's service: the 100k-job scenario with 5 lanes and a classical stage (R19)")
    t = cli_bench.lanes_vs_one()
    print(f"   one lane, no classical stage      {t['plain_s']:6.2f} s")
    print(f"   5 lanes, 5-30 s classical stage   {t['lanes_s']:6.2f} s")
    print(f"   ratio lanes / one lane            {t['ratio']:6.2f}x   (two events more per job, "
          f"logged)")
    print()
    print(f"11. The client API: a {api_bench.JOBS:,}-job script (Sampler in a session, "
          f"result() each time) against the same circuits on Aer directly")
    a = api_bench.overhead()
    print(f"   engine.runtime script             {a['api_s']:6.2f} s")
    print(f"   Aer SamplerV2 directly            {a['direct_s']:6.2f} s")
    print(f"   overhead per job                  {a['per_job_ms']:6.2f} ms  "
          f"(ratio {a['ratio']:.2f}x; below 1 when the engine's Aer call, on its own thread, "
          f"saves more than the service costs: run() there starts a thread per job)")


def _sweep_section() -> None:
    print()
    print(f"7. Sweep: {sweep_bench.VARIANTS} variants (seeds) of a {sweep_bench.JOBS:,}-job "
          f"scenario")
    w = sweep_bench.sweep_times()
    print(f"   serial (one process)              {w['serial_s']:6.2f} s")
    print(f"   parallel ({w['workers']} spawned processes)      {w['parallel_s']:6.2f} s   "
          f"({w['speedup']:.2f}x; identical results: {w['identical']})")


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return ""


if __name__ == "__main__":  # guarded: the sweep's spawned processes import this module
    main()
