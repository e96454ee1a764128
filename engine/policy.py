"""Usage and fair share: how much a tenant has used, and which tenant's job goes next (R3).

Nothing here knows about SimPy. :func:`pick_next` is IBM's fair share (R3): given the head job of
each tenant's FIFO queue, each tenant's usage and share, the job to start and the number it was
ranked by; ``engine/backend.py`` asks it only when several tenants wait, so a decision costs
O(tenants) whatever the backlog. Other schedulers are in engine/schedulers.py.

Usage (R3) is the integral over time of the number of charging spans a tenant has open (a running
job-mode or batch job, or a dedicated session holding a backend). ``UsageMeter`` keeps that integral
exactly, as a piecewise-linear function, and reads it two ways:

- ``window``: the usage inside the rolling window ``[now - W, now]``;
- ``half_life``: every second of usage decays by half each ``half_life`` seconds, i.e.
  ``integral of 2 ** (-(now - s) / h) ds`` over the charged time ``s``.

Both count spans still open at ``now`` up to ``now``. Times are integer ticks (engine/kernel.py),
so a window's usage is an exact integer; the half-life's decayed usage is a float.

Two ratios ``usage / share`` that differ by less than one part in 10^9 are a tie (R3): the order
then falls to the submit time and the submission order, never to floating-point noise.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Iterable, Optional

LN2 = math.log(2.0)


class UsageMeter:
    """Exact usage of one tenant over time, for fair share."""

    __slots__ = ("kind", "window", "half_life", "_t", "_total", "_rate", "_decayed",
                 "_bt", "_bf", "_br", "_i")

    def __init__(self, kind: str = "window", window: float = 28 * 86400 * 10**6,
                 half_life: float = 7 * 86400 * 10**6):
        if kind not in ("window", "half_life"):
            raise ValueError(f"unknown usage kind {kind!r}")
        self.kind = kind
        self.window = window
        self.half_life = half_life
        self._t = 0            # time of the last change of rate
        self._total = 0        # all-time usage at _t
        self._rate = 0         # spans open since _t
        self._decayed = 0.0    # decayed usage at _t (half_life)
        # Breakpoints of the cumulative usage (window): times, values, rate after.
        self._bt = [0]
        self._bf = [0]
        self._br = [0]
        self._i = 0            # read pointer: queries move forward in time

    # -- charging -------------------------------------------------------------------------

    def open(self, t: float) -> None:
        """A charging span starts at ``t``."""
        self.change(t, +1)

    def close(self, t: float) -> None:
        """A charging span that was opened ends at ``t``."""
        self.change(t, -1)

    def charge(self, start: float, end: float) -> None:
        """Charge the closed interval ``[start, end]`` (start must not precede earlier changes)."""
        self.open(start)
        self.close(end)

    def time_to_fall(self, limit: int, now: int):
        """R22: the first tick ``t >= now`` at which :meth:`value` is at most ``limit`` if the
        spans open now stay open (a window's old usage falling out), or None if it never is.
        Exact: ticks are integers and the usage is piecewise linear in them."""
        if self.kind != "window":
            raise ValueError("a usage limit counts usage over a window")
        f = self.value(now)
        if f <= limit:
            return now
        if self.window >= 2 ** 62:             # all usage ever: it never falls
            return None
        r = self._rate
        bt, br = self._bt, self._br
        x = now - self.window                  # the window's trailing edge, moving with t
        if x < 0:                              # nothing falls out before the edge reaches 0
            t, x = now - x, 0
            f += r * (t - now)
        else:
            t = now
        i = max(0, bisect_right(bt, x) - 1)
        while True:
            seg_end = bt[i + 1] if i + 1 < len(bt) else None
            slope = r - br[i]                  # d usage / dt while the edge is in segment i
            if slope < 0:
                # f + slope * dt <= limit  <=>  dt >= (f - limit) / -slope, rounded up
                dt = -(-(f - limit) // -slope)
                if seg_end is None or x + dt <= seg_end:
                    return t + dt
            if seg_end is None:
                return None
            dt = seg_end - x
            f += slope * dt
            t += dt
            x = seg_end
            i += 1
            if f <= limit:
                return t

    def change(self, t: float, delta: int) -> None:
        """``delta`` charging spans open (positive) or close (negative) at ``t``."""

        if t < self._t:
            raise ValueError(f"usage change at {t} before the last one at {self._t}")
        dt = t - self._t
        if dt > 0:
            self._decayed = self._decay(dt)
            self._total += self._rate * dt
            self._t = t
        self._rate += delta
        if self.kind == "window":
            if self._bt[-1] == t:
                self._br[-1] = self._rate
            else:
                self._bt.append(t)
                self._bf.append(self._total)
                self._br.append(self._rate)

    def _decay(self, dt: float) -> float:
        h = self.half_life
        a = 2.0 ** (-dt / h)
        return self._decayed * a + self._rate * (h / LN2) * (1.0 - a)

    # -- reading --------------------------------------------------------------------------

    def total(self, now: float) -> float:
        """All usage charged up to ``now``, undecayed and unwindowed."""
        return self._total + self._rate * (now - self._t)

    def value(self, now: float) -> float:
        """The usage fair share compares at ``now``."""
        if self.kind == "half_life":
            return self._decay(now - self._t)
        return self.total(now) - self._cumulative(now - self.window)

    def _cumulative(self, x):
        if x <= 0:
            return 0
        bt = self._bt
        i = self._i
        if bt[i] > x:  # a query back in time: search instead of walking
            i = bisect_right(bt, x) - 1
        else:
            n = len(bt)
            while i + 1 < n and bt[i + 1] <= x:
                i += 1
            self._i = i
        return self._bf[i] + self._br[i] * (x - bt[i])


# Ratios closer than this, relative to the larger, are equal (R3).
TIE = 1e-9


def pick_next(heads: Iterable[tuple[str, object]], usage: dict[str, float],
              shares: dict[str, float]) -> Optional[tuple[object, float]]:
    """R3: from the head job of each tenant's FIFO queue, the job to start, with its ratio.

    The lowest ``usage / share`` wins; ratios within :data:`TIE` of the lowest tie with it, and
    ties go to the earlier submit time, then the earlier submission. ``heads`` holds
    ``(tenant, job)`` with ``job.submit_tick`` and ``job.seq``. Returns ``(job, usage/share)`` or
    ``None`` when nothing waits.
    """
    ranked = [(usage[tenant] / shares[tenant], job) for tenant, job in heads]
    if not ranked:
        return None
    low = min(r for r, _ in ranked)
    bound = low + TIE * abs(low)
    ratio, best = min(((r, job) for r, job in ranked if r <= bound),
                      key=lambda rj: (rj[1].submit_tick, rj[1].seq))
    return best, ratio
