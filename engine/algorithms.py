"""Variational loops for closed-loop clients: a scipy optimizer asked one point at a time.

``scipy.optimize.minimize`` calls its objective synchronously, but a simulated client must submit
a job, wait in simulated time for its result and only then answer. :class:`AskTellMinimizer` runs
the optimizer in a worker thread that hands each point over and blocks until the value comes
back, so exactly one side runs at a time: the sequence of points is as deterministic as a plain
``minimize`` call.
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import Optional

import numpy as np

OPTIONS = {  # how each method is told to stop after `maxiter` objective evaluations
    "COBYLA": "maxiter",
    "Nelder-Mead": "maxfev",
    "Powell": "maxfev",
}


class _Stop(Exception):
    pass


class AskTellMinimizer:
    """``minimize(fun, x0, method)`` where ``fun`` is answered from outside: ``ask()`` gives the
    next point (None when the optimizer is done), ``tell(value)`` answers it."""

    def __init__(self, x0, method: str = "COBYLA", maxiter: int = 30):
        if method not in OPTIONS:
            raise ValueError(f"unknown optimizer {method!r}")
        self.x0 = np.asarray(x0, dtype=float)
        self.method = method
        self.maxiter = maxiter
        self.evaluations = 0
        self.result = None           # scipy's OptimizeResult when it finished on its own
        self.error: Optional[BaseException] = None
        self._points: queue.Queue = queue.Queue()
        self._values: queue.Queue = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._done = False

    def _run(self) -> None:
        from scipy.optimize import minimize

        def fun(x):
            if self.evaluations >= self.maxiter:
                raise _Stop
            self._points.put(np.array(x, dtype=float))
            value = self._values.get()
            if value is None:
                raise _Stop
            self.evaluations += 1
            return value

        try:
            self.result = minimize(fun, self.x0, method=self.method,
                                   options={OPTIONS[self.method]: self.maxiter})
        except _Stop:
            pass
        except BaseException as exc:  # surfaced to the caller by ask()
            self.error = exc
        finally:
            self._points.put(None)

    def ask(self) -> Optional[np.ndarray]:
        if self._done:
            return None
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="session-lab-optimizer")
            self._thread.start()
        x = self._points.get()
        if x is None:
            self._done = True
            self._thread.join()
            if self.error is not None:
                raise self.error
        return x

    def tell(self, value: float) -> None:
        self._values.put(float(value))

    def close(self) -> None:
        """Stop early (a failed job, an expired session, a run left unfinished). The optimizer
        gets None for its pending or next point and ends. While the interpreter is exiting (an
        unfinished run's loops are closed then) it is not waited for: its daemon thread is
        frozen and would never answer."""
        if self._thread is not None and not self._done:
            self._done = True
            self._values.put(None)
            if not sys.is_finalizing():
                self._thread.join()


def initial_point(x0, num_parameters: int, seed: int) -> np.ndarray:
    if isinstance(x0, str):
        if x0 == "zeros":
            return np.zeros(num_parameters)
        return np.random.default_rng(seed).uniform(-np.pi, np.pi, num_parameters)
    x = np.asarray(x0, dtype=float)
    if x.shape != (num_parameters,):
        raise ValueError(f"x0 has {x.size} values; the circuit has {num_parameters} parameters")
    return x


def energy(result) -> float:
    """VQE: the Estimator's expectation value of the first PUB."""
    return float(np.asarray(result[0].data.evs).ravel()[0])


def maxcut_cost(result, edges) -> float:
    """QAOA for MaxCut: the mean of sum over edges of Z_i Z_j over the sampled bitstrings
    (-1 per cut edge, +1 per uncut edge; lower is a better cut)."""
    data = result[0].data
    counts = getattr(data, next(iter(data.keys()))).get_counts()
    shots = sum(counts.values())
    total = 0.0
    for bits, n in counts.items():
        z = bits[::-1]  # qubit 0 is the rightmost character
        total += n * sum(1.0 if z[i] == z[j] else -1.0 for i, j in edges)
    return total / shots
