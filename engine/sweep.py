"""Sweeps: one scenario, one or more fields varied over values, every variant run.

``--set interactive_timeout=0,60,300`` varies ``policy.interactive_timeout``; a field is a short
name (below) or a dotted path into the scenario document (``tenants[1].share``,
``workloads[0].arrivals.rate``). Several ``--set`` make the full factorial. Variants run in
parallel on local processes by default, or on a Dask cluster when an address is given (the
``SESSION_LAB_DASK`` environment variable, ``--dask``, or the dashboard's setting). Every variant is
a whole simulation with its own seed stream, so results do not depend on where it ran.

Each variant gets what ``simulate`` would give it, its scenario's folder included (relative
``qasm:`` and ``trace:`` paths). A variant that fails is a failed row with its message, the others
complete; a worker process that dies is survived (see :func:`_run_local`). A factorial of more than
:data:`MAX_VARIANTS` is refused before anything runs.
About 460 lines: the fields and variants, and the pool that survives lost workers, which the
variants' outcomes and the Dask path share.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import os
import pickle
import re
import signal
import tempfile
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Union

import pandas as pd

from .execution import first_line
from .model import Scenario, ScenarioError, scenario_to_dict
from .validation import validate_scenario
from .run import RunResult, run_scenario

# Short names for the fields people sweep most.
SHORT = {
    "interactive_timeout": "policy.interactive_timeout",
    "max_time": "policy.system_max_time",
    "system_max_time": "policy.system_max_time",
    "preset": "policy.preset",
    "execution": "policy.execution",
    "window": "policy.fair_share.window",
    "half_life": "policy.fair_share.half_life",
    "seed": "seed",
}
# "mode" sets every interactive workload's mode (dedicated, batch or job).
MODE = "mode"

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]")


def parse_value(text: str) -> Any:
    """``60`` -> 60, ``0.5`` -> 0.5, ``none`` -> None, ``true`` -> True, else the string."""
    t = text.strip()
    low = t.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def parse_set(spec: str) -> tuple[str, list]:
    """``field=v1,v2,...`` -> (field, [values])."""
    if "=" not in spec:
        raise ScenarioError("--set", spec, "expected FIELD=VALUE,VALUE,...")
    field, _, values = spec.partition("=")
    field = field.strip()
    vals = [parse_value(v) for v in values.split(",") if v.strip() != ""]
    if not field or not vals:
        raise ScenarioError("--set", spec, "expected FIELD=VALUE,VALUE,...")
    return field, vals


def _steps(path: str) -> list:
    steps = []
    for part in path.split("."):
        for m in _STEP.finditer(part):
            steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return steps


def set_field(doc: dict, field: str, value: Any) -> dict:
    """A copy of ``doc`` with ``field`` (short name or dotted path) set to ``value``."""
    out = copy.deepcopy(doc)
    if field == MODE:
        hits = 0
        for w in out.get("workloads", []):
            if w.get("kind") in ("interactive", "batch"):
                w["mode"] = value
                hits += 1
        if not hits:
            raise ScenarioError("--set", f"mode={value}", "the scenario has no interactive or "
                                                          "batch workload to change")
        return out
    path = SHORT.get(field, field)
    steps = _steps(path)
    if not steps:
        raise ScenarioError("--set", field, "not a field path")
    node = out
    for i, step in enumerate(steps[:-1]):
        nxt = steps[i + 1]
        try:
            if isinstance(step, int):
                node = node[step]
            else:
                if step not in node or node[step] is None:
                    node[step] = [] if isinstance(nxt, int) else {}
                node = node[step]
        except (IndexError, KeyError, TypeError):
            raise ScenarioError("--set", field, f"no such field in the scenario "
                                                f"(stopped at {step!r})") from None
    last = steps[-1]
    try:
        node[last] = value
    except (IndexError, TypeError):
        raise ScenarioError("--set", field, "no such field in the scenario") from None
    return out


# The most variants one sweep may have: a factorial past it is refused before anything runs
# (each variant is a whole simulation, and its result is held in memory until the table is made).
MAX_VARIANTS = 1000


def _shown(sets: list[tuple[str, list]]) -> str:
    """The ``--set`` fields and values, short enough to read in one line."""
    parts = []
    for f, vals in sets:
        text = ",".join(str(v) for v in vals)
        if len(vals) > 3 and len(text) > 20:
            text = ",".join(str(v) for v in vals[:3]) + f",... ({len(vals):,} values)"
        parts.append(f"{f}={text}")
    return " ".join(parts)


def _folders(scenario: Scenario) -> Optional[tuple]:
    """Where a scenario reads its files: its own folder, then any added (plain data, for
    workers), or None."""
    return scenario.roots if scenario.base_dir is not None else None


def _scenario(doc: dict, folders: Optional[tuple]) -> Scenario:
    """A validated scenario reading its ``qasm:``/``trace:`` files as :func:`load_scenario` gave
    it: relative paths from its own folder, only from its folders."""
    if not folders:
        return validate_scenario(doc)
    return validate_scenario(doc, base_dir=folders[0], roots=folders[1:])


def variants(scenario: Scenario, sets: Iterable[tuple[str, list]]) -> list[tuple[dict, Scenario]]:
    """Every combination of the values, validated: [(assignment, scenario), ...]. Each variant
    keeps the scenario's folder, so it runs exactly as ``simulate`` would run it."""
    sets = list(sets)
    count = 1
    for _, vals in sets:
        count *= len(vals)
    if count > MAX_VARIANTS:
        raise ScenarioError("--set", _shown(sets),
                            f"{count:,} variants; the limit is {MAX_VARIANTS:,}")
    base = scenario_to_dict(scenario)
    out = []
    for combo in itertools.product(*[vals for _, vals in sets]):
        assignment = {f: v for (f, _), v in zip(sets, combo)}
        doc = base
        for f, v in assignment.items():
            doc = set_field(doc, f, v)
        label = ", ".join(f"{f}={v}" for f, v in assignment.items())
        doc["name"] = f"{scenario.name} [{label}]"
        try:
            sc = _scenario(doc, _folders(scenario))
        except ScenarioError as exc:
            raise ScenarioError("--set", label, f"gives an invalid scenario: {exc}") from None
        out.append((assignment, sc))
    return out


@dataclass(frozen=True)
class Failed:
    """A variant that did not run, and why (one line). A plain record, so it travels back from a
    worker process or a Dask worker where the exception itself might not."""
    message: str


def succeeded(outcome) -> bool:
    return isinstance(outcome, RunResult)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ScenarioError) or not str(exc).strip():
        return first_line(exc)
    return f"{type(exc).__name__}: {first_line(exc)}"


def _run_one(doc: dict, folders: Optional[tuple] = None) -> RunResult:
    """One variant from plain data (picklable for processes and Dask): the inputs ``simulate``
    gives the same scenario file."""
    return run_scenario(_scenario(doc, folders))


def _attempt(runner: Callable, doc: dict, base_dir: Optional[str]):
    """Run one variant where it is, its every error turned into a :class:`Failed` record (an
    exception object need not survive the trip back from a process: ScenarioError, whose
    ``__init__`` takes three arguments, does not unpickle)."""
    try:
        return runner(doc, base_dir)
    except Exception as exc:  # one variant's failure is its row, never the sweep's
        return Failed(_describe(exc))


def _attempt_to_file(runner: Callable, doc: dict, base_dir: Optional[str], path: str):
    """:func:`_attempt` in a worker process, its outcome pickled to ``path``; only the path goes
    back through the pool's result pipe. That pipe is shared by every worker: one killed halfway
    through sending a large result would leave a partial message that blocks the pool forever.
    A message this small is written in one piece."""
    outcome = _attempt(runner, doc, base_dir)
    try:
        with open(path, "wb") as f:
            pickle.dump(outcome, f, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # e.g. a full disk: the variant's row says so
        return Failed(f"cannot hand its result back: {_describe(exc)}")
    return _InFile(path)


@dataclass(frozen=True)
class _InFile:
    path: str


def _collect(outcome):
    """The outcome a worker returned, read back from its file when it left one there."""
    if isinstance(outcome, _InFile):
        try:
            with open(outcome.path, "rb") as f:
                return pickle.load(f)
        finally:
            os.unlink(outcome.path)
    return outcome


def _worker_init() -> None:
    # Ctrl-C is the parent's to handle: it stops the pool. A worker interrupted while idle
    # would print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


Outcome = Union[RunResult, Failed]


def run_variants(scens: list[Scenario], *, workers: Optional[int] = None,
                 dask: Optional[str] = None,
                 progress: Optional[Callable[[int, int], None]] = None,
                 runner: Callable = _run_one) -> list[Outcome]:
    """Run each scenario; local processes (``workers``, default: the CPU count), one process
    (``workers=1``), or the Dask scheduler at ``dask`` (default: SESSION_LAB_DASK).

    Returns one outcome per scenario, in order: its :class:`RunResult`, or :class:`Failed`
    with the message when it raised or its worker process died twice. ``runner(doc,
    folders)`` runs one variant (a module-level function, so processes can import it)."""
    jobs = [(scenario_to_dict(s), _folders(s)) for s in scens]
    dask = dask if dask is not None else os.environ.get("SESSION_LAB_DASK") or None
    n = len(jobs)
    results: list = [None] * n
    finished = 0

    def finish(i: int, outcome: Outcome) -> None:
        nonlocal finished
        results[i] = outcome
        finished += 1
        if progress:
            progress(finished, n)

    if dask:
        _run_dask(jobs, dask, finish, runner)
        return results
    workers = min(workers or os.cpu_count() or 1, n)
    if workers <= 1:
        for i, (doc, base_dir) in enumerate(jobs):
            finish(i, _attempt(runner, doc, base_dir))
        return results
    _run_local(jobs, workers, finish, runner)
    return results


def _run_local(jobs, workers: int, finish, runner) -> None:
    """Local processes, surviving lost ones. When a worker dies (killed, out of memory, a crash
    in compiled code) the pool breaks and every variant in flight is lost with it, so none is
    blamed yet: each is rerun alone in a one-worker pool, where a death is its own; one that
    kills its worker twice there is a failed row. Variants not yet started go on in a fresh
    pool."""
    queue = deque(range(len(jobs)))
    with tempfile.TemporaryDirectory(prefix="session-lab-sweep-") as handover:
        while queue:
            suspects = _pool_pass(queue, workers, jobs, finish, runner, handover)
            for i in suspects:
                deaths: list[str] = []
                while len(deaths) < 2:
                    if not _pool_pass(deque([i]), 1, jobs, finish, runner, handover, deaths):
                        break
                else:
                    finish(i, Failed(f"its worker process died twice ({deaths[-1]}); the "
                                     f"variant may need more memory than the machine has, or "
                                     f"crashes"))


_PREPARING = threading.Lock()


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker that does not run the caller's main script. Spawning normally re-runs
    ``__main__`` in the child: under the dashboard that is the Streamlit page itself, which
    would simulate its default scenario and store runs nobody asked for. Workers need only this
    module's functions, imported by name."""

    def start(self) -> None:
        from multiprocessing import spawn

        with _PREPARING:
            prepare = spawn.get_preparation_data

            def without_main(name):
                data = prepare(name)
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
                return data

            spawn.get_preparation_data = without_main
            try:
                super().start()
            finally:
                spawn.get_preparation_data = prepare


class _WorkerContext(multiprocessing.context.SpawnContext):
    Process = _WorkerProcess


def _pool_pass(queue: deque, workers: int, jobs, finish, runner, handover: str,
               deaths: Optional[list] = None) -> list[int]:
    """Run the queued variants with at most ``workers`` in flight (so a broken pool takes down
    no more than ``workers`` of them). Returns the variants lost when the pool broke (empty when
    none was); the ones never started stay in ``queue``. ``deaths`` collects how workers died."""
    # Spawned, not forked: a fork of a process whose threads (Aer's, the engine's) hold locks
    # can deadlock in the child.
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               mp_context=_WorkerContext())
    inflight: dict = {}
    # The pool's worker processes, kept as they start: when the pool breaks, its management
    # thread may clear its own list before we ask how they died.
    workers_seen: dict = {}
    broken = False
    try:
        while (queue or inflight) and not broken:
            while queue and len(inflight) < workers:
                i = queue.popleft()
                try:
                    path = os.path.join(handover, f"{i}.pickle")
                    inflight[pool.submit(_attempt_to_file, runner, *jobs[i], path)] = i
                    workers_seen.update(getattr(pool, "_processes", None) or {})
                except BrokenProcessPool:
                    queue.appendleft(i)
                    broken = True
                    break
            if not inflight:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                if isinstance(fut.exception(), BrokenProcessPool):
                    broken = True
                    continue
                _finish(finish, inflight.pop(fut), fut)
        if not broken:
            return []
        if deaths is not None:
            workers_seen.update(getattr(pool, "_processes", None) or {})
            deaths.append(_how_workers_died(workers_seen.values()))
        lost = []
        for fut, i in inflight.items():  # a result that arrived before the break is kept
            if fut.done() and fut.exception() is None:
                _finish(finish, i, fut)
            else:
                lost.append(i)
        return sorted(lost)
    except BaseException:
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finish(finish, i: int, fut) -> None:
    try:
        outcome = _collect(fut.result())
    except Exception as exc:  # e.g. a result that could not be read back
        outcome = Failed(_describe(exc))
    finish(i, outcome)


def _how_workers_died(processes) -> str:
    codes = []
    for p in list(processes):
        p.join(10)  # dead already (its pipe closed), but perhaps not yet reaped
        if p.exitcode not in (None, 0, -signal.SIGTERM):  # SIGTERM: the pool ending the rest
            codes.append(p.exitcode)
    for code in codes:
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
    return f"exit status {codes[0]}" if codes else "it ended without a result"


def _stop(pool: ProcessPoolExecutor) -> None:
    """Interrupted: end the workers now rather than wait for their variants to finish."""
    for p in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            p.terminate()
        except (OSError, AttributeError):
            pass


def _run_dask(jobs, address: str, finish, runner) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - pinned in requirements
        raise ScenarioError("--dask", address, "dask.distributed is not installed") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError("--dask", address, f"cannot reach the Dask scheduler: {exc}") from None
    futures = []
    try:
        # Paths travel as they are: the workers must see the scenario's folder at the same path.
        futures = client.map(_attempt, [runner] * len(jobs), [d for d, _ in jobs],
                             [b for _, b in jobs], pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # a worker lost too often (KilledWorker), a cancel
                outcome = Failed(_describe(exc))
            finish(index[fut.key], outcome)
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        client.close()


METRICS = ("jobs", "completed", "wait_mean", "wait_p50", "wait_p95", "time_to_solution",
           "utilisation", "reserved_idle", "background_wait_p95", "session_wait_p95",
           "last_job_end")


def table(assignments: list[dict], results: list[Outcome]) -> pd.DataFrame:
    """One row per variant: the swept values, ``status`` (ok or failed), the headline metrics
    (empty for a failed variant) and ``error`` (why it failed; empty when it ran)."""
    rows = []
    for a, r in zip(assignments, results):
        if not succeeded(r):
            rows.append({**a, "status": "failed", **{m: None for m in METRICS},
                         "error": r.message})
            continue
        s = r.summary
        b = r.backends
        sm = r.session_metrics
        jobs = r.jobs
        bg = jobs[jobs["session_id"].isna() & jobs["wait"].notna()]["wait"]
        rows.append({
            **a, "status": "ok",
            "jobs": s["jobs"], "completed": s["status"]["completed"],
            "wait_mean": s["wait_mean"], "wait_p50": s["wait_p50"], "wait_p95": s["wait_p95"],
            "time_to_solution": s.get("time_to_solution_mean"),
            "utilisation": float(b["utilisation"].mean()) if len(b) else None,
            "reserved_idle": float(b["reserved_idle"].sum()) if len(b) else 0.0,
            "background_wait_p95": float(bg.quantile(0.95)) if len(bg) else None,
            "session_wait_p95": float(sm["wait_p95"].max()) if len(sm) else None,
            "last_job_end": s["last_job_end"],
            "error": "",
        })
    return pd.DataFrame(rows)
