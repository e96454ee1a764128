"""Command line: ``python -m engine simulate|validate|runs|sweep|advise|estimate|replay-log``.

A scenario that breaks the format exits with status 2 and one line on standard error naming the
key and the value; nothing is written. Results go to ``--out`` only when the run has finished,
whole or not at all, and a run kept in the store (``--save``) is kept whole or not at all; the
two are separate steps, ``--out`` first. Ctrl-C exits with status 130 and ``error:
interrupted``, leaving each of them whole (an earlier run, or the new one). A sweep with failed
variants exits with status 1; ``sweep --save`` keeps each variant in a transaction of its own.
About 510 lines: the parser and the seven commands' printing, which share its error handling.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import MISSING as NO_DEFAULT
from pathlib import Path

from .model import ScenarioError
from .validation import load_scenario

EXIT_FAILED = 1          # a sweep ran, but some variants failed
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m engine",
                                description="Session Lab: simulate a quantum cloud's scheduler.")
    sub = p.add_subparsers(dest="command", required=True)
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", action="append", default=[], metavar="DIR",
                          help="also let qasm: and trace: paths name files under DIR (by "
                               "default only the scenario file's own folder); repeatable")
    data_dir.add_argument("--allow-code", action="store_true",
                          help="let policy.scheduler name a scheduler of your own "
                               "(package.module:Class, looked for in the scenario's folder "
                               "first): it runs that Python code")
    sim = sub.add_parser("simulate", help="run a scenario and write its trace",
                         parents=[data_dir])
    sim.add_argument("scenario", help="scenario file (.yaml, .yml or .json)")
    sim.add_argument("--out", required=True, help="folder for jobs.csv, sessions.csv, events.csv")
    sim.add_argument("--format", default="csv", choices=["csv", "parquet", "both"],
                     help="file format of the tables (default csv)")
    sim.add_argument("--quiet", action="store_true", help="print no summary or progress")
    sim.add_argument("--save", nargs="?", const="", default=None, metavar="NAME",
                     help="also keep the run in the run store (under NAME, default the "
                          "scenario's name)")
    sim.add_argument("--store", help="run store file (default: SESSION_LAB_STORE or the user "
                                     "data directory)")
    val = sub.add_parser("validate", help="check a scenario file and say what it contains",
                         parents=[data_dir])
    val.add_argument("scenario")

    runs = sub.add_parser("runs", help="the run store: list, show, export, rename, delete")
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", help="run store file (default: SESSION_LAB_STORE or the "
                                       "user data directory)")
    rsub = runs.add_subparsers(dest="runs_command", required=True)
    rsub.add_parser("list", help="every stored run, newest first", parents=[store])
    show = rsub.add_parser("show", help="one run's summary", parents=[store])
    show.add_argument("run", help="run id or name")
    exp = rsub.add_parser("export", help="write a run's tables as simulate --out does",
                          parents=[store])
    exp.add_argument("run")
    exp.add_argument("--out", required=True)
    exp.add_argument("--format", default="csv", choices=["csv", "parquet", "both"])
    ren = rsub.add_parser("rename", help="give a run a new name", parents=[store])
    ren.add_argument("run")
    ren.add_argument("name")
    dele = rsub.add_parser("delete", help="remove a run", parents=[store])
    dele.add_argument("run")

    sw = sub.add_parser("sweep", help="run a scenario over values of one or more fields",
                        parents=[data_dir])
    sw.add_argument("scenario")
    sw.add_argument("--set", action="append", required=True, metavar="FIELD=V1,V2,...",
                    help="a field (interactive_timeout, max_time, mode, seed, or a path such "
                         "as tenants[1].share) and its values; repeat for a factorial sweep")
    sw.add_argument("--workers", type=int, default=None,
                    help="local processes (default: one per CPU; 1 runs them in turn)")
    sw.add_argument("--dask", default=None,
                    help="Dask scheduler address (default: SESSION_LAB_DASK; none: local)")
    sw.add_argument("--out", help="write the sweep table here (CSV)")
    sw.add_argument("--save", action="store_true", help="keep every variant in the run store")
    sw.add_argument("--store", help="run store file")

    adv = sub.add_parser("advise", help="session, batch or plain jobs? runs each mode of an "
                                        "iterative workload on a busy backend and answers")
    from .advisor import Workload

    _add_fields(adv, Workload, ADVISE_FLAGS)
    adv.add_argument("--json", action="store_true", help="the answer as JSON")

    est = sub.add_parser("estimate", parents=[data_dir],
                         help="when would a job (or a session) submitted at a moment start and "
                              "finish, under a scenario's load? P50/P90 over replications")
    est.add_argument("scenario", help="scenario file: the load (its workloads, jobs, sessions)")
    from .estimate import Probe

    _add_fields(est, Probe, ESTIMATE_FLAGS)
    est.add_argument("--replications", type=int, default=20,
                     help="seeds to run, from the scenario's seed up (default: %(default)s)")
    est.add_argument("--json", action="store_true", help="the estimate as JSON")

    rl = sub.add_parser("replay-log", parents=[data_dir],
                        help="replay a job log with observed queue times (Ravi et al.'s IBM "
                             "log layout, or a service.jobs() export) and report how close "
                             "the simulated queue times come")
    rl.add_argument("log", help="the log, CSV (engine/joblog.py says the columns)")
    rl.add_argument("--load", metavar="SCENARIO",
                    help="a scenario whose work the log's jobs join (its backends named as the "
                         "log's machines); default: the log's jobs alone")
    rl.add_argument("--start", type=float, default=0.0,
                    help="seconds into the scenario the log's first job comes (default 0)")
    rl.add_argument("--out", help="also write the report here (Markdown)")
    rl.add_argument("--json", action="store_true", help="the report as JSON")
    return p


def _add_fields(parser: argparse.ArgumentParser, cls, flags: list) -> None:
    """A flag per field of the dataclass ``cls`` (``--think-time`` for ``think_time``): its
    default the field's, required where the field has none."""
    from dataclasses import fields

    defaults = {f.name: f.default for f in fields(cls)}
    for flag, kind, text in flags:
        default = defaults[flag[2:].replace("-", "_")]
        if default is NO_DEFAULT:
            parser.add_argument(flag, type=kind, required=True, help=text)
        else:
            parser.add_argument(flag, type=kind, default=default,
                                help=text + " (default: %(default)s)")


def _field_values(args, flags: list) -> dict:
    return {f[2:].replace("-", "_"): getattr(args, f[2:].replace("-", "_")) for f, *_ in flags}


def _as_flag(exc: ScenarioError, names) -> ScenarioError:
    """A refusal naming a field given by a flag, named as the flag the user typed."""
    if exc.key in names:
        return ScenarioError("--" + exc.key.replace("_", "-"), exc.value, exc.message)
    return exc


# advise's flags: (flag, type, help); each defaults to engine.advisor.Workload's field.
ADVISE_FLAGS = [
    ("--iterations", int, "jobs in the loop"),
    ("--think-time", float, "seconds from a result to the next job"),
    ("--qpu-time", float, "QPU seconds per job"),
    ("--classical-time", float, "classical seconds per job in its lane (R19)"),
    ("--plan", str, "premium, flex, pay_as_you_go or open (R22)"),
    ("--preset", str, "ibm-2022, ibm-2024 or ibm-2026"),
    ("--interactive-timeout", float, "seconds a session waits idle (R6; none: the preset's)"),
    ("--load", float, "share of the backend's time others keep it busy"),
    ("--others-job", float, "mean QPU seconds of the others' jobs"),
    ("--seeds", int, "replications, each with its own arrivals"),
    ("--seed", int, "the first seed"),
]

# estimate's flags: (flag, type, help); each defaults to engine.estimate.Probe's field.
ESTIMATE_FLAGS = [
    ("--backend", str, "the backend it is submitted to"),
    ("--at", float, "when it is submitted, seconds from the scenario's start"),
    ("--duration", float, "QPU seconds per job"),
    ("--classical-time", float, "classical seconds per job in its lane, before the QPU (R19)"),
    ("--iterations", int, "jobs, each submitted after the last one's result"),
    ("--think-time", float, "seconds from a result to the next job"),
    ("--mode", str, "job, dedicated (a session) or batch"),
    ("--tenant", str, "whose work: a tenant of the scenario, or a new one"),
    ("--share", float, "a new tenant's share"),
    ("--plan", str, "a new tenant's plan: premium, flex, pay_as_you_go or open"),
]


def _fmt(x, unit="s") -> str:
    if x is None or x != x:  # None or NaN
        return "-"
    return f"{x:,.1f} {unit}".strip()


def _pct(x) -> str:
    return "-" if x is None or x != x else f"{x:.1%}"


def _summary_lines(result) -> list[str]:
    s = result.summary
    st = s["status"]
    lines = [
        f"{result.scenario.name}: {s['jobs']:,} jobs ({st['completed']:,} completed, "
        f"{st['failed']:,} failed, {st['cancelled']:,} cancelled, {st['rejected']:,} rejected); "
        f"last job ended at {_fmt(s['last_job_end'])}",
        f"  wait: mean {_fmt(s['wait_mean'])}, p50 {_fmt(s['wait_p50'])}, "
        f"p95 {_fmt(s['wait_p95'])}",
    ]
    if s["sessions"]:
        ends = ", ".join(f"{n} {k}" for k, n in sorted(s["session_ends"].items()))
        lines.append(f"  sessions: {s['sessions']} ({ends})")
    if s["clients"]:
        lines.append(f"  clients: {s['clients_done']}/{s['clients']} finished; mean "
                     f"time-to-solution {_fmt(s['time_to_solution_mean'])}")
    lines.append("  tenant        share  alloc  achieved  contended   wait p50   wait p95")
    for _, t in result.tenants.iterrows():
        lines.append(f"  {t['tenant'][:12]:<12} {t['share']:>6g} {t['allocation']:>6.1%} "
                     f"{_pct(t['achieved_share']):>9} {_pct(t['contended_share']):>10} "
                     f"{_fmt(t['wait_p50']):>10} {_fmt(t['wait_p95']):>10}")
    lines.append(f"  (achieved: share of all usage; contended: QPU share during the "
                 f"{_fmt(s['contended_time'])} when every tenant had work waiting or running)")
    lines.append("  backend       util  reserved-idle")
    for _, b in result.backends.iterrows():
        lines.append(f"  {b['backend'][:12]:<12} {_pct(b['utilisation']):>5} "
                     f"{_fmt(b['reserved_idle']):>14}")
    return lines


FORMATS = {"csv": ["csv"], "parquet": ["parquet"], "both": ["csv", "parquet"]}


def _path_error(flag: str, where, message: str) -> ScenarioError:
    """``error: --out = 'PATH': message``, the path in full."""
    from .output import PathError

    return PathError(flag, str(where), message)


def _cannot_write(flag: str, where, exc: OSError) -> ScenarioError:
    return _path_error(flag, where, f"cannot write: {exc.strerror or exc}")


def _write_run(result, out: str, fmt: str) -> list:
    """A run's files to ``--out``, whole or not at all; refusals and OS errors as one line."""
    from .output import FolderRefused

    try:
        return result.write(out, FORMATS[fmt])
    except FolderRefused as exc:
        raise _path_error("--out", out, exc.message) from None
    except OSError as exc:
        raise _cannot_write("--out", out, exc) from None


def _check_out(out: str) -> None:
    """Refuse an ``--out`` the run could not be written to, before running anything."""
    from .run import check_out
    from .output import FolderRefused

    try:
        check_out(out)
    except FolderRefused as exc:
        raise _path_error("--out", out, exc.message) from None
    except OSError as exc:
        raise _path_error("--out", out, f"cannot read: {exc.strerror or exc}") from None


def _load(args):
    """The scenario file, with its folder (and any --data-dir) as where its files come from.
    ``--allow-code`` is passed on through the environment, so sweep workers have it too."""
    if getattr(args, "allow_code", False):
        from .schedulers import ALLOW_CODE_ENV

        os.environ[ALLOW_CODE_ENV] = "1"
    roots = []
    for d in args.data_dir:
        if not Path(d).is_dir():
            raise ScenarioError("--data-dir", d, "not a folder")
        roots.append(d)
    return load_scenario(args.scenario, roots=roots)


def _spill_file(out: Path) -> str:
    """A new, empty file for a run's events: beside ``out`` when its folder exists (the same
    file system, so no copy is made), else in the temporary folder."""
    import tempfile

    from .output import fresh_file

    parent = out.resolve().parent
    for folder in ([parent] if parent.is_dir() else []) + [Path(tempfile.gettempdir())]:
        try:
            return str(fresh_file(folder, f".{out.name}.events"))
        except OSError:
            continue
    raise _cannot_write("--out", str(out), OSError("no folder to write the run's events in"))


def _simulate(args) -> int:
    scenario = _load(args)   # refused before pandas, SimPy or qiskit is imported
    # A one-shot process whose objects all live to the end: the cyclic collector would only
    # rescan millions of them as the trace grows (a third of a million-job run's time).
    gc.disable()
    from .run import run_scenario

    out = Path(args.out)
    _check_out(args.out)
    store = None
    if args.save is not None:  # a bad name or store file is refused before the run
        from .store import RunStore, check_name

        if args.save:
            check_name(args.save)
        store = RunStore(args.store)
    bar = None
    progress = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="job", desc="simulating", delay=1.0, leave=False,
                   dynamic_ncols=True)

        def progress(done: int, expected: int) -> None:
            bar.total = expected
            bar.update(done - bar.n)
    # Events go to a file as the run makes them, never held whole (a million jobs make three
    # million), where the run is only written as CSV: beside --out, so the folder's events.csv
    # is that file under a second name.
    spill = None
    if store is None and args.format == "csv":
        spill = _spill_file(out)
    t0 = time.perf_counter()
    try:
        from .tables import SpillFailed

        try:
            result = run_scenario(scenario, progress=progress, events_file=spill)
        except SpillFailed as exc:   # the disk filled under the run's events
            raise _cannot_write("--out", args.out, exc) from None
        finally:
            if bar is not None:
                bar.close()
        written = _write_run(result, args.out, args.format)
    finally:
        if spill is not None and os.path.exists(spill):
            os.unlink(spill)
    if store is not None:
        run_id = store.save(result, name=args.save or None, source="cli")
    if not args.quiet:
        for line in _summary_lines(result):
            print(line)
        print(f"  {len(written)} files in {out} ({time.perf_counter() - t0:.2f} s)")
        if args.save is not None:
            print(f"  kept in the run store as run {run_id}")
    return 0


def _runs(args) -> int:
    from .store import RunStore

    store = RunStore(args.store)
    cmd = args.runs_command
    if cmd == "list":
        df = store.list()
        if df.empty:
            print(f"no runs in {store.path}")
            return 0
        print(f"{'id':>4}  {'name':<34} {'created (UTC)':<19} {'source':<8} {'jobs':>8} "
              f"{'wait p95':>10}")
        for r in df.itertuples(index=False):
            print(f"{r.id:>4}  {str(r.name)[:34]:<34} {r.created:%Y-%m-%d %H:%M:%S} "
                  f"{str(r.source)[:8]:<8} {r.jobs:>8,} {_fmt(r.wait_p95):>10}")
        return 0
    if cmd == "show":
        result = store.load(args.run)
        for line in _summary_lines(result):
            print(line)
        return 0
    if cmd == "export":
        _check_out(args.out)
        written = _write_run(store.load(args.run), args.out, args.format)
        print(f"{len(written)} files in {args.out}")
        return 0
    if cmd == "rename":
        store.rename(args.run, args.name)
        print(f"run {args.run} is now {args.name!r}")
        return 0
    store.delete(args.run)
    print(f"deleted run {args.run}")
    return 0


def _sweep(args) -> int:
    scenario = _load(args)
    from . import sweep

    sets = [sweep.parse_set(s) for s in args.set]
    plan = sweep.variants(scenario, sets)
    store = None
    if args.save:  # a bad store file is refused before anything runs
        from .store import RunStore

        store = RunStore(args.store)
    print(f"{len(plan)} variants of {scenario.name!r}", file=sys.stderr)
    t0 = time.perf_counter()
    results = sweep.run_variants([sc for _, sc in plan], workers=args.workers, dask=args.dask)
    table = sweep.table([a for a, _ in plan], results)
    failed = sum(not sweep.succeeded(r) for r in results)
    shown = table if failed else table.drop(columns=["error"])
    print(shown.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    if args.out:
        from .output import write_file

        try:
            write_file(Path(args.out), lambda tmp: table.to_csv(tmp, index=False))
        except OSError as exc:
            raise _cannot_write("--out", args.out, exc) from None
    if store is not None:  # only the variants that ran: a failed one has nothing to keep
        for (_, sc), r in zip(plan, results):
            if sweep.succeeded(r):
                store.save(r, name=sc.name, source="sweep")
    print(f"{len(plan)} runs in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(plan)} variants failed (status 'failed', the reason in "
              f"'error')", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _validate(args) -> int:
    sc = _load(args)
    if sc.circuits:  # what simulate would refuse before running: a circuit it cannot read
        from .payloads import Payloads

        Payloads(sc, {}).build_all()
    kinds = {}
    for w in sc.workloads:
        kinds[w.kind] = kinds.get(w.kind, 0) + 1
    expected = len(sc.jobs) + sum(w.expected_jobs() for w in sc.workloads)
    print(f"{args.scenario}: valid scenario {sc.name!r} (preset {sc.policy.preset}): "
          f"{len(sc.backends)} backends, {len(sc.tenants)} tenants, {len(sc.sessions)} sessions, "
          f"{len(sc.jobs)} jobs, workloads {kinds or 'none'}; about {expected:,.0f} jobs in all")
    return 0


def _advise(args) -> int:
    import json

    from .advisor import Workload, advise

    fields = _field_values(args, ADVISE_FLAGS)
    try:
        answer = advise(Workload(**fields))
    except ScenarioError as exc:
        raise _as_flag(exc, fields) from None
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2))
        return 0
    for line in answer.words:
        print(line)
    print(f"\n{'mode':<10} {'time to solution (s)':>22} {'charged (s)':>18} "
          f"{'others wait (s)':>18}")
    for r in answer.table():
        if r["refused"]:
            print(f"{r['mode']:<10} {r['refused']}")
            continue
        cells = [f"{r[k]:,.0f} ± {r[k + '_ci95']:,.0f}"
                 for k in ("time_to_solution", "charged", "others_wait")]
        print(f"{r['mode']:<10} {cells[0]:>22} {cells[1]:>18} {cells[2]:>18}")
    return 0


def _estimate(args) -> int:
    import json

    from .estimate import Probe, estimate

    scenario = _load(args)
    fields = _field_values(args, ESTIMATE_FLAGS)

    def counted(done: int, total: int) -> None:
        print(f"\r{done}/{total} replications", end="" if done < total else "\n",
              file=sys.stderr, flush=True)

    try:
        answer = estimate(scenario, Probe(**fields), args.replications,
                          counted if not args.json and sys.stderr.isatty() else None)
    except ScenarioError as exc:
        raise _as_flag(exc, [*fields, "replications"]) from None
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2))
        return 0
    for line in answer.words():
        print(line)
    print(f"\n{'seconds':<16} {'P50':>12} {'P90':>12} {'mean':>12} {'least':>12} "
          f"{'most':>12}")
    for r in answer.table():
        cells = ["-" if r[k] is None else f"{r[k]:,.1f}"
                 for k in ("p50", "p90", "mean", "low", "high")]
        print(f"{r['measure'].replace('_', ' '):<16} " + " ".join(f"{c:>12}" for c in cells))
    return 0


def _replay_log(args) -> int:
    import json

    from .joblog import read_log
    from .logreplay import validate_log

    log = read_log(args.log)
    load = None
    if args.load is not None:
        args.scenario = args.load
        try:
            load = _load(args)
        except ScenarioError as exc:
            raise ScenarioError("--load", args.load, exc.message if exc.key == "(file)"
                                else str(exc)) from None
    try:
        rep = validate_log(log, load, args.start)
    except ScenarioError as exc:
        if exc.key == "start":
            raise ScenarioError("--start", exc.value, exc.message) from None
        raise
    text = rep.markdown()
    if args.out:
        from .output import write_file

        try:   # whole or not at all
            write_file(Path(args.out), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        except OSError as exc:
            raise _cannot_write("--out", args.out, exc) from None
    print(json.dumps(rep.to_dict(), indent=2) if args.json else text, end="" if not
          args.json else "\n")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "advise":
            return _advise(args)
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "replay-log":
            return _replay_log(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "runs":
            return _runs(args)
        if args.command == "sweep":
            return _sweep(args)
        return _validate(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # what was being written is rolled back or removed
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RuntimeError as exc:
        from .kernel import ClockOverflow
        from .sim import ConservationError

        if isinstance(exc, ClockOverflow):   # the scenario's own doing: refused
            print(f"error: (scenario): {exc}; its jobs run too long", file=sys.stderr)
            return EXIT_BAD_INPUT
        if isinstance(exc, ConservationError):   # the engine's: loud, never silent
            print(f"error: {exc} (a bug in Session Lab: nothing was written; please report "
                  f"it with the scenario)", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
