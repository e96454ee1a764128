"""The dashboard's runs, each in its own process, never on the Streamlit server's threads.

One user's run must not hold up another's, and Stop must stop at once whatever the run is doing
(the event loop, a job's circuits on Aer, building the tables). So every run is a process of its
own (spawned, never forked: a fork of a process whose threads hold locks can deadlock; and it
does not re-run the page script, see engine.sweep's ``_WorkerContext``). Stop kills it. At most
:data:`SLOTS` runs (the machine's cores, or SESSION_LAB_RUN_SLOTS) go at once, whoever started
them; one more waits for a core and says so.

A process that has imported the engine, pandas and Aer takes about a second to get ready, so one
spare is kept ready: a run takes it and a new spare starts in the background. The process sends
progress (phase, jobs done, jobs expected) at most ten times a second, then its result with the
tables already converted to DataFrames, and its size in memory (for the server's run cache).

Nothing here imports Streamlit: ``ui.state`` polls a :class:`RunHandle` from the page.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import threading
import time
from typing import Optional

from engine.sweep import _WorkerContext

_CTX = _WorkerContext()


def _slots() -> int:
    try:
        wanted = int(os.environ.get("SESSION_LAB_RUN_SLOTS", "0"))
    except ValueError:
        wanted = 0
    return wanted if wanted > 0 else max(1, os.cpu_count() or 1)


SLOTS = _slots()
_FREE = threading.BoundedSemaphore(SLOTS)
_WAITING = 0             # runs waiting for a slot, for the message "n runs ahead"
_WAITING_LOCK = threading.Lock()

# Phases a run goes through, in order, with the words the progress bar shows.
WAITING, STARTING, SIMULATING, TABULATING, SENDING, DONE = (
    "waiting", "starting", "simulating", "tabulating", "sending", "done")
PHASE_WORDS = {
    WAITING: "waiting for a free core (other runs are using them)",
    STARTING: "starting",
    SIMULATING: "simulating",
    TABULATING: "building the tables",
    SENDING: "handing the tables to the dashboard",
    DONE: "done",
}


class Stopped(Exception):
    """A run was stopped before it finished."""


class RunFailed(Exception):
    """A run raised (its one-line message) or its process died."""


# --------------------------------------------------------------------------- the child side

def _serve(conn) -> None:
    """A run's process: get ready (imports), wait for one scenario, run it, send the result,
    end. Progress goes to ``conn`` as ("progress", phase, done, total)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C on the server is the server's
    for name in ("pandas", "qiskit_aer", "engine.execution"):  # while it waits as a spare
        importlib.import_module(name)
    # The transpiler's plugins load on first use (about 0.7 s): load them now too.
    from qiskit.transpiler import generate_preset_pass_manager
    generate_preset_pass_manager(optimization_level=1, basis_gates=["cx", "rz", "sx", "x"])
    from engine.execution import first_line
    from engine.model import ScenarioError
    from engine.run import collect
    from engine.sim import Simulation

    try:
        scenario, keep_in = conn.recv()
    except (EOFError, OSError):   # the server went away, or took another spare
        return
    last = [0.0]

    def send(phase: str, done: int = 0, total: int = 0) -> None:
        conn.send(("progress", phase, done, total))

    def tick(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1:
            last[0] = now
            send(SIMULATING, done, total)

    try:
        t0 = time.perf_counter()
        send(SIMULATING)
        sim = Simulation(scenario, allow_code=False)   # a browser never runs code of its own
        # Often enough that a run executing circuits on Aer (milliseconds per job) reports.
        sim.run(progress=tick, every=64)
        send(TABULATING, sim.expected_jobs(), sim.expected_jobs())
        result = collect(sim, time.perf_counter() - t0)
        frames = result.tables()         # DataFrames here, not on the server's threads
        nbytes = int(sum(df.memory_usage(deep=True).sum() for df in frames.values()))
        send(SENDING)
        conn.send(("done", result, nbytes))
    except ScenarioError as exc:
        conn.send(("error", str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - any failure is the run's message
        conn.send(("error", f"{type(exc).__name__}: {first_line(exc)}"))
        return
    if keep_in is None:
        return
    try:  # after the hand-over: the page shows the run while it is kept
        from engine.store import RunStore

        path, name, source = keep_in
        conn.send(("kept", RunStore(path).save(result, name=name, source=source)))
    except ScenarioError as exc:
        conn.send(("not kept", str(exc)))
    except Exception as exc:  # noqa: BLE001
        conn.send(("not kept", f"{type(exc).__name__}: {first_line(exc)}"))
    finally:
        conn.close()


# --------------------------------------------------------------------------- the server side

class _Worker:
    """A spawned run process and the server's end of its pipe."""

    def __init__(self):
        parent, child = _CTX.Pipe(duplex=True)
        self.process = _CTX.Process(target=_serve, args=(child,), daemon=True,
                                    name="session-lab-run")
        self.process.start()
        child.close()
        self.conn = parent
        # One thread at a time reaps the process: two threads joining it at once (the handle's
        # own, and one stopping the run) race in waitpid, and the loser sees it alive after
        # it has died.
        self._reaping = threading.Lock()

    def join(self, timeout: float) -> None:
        with self._reaping:
            self.process.join(timeout)

    def kill(self) -> None:
        try:
            self.process.kill()       # at once, whoever is waiting for the process to end
        except (OSError, AttributeError, ValueError):
            pass
        self.conn.close()
        self.join(5)

    def how_it_died(self) -> str:
        self.join(5)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"


_SPARE: Optional[_Worker] = None
_SPARE_LOCK = threading.Lock()


def _take_worker() -> _Worker:
    """The spare process if it is alive (a fresh one otherwise); a new spare starts."""
    global _SPARE
    with _SPARE_LOCK:
        worker, _SPARE = _SPARE, None
        if worker is None or not worker.process.is_alive():
            worker = _Worker()
        _SPARE = _Worker()
    return worker


def warm_up() -> None:
    """Start the spare process now (the server's first run then does not wait for imports)."""
    global _SPARE
    if multiprocessing.parent_process() is not None:
        return   # a child process re-running the page while it starts: never spawn from there
    with _SPARE_LOCK:
        if _SPARE is None:
            _SPARE = _Worker()


def waiting() -> int:
    """Runs waiting for a free slot now."""
    return _WAITING


class RunHandle:
    """A run in its own process. Poll ``phase``, ``done_jobs``, ``total_jobs``; ``stop()`` kills
    the process at once; ``result()`` gives the RunResult or raises :class:`Stopped` or
    :class:`RunFailed`. ``nbytes``: the result's tables in memory. ``on_result(result,
    nbytes)`` is called on the handle's thread when the run has finished, whether or not
    anyone asks for it. ``run_as``: the scenario as the process runs it (its folders set),
    when ``scenario`` is kept as the caller knows it. ``keep_in=(store path, name, source)``: the run's process then also
    saves it in that run store, after handing it over (``kept``, ``keep_error``)."""

    def __init__(self, scenario, on_result=None, keep_in: Optional[tuple] = None,
                 run_as=None):
        self.scenario = scenario
        self._run_as = run_as if run_as is not None else scenario
        self._on_result = on_result
        self._keep_in = keep_in
        self.kept: Optional[int] = None          # its id in the store of ``keep_in``
        self.keep_error: Optional[str] = None     # why it was not kept there
        self.keeping = threading.Event()          # set once it is kept, or is not
        self.phase = WAITING
        self.done_jobs = 0
        self.total_jobs = 0
        self.nbytes = 0
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._worker: Optional[_Worker] = None
        self._lock = threading.Lock()
        self._result = None
        self._error: Optional[BaseException] = None
        threading.Thread(target=self._work, daemon=True, name="session-lab-run-handle").start()

    # The handle's own thread: wait for a slot, hand the scenario over, follow the process.
    def _work(self) -> None:
        global _WAITING
        try:
            free = _FREE      # the slot is given back to the semaphore it was taken from
            with _WAITING_LOCK:
                _WAITING += 1
            try:
                while not free.acquire(timeout=0.1):
                    if self._stop.is_set():
                        raise Stopped()
            finally:
                with _WAITING_LOCK:
                    _WAITING -= 1
            try:
                self._follow()
            finally:
                free.release()
        except BaseException as exc:  # noqa: BLE001 - kept for result()
            self._error = exc
        finally:
            self.phase = DONE
            self._done.set()
            self.keeping.set()
            self._reap()

    def _reap(self) -> None:
        """After the result is handed over: let the process end by itself (it is tearing down
        the interpreter), else end it."""
        worker = self._worker
        if worker is not None:
            worker.join(30)
            if worker.process.is_alive():
                worker.kill()
            worker.conn.close()

    def _follow(self) -> None:
        self.phase = STARTING
        worker = _take_worker()
        with self._lock:
            self._worker = worker
            if self._stop.is_set():
                worker.kill()
                raise Stopped()
        try:
            worker.conn.send((self._run_as, self._keep_in))
            while True:
                msg = worker.conn.recv()
                if msg[0] == "progress":
                    _, self.phase, done, total = msg
                    if total:
                        self.done_jobs, self.total_jobs = done, total
                elif msg[0] == "done":
                    _, result, self.nbytes = msg
                    if self._on_result is not None:
                        self._on_result(result, self.nbytes)
                    self._result = result
                    self.phase = DONE
                    self._done.set()
                    if self._keep_in is not None:
                        self._follow_keeping(worker)
                    return
                else:
                    raise RunFailed(msg[1])
        except (EOFError, OSError, BrokenPipeError):
            if self._stop.is_set():
                raise Stopped() from None
            raise RunFailed(f"the run's process ended without a result "
                            f"({worker.how_it_died()}); the run may need more memory than "
                            f"the server has") from None
        finally:
            if self._stop.is_set():
                worker.kill()

    def _follow_keeping(self, worker: _Worker) -> None:
        try:
            kind, what = worker.conn.recv()
        except (EOFError, OSError):
            kind, what = "not kept", f"its process ended first ({worker.how_it_died()})"
        if kind == "kept":
            self.kept = what
        else:
            self.keep_error = what
        self.keeping.set()

    @property
    def fraction(self) -> float:
        return min(self.done_jobs / self.total_jobs, 1.0) if self.total_jobs else 0.0

    def stop(self) -> None:
        """Stop now: the process is killed, whatever it is doing."""
        with self._lock:
            self._stop.set()
            worker = self._worker
        if worker is not None:
            worker.kill()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: Optional[float] = None):
        if not self._done.wait(timeout):
            raise TimeoutError(f"the run did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._result
