"""The event kernel: exact instants, the same-instant order (R18), and the fast event loop.

Time is an integer number of ticks, one tick a microsecond. Every instant the engine computes (a
start plus a duration, a job's end plus an interactive timeout, a session's start plus its
maximum time) is an integer sum, so ``0.7 + 0.2`` and a submission at ``0.9`` are the same
instant by construction (R18), and usage, being a sum of spans, is exact too. Seconds come in
and go out only at the edges: :func:`ticks` when a time enters the engine (a scenario value, a
drawn duration, a script's clock), :func:`seconds` when it leaves (tables, details, messages).
A time finer than a microsecond rounds to the nearest tick.

R18, simultaneous events. Everything that happens at one instant is applied in this order, the
SimPy heap's ``(time, priority, insertion order)`` with these priorities:

  0. ``COMPLETE``: job completions (including R12 stops),
  1. ``SUBMIT``: submissions (file order, then the order clients and scripts made them),
  2. ``CONTROL``: ``close()`` and ``cancel()``,
  3. ``TIMER``: session timers: interactive timeout (R6), maximum time (R9), open timeout,
  4. ``DISPATCH``: one scheduling decision per backend that changed.

So a deadline is inclusive: a session job submitted exactly at the end of the interactive timeout
still catches the session, and one submitted exactly at the maximum time is accepted and then
fails as "session expired". The decision comes last, so it sees every change of that instant.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Callable, Optional

import simpy

TICKS_PER_SECOND = 1_000_000
# The clock may not pass this (about 146,000 years): far beyond any scenario, and it keeps every
# instant inside a signed 64-bit column.
MAX_TICKS = 2 ** 62

COMPLETE, SUBMIT, CONTROL, TIMER, DISPATCH = 0, 1, 2, 3, 4


def ticks(seconds: float) -> int:
    """A time in seconds as a whole number of ticks (rounded to the nearest microsecond)."""
    return round(seconds * TICKS_PER_SECOND)


def seconds(t: int) -> float:
    """Ticks as seconds (correctly rounded: the nearest float to ``t`` microseconds)."""
    return t / TICKS_PER_SECOND


def maybe_ticks(value: Optional[float]) -> Optional[int]:
    return None if value is None else ticks(value)


def maybe_seconds(t: Optional[int]) -> Optional[float]:
    return None if t is None else t / TICKS_PER_SECOND


class ClockOverflow(RuntimeError):
    """The simulated clock would pass :data:`MAX_TICKS`."""


class Call:
    """A scheduled callback: the least a SimPy event needs to be stepped and waited on.

    ``simpy.Event`` would do; this slotted stand-in is cheaper on the hot path (three per job).
    A process may ``yield`` it like any event.
    """

    __slots__ = ("env", "callbacks", "_ok", "_value", "bg")

    def __init__(self, env, callback, value, bg=False):
        self.env = env
        self.callbacks = [callback]
        self._ok = True
        self._value = value
        self.bg = bg     # background: does not by itself keep a run going (R20)

    @property
    def value(self):
        return self._value


def _noop(_event) -> None:
    pass


class SimEnv(simpy.Environment):
    """A SimPy environment on integer ticks that schedules at an absolute instant with a chosen
    priority (the R18 phase).

    Some scheduled calls are *background* (``bg=True``): system work (R20) and reservations
    (R21) go on for ever, but a run ends when no user work is left, so :meth:`run_all` stops
    when only background calls remain and ``done()`` agrees. ``bg`` counts them in the heap.
    """

    def __init__(self, initial_time=0):
        super().__init__(initial_time)
        self.bg = 0

    def call_at(self, at: int, priority: int, callback: Callable, value=None,
                bg: bool = False) -> Call:
        """Run ``callback(event)`` at tick ``at`` in phase ``priority``; ``event._value`` is
        ``value``."""
        if at < self._now:
            raise ValueError(f"cannot schedule at {at}, before now ({self._now})")
        if at > MAX_TICKS:
            raise ClockOverflow(f"the simulated clock would pass {seconds(MAX_TICKS):.3g} s")
        ev = Call(self, callback, value, bg)
        if bg:
            self.bg += 1
        heappush(self._queue, (at, priority, next(self._eid), ev))
        return ev

    def defuse(self, call: Optional[Call]) -> None:
        """A scheduled call that no longer matters (a stale timer): it does nothing and counts
        as background."""
        if call is not None and call.callbacks is not None:
            call.callbacks = [_noop]
            if not call.bg:
                call.bg = True
                self.bg += 1

    def step(self) -> None:
        head = self._queue[0][3] if self._queue else None
        if head.__class__ is Call and head.bg:
            self.bg -= 1
        super().step()

    def run_all(self, tick: Optional[Callable[[], None]] = None, every: int = 4096,
                done: Optional[Callable[[], bool]] = None) -> None:
        """Process every scheduled event: ``step()`` in a loop, inlined (one method call less
        per event on the hot path), with the same semantics; ``tick()`` every ``every`` events.
        With ``done``, stop as soon as only background calls are left and ``done()`` is true.
        """
        queue = self._queue
        n = 0
        while queue:
            if done is not None and len(queue) == self.bg and done():
                return
            self._now, _, _, event = heappop(queue)
            if self.bg and event.__class__ is Call and event.bg:
                self.bg -= 1
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
            if tick is not None:
                n += 1
                if n % every == 0:
                    tick()
