"""Closed-loop clients: submit a job, wait for its result, think, submit the next.

A client runs as a SimPy process over the simulation's jobs API. In a session or a batch it
opens it with its first job, as ``with Session(backend)`` does, and closes it when its loop ends
(R10). With an algorithm (VQE, QAOA) each next job's parameters come from an optimizer fed the
real result of the last one (engine/algorithms.py). Times are integer ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from .execution import job_seed
from .kernel import SUBMIT
from .model import ScenarioError

if TYPE_CHECKING:
    from .sim import Simulation


class Client:
    """A closed-loop client's record: when it began, how far it got, when it finished (ticks)."""

    __slots__ = ("id", "workload", "tenant", "backend", "mode", "session_id", "iterations",
                 "started_at", "finished_at", "completed_iterations", "status", "job_ids",
                 "target", "reached_at", "best_value", "final_value")

    def __init__(self, id, workload, tenant, backend, mode, iterations, target=None):
        self.id = id
        self.workload = workload
        self.tenant = tenant
        self.backend = backend
        self.mode = mode
        self.session_id: Optional[str] = None
        self.iterations = iterations
        self.started_at: Optional[int] = None
        self.finished_at: Optional[int] = None
        self.completed_iterations = 0
        self.status = "waiting"
        self.job_ids: list[str] = []
        self.target: Optional[float] = target   # an algorithm's known answer, if given
        self.reached_at: Optional[int] = None   # first result within tolerance of it
        self.best_value: Optional[float] = None
        self.final_value: Optional[float] = None

    def record(self, value: float, now: int, tolerance: float) -> None:
        self.final_value = value
        if self.best_value is None or value < self.best_value:
            self.best_value = value
        if (self.target is not None and self.reached_at is None
                and abs(value - self.target) <= tolerance):
            self.reached_at = now

    def time_to_solution(self) -> Optional[int]:
        """Ticks. With a target: until the first result near it. Otherwise: until the last
        result of a client that finished its loop."""
        if self.started_at is None:
            return None
        if self.target is not None:
            return None if self.reached_at is None else self.reached_at - self.started_at
        if self.status != "done" or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass
class ClientPlan:
    """What a workload asks of one client, as plain data (engine/workloads.py makes it)."""

    client: Client
    start: int                         # when it arrives (ticks)
    durations: list                    # each job's QPU ticks, or None: from its circuit
    think_times: list                  # ticks between a result and the next submission
    session: Optional[dict]            # open_session's options, or None (job mode)
    close: bool                        # close() its session when the loop ends (R10)
    limit: Optional[int]               # its jobs' max_execution_time (ticks)
    seed: int                          # its random stream: job seeds, the initial point
    item: Any = None                   # the workload, when its jobs run a circuit
    algorithm: Any = None              # model.Algorithm, when a closed loop on real results
    where: str = ""                    # the workload's key, for messages
    classical: Optional[list] = None   # each job's classical stage (ticks, R19), or None: 0


def start(sim: "Simulation", plan: ClientPlan) -> None:
    """Add the client to ``sim`` and start its loop. An algorithm's initial point that does not
    fit its circuit refuses the scenario (ScenarioError naming ``...algorithm.x0``)."""
    from . import algorithms

    x0 = None
    if plan.algorithm is not None:
        item = plan.item
        n = sim.payloads.logical(item.circuit, item.primitive or "sampler")[0].num_parameters
        try:
            x0 = algorithms.initial_point(plan.algorithm.x0, n, plan.seed)
        except ValueError as exc:
            raise ScenarioError(f"{plan.where}.algorithm.x0", plan.algorithm.x0,
                                str(exc)) from None
    sim.clients.append(plan.client)
    sim.env.process(_loop(sim, plan, x0))


def _loop(sim: "Simulation", plan: ClientPlan, x0):
    from . import algorithms

    c, env, item, algorithm = plan.client, sim.env, plan.item, plan.algorithm
    if plan.start > env._now:
        yield env.call_at(plan.start, SUBMIT, _noop)
    c.started_at = env._now
    c.status = "running"
    opt = cost = None
    if algorithm is not None:
        opt = algorithms.AskTellMinimizer(x0, algorithm.optimizer, algorithm.maxiter)
        if algorithm.name == "vqe":
            cost = algorithms.energy
        else:
            edges = [tuple(e) for e in sim.scenario.circuits[item.circuit].graph]
            cost = lambda result: algorithms.maxcut_cost(result, edges)  # noqa: E731
    try:
        for i in range(c.iterations):
            x = opt.ask() if opt is not None else None
            if opt is not None and x is None:
                break  # the optimizer has converged
            jid = f"{c.id}.{i + 1}"
            # From the client's stream, not its id: equal workload seeds, equal results.
            jseed = job_seed(plan.seed, str(i + 1))
            if plan.session is not None and i == 0:
                # `with Session(backend)`: the session opens with the client's first job.
                c.session_id = sim.open_session(c.tenant, c.backend, session_id=c.id,
                                                workload=c.workload, **plan.session).id
            work = None
            if item is not None:
                work = sim.payloads.work(item, c.backend, item.shots, jseed, parameters=x)
            job = sim.submit_now(jid, c.tenant, c.backend, plan.durations[i], c.session_id,
                                 plan.limit, c.workload, i + 1, work, jseed)
            if plan.classical is not None:
                job.classical_ticks = plan.classical[i]
            c.job_ids.append(jid)
            yield sim.wait(job)
            if job.status != "completed":
                c.status = f"stopped: {job.id} {job.status}"
                break
            c.completed_iterations += 1
            c.finished_at = env._now
            if opt is not None:
                value = cost(job.result)
                opt.tell(value)
                c.record(value, env._now, algorithm.tolerance)
                sim.iterations.append((c.id, i + 1, job.id, job.submit_tick, env._now,
                                       value, ",".join(f"{v:.6g}" for v in x)))
            if i + 1 < c.iterations and plan.think_times[i] > 0:
                yield env.call_at(env._now + plan.think_times[i], SUBMIT, _noop)
        if c.status == "running":
            c.status = "done"
    finally:
        if opt is not None:
            opt.close()
    # The context manager's exit: close() as soon as the loop ends (R10).
    if plan.close and c.session_id is not None:
        sim.close_session(c.session_id, env._now)


def _noop(_event) -> None:
    pass
