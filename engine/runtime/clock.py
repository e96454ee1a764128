"""The data center's one simulated clock, shared by every thread of a script.

A script's threads are the data center's clients. Each has its own *local time*: the simulated
instant its last call returned, plus the classical time it has spent since (its wall time times
``think_scale``, or a fixed ``think_time`` per call). A call happens at the thread's local time.
The clock moves forward only as far as every thread allows: no further than the earliest local
time of the threads that are computing (they may still submit before it) and the instants other
threads are waiting for. A thread that waits for a job therefore never drives the clock past a
submission another thread is about to make, and two VQE loops sharing a session get the times
that running them side by side allows, not one racing the other to the session's maximum time.

A thread takes part from its first job submission or observation; a thread started after the
data center was made (a worker the script starts) takes part from when it is first seen, at its
spawner's time, for a quarter of a second if it does not call (library threads start too). A
thread stops holding the clock back when it ends or when it has made no call for ``grace`` wall
seconds (a main thread blocked in ``join()`` after starting workers, an idle pool thread): from
then on the clock may pass it, and its next call happens at the clock's time. A thread that
waits for another's time sleeps with the lock free, so the other can make its call.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from typing import Callable, Optional

from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from ..kernel import ticks


class Stuck(IBMRuntimeError):
    """A wait for something that can never happen (the client's IBMRuntimeError)."""


class _Client:
    __slots__ = ("thread", "last_sim", "last_wall", "depth", "participant", "waiting",
                 "until", "stop", "called")

    def __init__(self, thread: threading.Thread, now: int):
        self.thread = thread
        self.last_sim = now            # ticks: the clock when its last call returned
        self.last_wall = time.perf_counter()
        self.depth = 0                 # calls under way (a call inside a call adds no time)
        self.called = False            # it has called the data center (not only been seen)
        self.participant = False       # it has submitted or observed a job
        self.waiting = False           # blocked in a wait below
        self.until: Optional[int] = None   # the instant it waits for (ticks), if any
        self.stop: Optional[Callable[[], bool]] = None  # what it waits for, if anything


class Clock:
    """One lock for the whole data center and the rule above for moving its clock."""

    def __init__(self, sim, think_time: Optional[float] = None, think_scale: float = 1.0,
                 grace: float = 2.0):
        self.sim = sim
        self.think_time = think_time
        self.think_scale = think_scale
        self.grace = grace
        self.newcomer_grace = min(grace, 0.25)   # a thread seen, not yet heard from
        self.lock = threading.RLock()
        self._cv = threading.Condition(self.lock)
        self._clients: dict[int, _Client] = {}
        # Threads alive before the data center: never waited for unless they call it.
        self._known = {t.ident for t in threading.enumerate()}

    # ------------------------------------------------------------------ calls

    @contextmanager
    def call(self, observes: bool = True):
        """One API call: catch up with the thread's local time, act, note the return.
        ``observes``: the call submits or looks at a job (the thread takes part from then)."""
        with self._cv:
            c = self._client()
            if observes:
                c.participant = True
            if c.depth:
                c.depth += 1
                try:
                    yield c
                finally:
                    c.depth -= 1
                return
            if not c.called and c.thread is not threading.main_thread():
                # A worker's first call: its siblings, started with it, may not exist yet;
                # give them a moment to be seen before anyone moves the clock.
                self._cv.wait(timeout=self.newcomer_grace / 5)
            c.called = True
            self._wait(c, until=self._local_time(c))
            c.depth = 1
            try:
                yield c
            finally:
                c.depth = 0
                c.last_sim = self.sim.env._now
                c.last_wall = time.perf_counter()
                self._cv.notify_all()

    def register(self) -> None:
        """The calling thread meets the data center: its thinking time counts from now."""
        with self._cv:
            self._client()

    def wait_for(self, c: _Client, stop: Callable[[], bool],
                 until: Optional[int] = None) -> None:
        """Inside a call: let the clock run until ``stop()`` is true (a job finished, its
        status changed) or it reaches ``until`` (ticks), whichever is first."""
        self._wait(c, until=until, stop=stop)

    def _client(self) -> _Client:
        t = threading.current_thread()
        c = self._clients.get(t.ident)
        if c is None or c.thread is not t:
            c = self._clients[t.ident] = _Client(t, self.sim.env._now)
            self._known.add(t.ident)
        return c

    def _think(self, c: _Client) -> int:
        if self.think_time is not None:
            return ticks(self.think_time)
        return ticks(max(0.0, time.perf_counter() - c.last_wall) * self.think_scale)

    def _local_time(self, c: _Client) -> int:
        return c.last_sim + self._think(c)

    # ------------------------------------------------------------------ moving the clock

    def _newcomers(self) -> None:
        """A thread started since the data center was made (a worker of the script) may be
        about to call it: it holds the clock from its spawner's time, within the grace."""
        for t in threading.enumerate():
            if t.ident in self._known or t.ident in self._clients:
                continue
            self._known.add(t.ident)
            idle = [o.last_sim for o in self._clients.values() if not o.waiting]
            c = self._clients[t.ident] = _Client(t, min(idle, default=self.sim.env._now))
            c.participant = True

    def _others_allow(self, me: _Client) -> float:
        """How far the other threads let the clock go (ticks; inf when nothing holds it)."""
        self._newcomers()
        bound = math.inf
        wall = time.perf_counter()
        for ident, o in list(self._clients.items()):
            if o is me:
                continue
            if not o.thread.is_alive():
                del self._clients[ident]
                continue
            if not o.participant:
                continue
            if o.waiting:
                if o.until is not None:
                    bound = min(bound, o.until)
            elif wall - o.last_wall < (self.grace if o.called else self.newcomer_grace):
                bound = min(bound, self._local_time(o))
        return bound

    def _awaited(self) -> list:
        """What the waiting threads wait for: the clock stops when one of them happens."""
        return [o.stop for o in self._clients.values()
                if o.waiting and o.stop is not None and not o.stop()]

    def _wait(self, c: _Client, until: Optional[int] = None,
              stop: Optional[Callable[[], bool]] = None) -> None:
        sim = self.sim
        env = sim.env

        def satisfied() -> bool:
            if until is not None and env._now >= until:
                return True
            return stop() if stop is not None else until is None

        if satisfied():
            return
        c.waiting, c.until, c.stop = True, until, stop
        try:
            while not satisfied():
                held = self._others_allow(c)
                limit = held if until is None else min(held, until)
                awaited = self._awaited()
                moved = sim.advance(None if limit == math.inf else int(limit),
                                    stop=lambda: any(s() for s in awaited))
                if moved:
                    self._cv.notify_all()
                if satisfied():
                    break
                if held != math.inf and env._now >= held:
                    # Another thread holds the clock here: let it make its call (the lock is
                    # free while this waits), rather than follow its time tick by tick.
                    self._cv.wait(timeout=0.01)
                elif not moved:
                    # Only background work is left and nobody holds the clock: what it waits
                    # for can never happen (a job its usage limit holds for ever).
                    raise Stuck("the simulated data center has no user work left to do: "
                                "what this call waits for can never happen")
        finally:
            c.waiting, c.until, c.stop = False, None, None

    def run_to_end(self, finish: Callable[[], None]) -> None:
        """Run the data center until nothing is left (``finish``), once no other thread holds
        the clock; this call holds no one back while it waits."""
        with self.call(observes=False) as c:
            c.waiting = True
            try:
                while self._others_allow(c) != math.inf:
                    self._cv.wait(timeout=0.02)
            finally:
                c.waiting = False
            finish()
