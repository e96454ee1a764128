"""A dashboard sweep, in the background.

Its variants run as the server's other runs do, each in its own process (ui/runner.py), at most
``workers`` at once: a sweep never holds more of the server's run slots than its owner asked for,
so another browser's run waits for one variant at most, and two browsers' sweeps go on side by
side. It stops at once (every variant in flight is killed) and tells its progress as it goes.
A variant already in the server's cache is not simulated again. A sweep whose browser has gone
(the tab closed) for half a minute stops by itself. With the server's
SESSION_LAB_DASK set, the variants go to that Dask scheduler instead (engine/sweep.py).
Nothing here touches a run store.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Optional

from engine import sweep as sweeps

from . import runs

ABANDONED = 30.0   # seconds a sweep goes on after its browser went away (a reload reconnects)


class SweepJob:
    """Run ``scenarios`` (a sweep's variants) in the background. Poll ``finished``, ``total``,
    ``running``; ``stop()``; ``results()`` gives one outcome per variant, in order (a
    RunResult or :class:`engine.sweep.Failed`), once ``done()``; ``stopped`` says it was
    stopped (its results are then incomplete and not for showing)."""

    def __init__(self, scenarios: list, workers: int, dask: Optional[str] = None,
                 alive: Optional[Callable[[], bool]] = None):
        self.scenarios = list(scenarios)
        self.total = len(self.scenarios)
        self.workers = max(1, int(workers))
        self.dask = dask
        self._alive = alive           # is the browser that asked still there (None: always)
        self._gone_since: Optional[float] = None
        self.finished = 0
        self.stopped = False
        self.started = time.monotonic()
        self._results: list = [None] * self.total
        self.inflight: dict = {}      # variant index -> its run (ui/runner.py), while it runs
        self._error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._done = threading.Event()
        threading.Thread(target=self._go, daemon=True, name="session-lab-sweep").start()

    def _go(self) -> None:
        try:
            if self.dask:
                self._results = sweeps.run_variants(self.scenarios, dask=self.dask,
                                                    progress=self._tick)
            else:
                self._local()
        except _Stopped:
            self.stopped = True       # the Dask futures are cancelled (engine/sweep.py)
        except BaseException as exc:  # noqa: BLE001 - kept for results()
            self._error = exc
        finally:
            self._done.set()

    def _tick(self, done: int, total: int) -> None:
        """Progress from the Dask path, at each variant finished: stops there when asked."""
        self.finished = done
        if self._stop.is_set():
            raise _Stopped()

    def _local(self) -> None:
        queue = deque(range(self.total))
        inflight = self.inflight
        try:
            while queue or inflight:
                if self._stop.is_set() or self._abandoned():
                    self.stopped = True
                    return
                while queue and len(inflight) < self.workers:
                    i = queue.popleft()
                    inflight[i] = runs.start(self.scenarios[i])
                for i, handle in list(inflight.items()):
                    if handle.done():
                        del inflight[i]
                        self._results[i] = _outcome(handle)
                        self.finished += 1
                if inflight:
                    self._stop.wait(0.05)
        finally:
            for handle in inflight.values():
                handle.stop()
            inflight.clear()

    def _abandoned(self) -> bool:
        """The browser that asked has been gone for ABANDONED seconds (a closed tab): a sweep
        nobody will see stops, giving its run slots back."""
        if self._alive is None or self._alive():
            self._gone_since = None
            return False
        now = time.monotonic()
        self._gone_since = self._gone_since or now
        return now - self._gone_since > ABANDONED

    @property
    def running(self) -> int:
        """Variants running now (local processes; the Dask path does not say)."""
        return len(self.inflight)

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.total else 1.0

    def progress_text(self) -> str:
        took = time.monotonic() - self.started
        where = f" on {self.dask}" if self.dask else f", {self.running} running"
        return f"{self.finished} of {self.total} runs done{where} ({took:.0f} s)"

    def stop(self) -> None:
        """Stop: every run in flight is killed at once (on Dask, the rest is cancelled when
        the next variant finishes); ``stopped`` is then set and nothing is shown."""
        self._stop.set()
        self.stopped = True

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        return self._done.wait(timeout)

    def results(self) -> list:
        self._done.wait()
        if self.stopped:
            raise RuntimeError("the sweep was stopped: its results are incomplete")
        if self._error is not None:
            raise self._error
        return self._results


class _Stopped(Exception):
    pass


def _outcome(handle):
    try:
        return handle.result()
    except Exception as exc:  # noqa: BLE001 - a variant's failure is its row, in words
        return sweeps.Failed(str(exc) or type(exc).__name__)
