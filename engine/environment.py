"""A Gymnasium environment for training and evaluating schedulers: the agent makes R3's choice.

    from engine.environment import SchedulerEnv, fair_share_policy, random_policy, rollout
    env = SchedulerEnv("scenarios/unequal-shares.yaml", reward="mean_wait")
    run = rollout(env, fair_share_policy(env), seed=7)   # IBM's choices, as an agent
    run.total, env.result().summary["wait_mean"]

About 680 lines, a sixth of them this description: one class and the helpers that only make
sense with it: its spaces and four rewards (each defined below, with what its episode's sum
means), the hand-off that pauses the simulation at each decision, and the policies that drive a
whole episode.

**Episode.** One simulation run of the scenario, to its end: ``terminated`` is True on the step
after which the run has finished; nothing truncates. Each step is one R3 decision: a lane of a
backend is free, neither a dedicated session (R5) nor a started batch (R14) claims it, and jobs
wait in the fair-share queues of tenants that may start now (R21 and R22 took the others out).
The agent says which of them starts. Sessions, batches, lanes, system work, reservations and
limits go on around it as in any run. ``skip_single=True`` lets a decision with one candidate
start it without asking (default False: every decision is a step). A run with no decision at
all is one step whose action is ignored: ``reset`` returns an empty observation (no valid slot,
``info["terminal"]`` True) and the next ``step`` terminates with the whole run's reward.

**Seeds.** ``reset(seed=s)`` runs the scenario with its ``seed`` key replaced by ``s`` (so the
episode is ``run_scenario`` of that scenario with the agent's choices; 0 <= s < 2**63); the
first ``reset()`` without a seed runs the scenario's own seed; a later ``reset()`` without one
draws the next from the env's ``np_random`` (seeded by the last seeded reset). Same seed, same
actions: the same observations, rewards and infos, bit for bit (R17). A workload with a
``seed`` of its own keeps it: the episode's seed changes what the scenario's seed drives.

**Pausing.** The engine asks its scheduler ``pick(ctx)`` in the middle of a dispatch. The run
goes in a worker thread whose scheduler hands each decision over and waits for the answer:
two semaphores, one turn at a time, so exactly one of the two threads ever runs and the run is
as deterministic as a plain one. ``reset``, ``close`` and garbage collection of the env stop the
worker (the pending ``pick`` raises, the run unwinds, the thread is joined): no thread is left.
The env's scheduler replaces ``sim.scheduler`` after the Simulation is built, so no code is
loaded (``allow_code`` stays False); the engine checks each pick through ``decide``. A scenario
naming a scheduler of the user's own runs with ``fair_share`` in its place; a built-in one
counts usage as it says (slurm's half-life), its choices being the agent's.

**Action.** ``Discrete(max_queue)``: the slot of the candidate to start. Slots hold the
candidates in a fixed order: first each waiting tenant's head (the earliest job of its FIFO
queue, R3), by submit time then submission order, then every other queued job in the same
order (``Context.queued``: of a session's or batch's, only its earliest, R5); beyond ``max_queue`` they are not shown (``info["candidates_total"]``
counts them all).
Slot 0 is thus always the earliest submitted job, FIFO's choice, and with ``max_queue`` at
least the number of tenants every head is shown, so fair share and every built-in scheduler
but ``sjf`` can always be expressed. ``info["action_mask"]`` (int8) marks the valid slots.
An action on an empty slot is **treated as slot 0**, flagged ``info["invalid_action"]`` and
``invalid_penalty`` (default 0.0) is added to that step's reward; an action outside the space
raises ValueError.

**Observation** (a ``Dict``; ``Q`` = max_queue, ``T`` tenants and ``B`` backends in the
scenario's order; every Box is float32 in ``[0, 1e15]``, times and usage in seconds):

- ``time`` (1,): the decision's instant; ``backend``: Discrete(B), the decision's backend;
- ``queue_mask`` MultiBinary(Q): 1 for a slot holding a candidate (the action mask);
- ``queue_tenant`` MultiDiscrete(T): its tenant's index; ``queue_wait`` (Q,): seconds since its
  submission; ``queue_duration`` (Q,): its requested QPU seconds (before R12's cut or R15's
  compile time); ``queue_mode`` MultiDiscrete(3): 0 job mode, 1 in a dedicated session (an
  inactive one, R7), 2 in a batch; ``queue_head`` MultiBinary(Q): 1 if it heads its tenant's
  queue. Empty slots are all 0;
- ``tenant_usage`` (T,): each tenant's usage for fair share now (R3, as ``Context.usage``);
  ``tenant_share`` (T,): its share (usage / share is what IBM's fair share ranks by);
- ``backend_queued`` (B,): jobs queued on each backend (any rule's); ``backend_busy`` (B,):
  lanes held by started jobs (R19); ``backend_lanes`` (B,): its lanes; ``backend_session``
  MultiDiscrete(3): 1 a dedicated session is active and holds it (R5), 2 a started batch is
  active on it (R14), else 0.

The observation after the last step is the same shape, empty: no slot valid, time the end.

**Rewards**, chosen by name (``reward=``); every step computes all four, given in
``info["rewards"]``. A job's *wait* is the time from its submission until it left the queue:
its start, or for a queued job that never started (session expired, cancelled, a limit) the
instant it left. Jobs rejected at submission never queue and never count. A step's reward
covers everything that happened from the previous observation to the next (the first step's
from time 0), so it includes jobs started by sessions and batches and the job the action
started.

- ``mean_wait``: minus the waits of the jobs that left the queue in the step, in seconds,
  divided by ``N0``, the jobs the scenario will submit (known at reset: ``expected_jobs``); the
  last step adds the difference between that and dividing by the jobs that did queue, so the
  episode's return is exactly **minus the mean wait** (jobs.csv's ``wait`` mean when every
  queued job started; the correction is 0 when ``N0`` was right).
- ``p95_wait``: minus the change in the 95th percentile (linear interpolation, numpy's) of the
  waits so far (0 before any): the return is exactly **minus the p95 wait**.
- ``fairness``: after each step that leads to a decision, Jain's index ``(sum x)^2 / (n sum
  x^2)`` of ``x = usage / share`` (R3's usage) over the tenants with a job queued or running
  (1 with fewer than two, or all usage 0), minus 1, divided by ``N0``; the last step corrects
  as above so the return is **the mean over those decisions of Jain's index, minus 1**: 0
  when fair share held at every decision, down to ``1/n - 1``.
- ``session_time``: each session's (dedicated or batch) time to solution is the last end of
  its jobs minus the first submission of one; while running it counts up to now when one of
  its jobs is queued or running, else to its last end (a think-time gap counts once the next
  job comes). A step's reward is minus its growth over the step, summed over sessions, divided
  by the sessions known at reset (the scenario's, and each client's in a session); the last
  step corrects to the sessions that had a job: the return is **minus the mean session time to
  solution**, 0 for a scenario without sessions.

``rollout(env, policy, seed)`` runs one episode with ``policy(obs, info) -> action``;
``random_policy`` (uniform over valid slots, seeded), ``scheduler_policy`` (the slot an engine
scheduler would pick) and ``fair_share_policy`` (IBM's, R3) are policies. ``env.result()`` is
the finished run's tables and metrics (``engine.run.collect``).
"""

from __future__ import annotations

import threading
import weakref
from bisect import insort
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Optional

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from . import events as ev
from .kernel import TICKS_PER_SECOND
from .model import Scenario
from .schedulers import BUILT_IN, FairShare, decide
from .sim import Simulation
from .validation import load_scenario, validate_scenario

REWARDS = ("mean_wait", "p95_wait", "fairness", "session_time")
ENV_ID = "SessionLab/Scheduler-v0"
HIGH = 1e15                         # every Box's bound: far above any time or usage in seconds
JOB, DEDICATED, BATCH = 0, 1, 2     # queue_mode; backend_session uses DEDICATED and BATCH too
_STOP = object()
_JOIN_SECONDS = 30.0


class _Stopped(BaseException):
    """Raised in the worker's pending ``pick`` to unwind the run (BaseException: ``decide``
    turns an Exception into a SchedulerError, this must pass)."""


class _Handoff:
    """The strict hand-off between the caller and the worker thread that runs the simulation:
    each side waits on its own semaphore while the other runs. One per episode."""

    def __init__(self):
        self._worker_turn = threading.Semaphore(0)
        self._caller_turn = threading.Semaphore(0)
        self._box = None
        self.thread: Optional[threading.Thread] = None

    # the worker's side
    def ask(self, ctx):
        self._box = ("decide", ctx)
        self._caller_turn.release()
        self._worker_turn.acquire()
        reply, self._box = self._box, None
        if reply is _STOP:
            raise _Stopped
        return reply

    def work(self, sim: Simulation) -> None:
        try:
            sim.run()
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            self._box = ("error", exc)
        else:
            self._box = ("done", None)
        self._caller_turn.release()

    # the caller's side
    def start(self, sim: Simulation):
        self.thread = threading.Thread(target=self.work, args=(sim,), daemon=True,
                                       name="session-lab-env")
        self.thread.start()
        return self._wait()

    def answer(self, reply):
        self._box = reply
        self._worker_turn.release()
        return self._wait()

    def _wait(self):
        self._caller_turn.acquire()
        message, self._box = self._box, None
        if message[0] != "decide":
            self.thread.join(_JOIN_SECONDS)
        return message

    def stop(self) -> None:
        """Unwind a worker waiting for an answer and join it (nothing to do once it ended)."""
        thread, self.thread = self.thread, None
        if thread is None:
            return
        if thread.is_alive():
            self._box = _STOP
            self._worker_turn.release()
            thread.join(_JOIN_SECONDS)


def _stop_current(holder: list) -> None:
    """The env's finalizer (it must not hold the env): stop the episode's worker, if any."""
    handoff, holder[0] = holder[0], None
    if handoff is not None:
        handoff.stop()


def _slots(ctx) -> tuple[list, set]:
    """The candidates in slot order (the heads, then the others, each by submit time then
    submission order), and the ids of the heads."""
    key = lambda j: (j.submit_tick, j.seq)  # noqa: E731
    heads = sorted((j for _, j in ctx.heads), key=key)
    first = {id(j) for j in heads}
    return heads + sorted((j for j in ctx.queued() if id(j) not in first),
                          key=key), first


class _AgentScheduler:
    """The scheduler installed in the simulation: each decision goes to the caller."""

    label = "agent"

    def __init__(self, handoff: _Handoff, skip_single: bool):
        self.handoff = handoff
        self.skip_single = skip_single

    def pick(self, ctx):
        if self.skip_single:
            first_two = list(islice(ctx.queued(), 2))
            if len(first_two) == 1:
                return first_two[0], "the only candidate (not asked)"
        return self.handoff.ask(ctx)


def _as_scenario(scenario) -> Scenario:
    if isinstance(scenario, (str, Path)):
        sc = load_scenario(scenario)
    elif isinstance(scenario, dict):
        sc = validate_scenario(scenario)
    elif isinstance(scenario, Scenario):
        sc = scenario
    else:
        raise TypeError(f"a scenario is a Scenario, a dict or a file path, not "
                        f"{type(scenario).__name__}")
    spec = sc.policy.scheduler
    if getattr(spec, "name", spec) not in BUILT_IN:   # the user's code: never loaded here
        sc = sc.model_copy(update={"policy": sc.policy.model_copy(
            update={"scheduler": "fair_share"})})
    return sc


def _p95(values: list) -> float:
    """numpy's default (linear) 95th percentile of a sorted, non-empty list."""
    n = len(values)
    idx = 0.95 * (n - 1)
    lo = int(idx)
    hi = min(lo + 1, n - 1)
    g = idx - lo
    a, b = values[lo], values[hi]
    return a + (b - a) * g if g < 0.5 else b - (b - a) * (1.0 - g)


def _jain(xs: list) -> float:
    if len(xs) < 2:
        return 1.0
    sq = sum(x * x for x in xs)
    return 1.0 if sq == 0 else sum(xs) ** 2 / (len(xs) * sq)


class SchedulerEnv(gym.Env):
    """R3's choice as a Gymnasium environment over one scenario (see the module's description
    for the observation, the action, the rewards and the seeds)."""

    metadata = {"render_modes": []}

    def __init__(self, scenario, reward: str = "mean_wait", max_queue: int = 32,
                 skip_single: bool = False, invalid_penalty: float = 0.0):
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {', '.join(REWARDS)}, not {reward!r}")
        if not (isinstance(max_queue, int) and max_queue >= 1):
            raise ValueError(f"max_queue must be a whole number >= 1, not {max_queue!r}")
        self.base = _as_scenario(scenario)
        self.reward_name = reward
        self.max_queue = max_queue
        self.skip_single = skip_single
        self.invalid_penalty = float(invalid_penalty)
        self.tenants = [t.name for t in self.base.tenants]
        self.backends = [b.name for b in self.base.backends]
        self._t_index = {t: i for i, t in enumerate(self.tenants)}
        self._b_index = {b: i for i, b in enumerate(self.backends)}
        q, nt, nb = max_queue, len(self.tenants), len(self.backends)

        def box(n):
            return spaces.Box(0.0, HIGH, shape=(n,), dtype=np.float32)

        self.observation_space = spaces.Dict({
            "time": box(1), "backend": spaces.Discrete(nb),
            "queue_mask": spaces.MultiBinary(q),
            "queue_tenant": spaces.MultiDiscrete(np.full(q, nt)),
            "queue_wait": box(q), "queue_duration": box(q),
            "queue_mode": spaces.MultiDiscrete(np.full(q, 3)),
            "queue_head": spaces.MultiBinary(q),
            "tenant_usage": box(nt), "tenant_share": box(nt),
            "backend_queued": box(nb), "backend_busy": box(nb), "backend_lanes": box(nb),
            "backend_session": spaces.MultiDiscrete(np.full(nb, 3)),
        })
        self.action_space = spaces.Discrete(q)
        self.sim: Optional[Simulation] = None
        self.scenario: Optional[Scenario] = None
        self._holder: list = [None]        # the episode's _Handoff (the finalizer's too)
        self._finalizer = weakref.finalize(self, _stop_current, self._holder)
        self._phase = "idle"               # idle | decide | final | over
        self._finished = False             # the run reached its end (not stopped)
        self._ctx = None
        self._slots: list = []
        self._first: set = set()           # ids of the slots' tenant heads
        self._total = 0                    # candidates at this decision, shown or not
        self.decisions = 0                 # decisions answered in this episode

    # ------------------------------------------------------------------ Gymnasium API

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        if options:
            raise ValueError(f"reset takes no options, not {sorted(options)}")
        if seed is not None:
            super().reset(seed=seed)
            run_seed = seed
        elif self._np_random is None:      # never seeded: the scenario's own seed
            super().reset(seed=self.base.seed)
            run_seed = self.base.seed
        else:
            run_seed = int(self.np_random.integers(0, 2**63 - 1))
        if not 0 <= run_seed < 2**63:
            raise ValueError(f"seed must be 0 <= seed < 2**63 (the scenario's seed), not "
                             f"{run_seed}")
        _stop_current(self._holder)
        self._phase, self._finished = "idle", False
        sc = self.base if run_seed == self.base.seed else self.base.model_copy(
            update={"seed": run_seed})
        sim = Simulation(sc, allow_code=False)
        handoff = _Handoff()
        sim.scheduler = _AgentScheduler(handoff, self.skip_single)
        self.sim, self.scenario = sim, sc
        self._holder[0] = handoff
        self._start_tracking(sim)
        self.decisions = 0
        return self._arrive(handoff.start(sim), at_reset=True)

    def step(self, action):
        if self._phase in ("idle", "over"):
            raise RuntimeError("the episode is over (or never began): call reset()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        a = int(action)
        invalid = self._phase == "decide" and a >= len(self._slots)
        chosen = None
        if self._phase == "final":          # a run with no decision: nothing to choose
            message = ("done", None)
        else:
            slot = 0 if invalid else a
            job = self._slots[slot]
            chosen = job.id
            why = f"slot {slot} of {len(self._slots)}" + (
                f" (action {a} had no candidate: slot 0)" if invalid else "")
            self.decisions += 1
            message = self._holder[0].answer((job, why))
        obs, info = self._arrive(message, at_reset=False)
        terminated = self._phase == "over"
        rewards = self._rewards(terminated)
        reward = rewards[self.reward_name] + (self.invalid_penalty if invalid else 0.0)
        info.update(invalid_action=invalid, chosen=chosen, rewards=rewards)
        return obs, float(reward), terminated, False, info

    def close(self):
        _stop_current(self._holder)
        if self._phase != "idle":
            self._phase = "over"
        self._ctx = None
        self._slots = []

    # ------------------------------------------------------------------ policies' helpers

    def scheduler_action(self, scheduler) -> int:
        """The slot ``scheduler`` (an engine scheduler: ``FairShare()``, ``Fifo()``, ...)
        would pick at the current decision. ValueError if its pick is not shown."""
        if self._phase != "decide":
            return 0                        # no decision pending: any action will do
        ctx = self._ctx
        job, _ = decide(scheduler, ctx, {t for t, _ in ctx.heads})
        for i, j in enumerate(self._slots):
            if j is job:
                return i
        raise ValueError(f"{type(scheduler).__name__} picked {job.id}, which is not among the "
                         f"{self.max_queue} slots shown (raise max_queue)")

    def result(self):
        """The finished run's tables and metrics (``engine.run.RunResult``)."""
        if not self._finished:
            raise RuntimeError("the run has not finished: step until terminated")
        from .run import collect

        return collect(self.sim)

    # ------------------------------------------------------------------ the decision

    def _arrive(self, message, at_reset: bool):
        """The worker stopped at a decision or at the end: track what happened meanwhile and
        observe. At the end the phase is ``over`` (the step terminates), or ``final`` when
        reset found a run with no decision (its one step terminates)."""
        kind, value = message
        if kind == "error":
            _stop_current(self._holder)
            self._phase = "over"
            raise value
        self._scan()
        if kind == "done":
            self._finished = True
            self._ctx, self._slots = None, []
            self._phase = "final" if at_reset else "over"
            return self._observe(None), self._info(None, terminal=True)
        self._ctx = ctx = value
        self._phase = "decide"
        slots, self._first = _slots(ctx)
        self._total = len(slots)
        self._slots = slots[:self.max_queue]
        return self._observe(ctx), self._info(ctx, terminal=False)

    def _observe(self, ctx) -> dict:
        q, nt, nb = self.max_queue, len(self.tenants), len(self.backends)
        sim = self.sim
        now = sim.env._now
        obs = {
            "time": np.array([now / TICKS_PER_SECOND], dtype=np.float32),
            "backend": np.int64(self._b_index[ctx.backend] if ctx is not None else 0),
            "queue_mask": np.zeros(q, dtype=np.int8),
            "queue_tenant": np.zeros(q, dtype=np.int64),
            "queue_wait": np.zeros(q, dtype=np.float32),
            "queue_duration": np.zeros(q, dtype=np.float32),
            "queue_mode": np.zeros(q, dtype=np.int64),
            "queue_head": np.zeros(q, dtype=np.int8),
            "tenant_usage": np.zeros(nt, dtype=np.float32),
            "tenant_share": np.array([sim.shares[t] for t in self.tenants], dtype=np.float32),
            "backend_queued": np.array(self._queued_on, dtype=np.float32),
            "backend_busy": np.array([sim.backends[b].busy for b in self.backends],
                                     dtype=np.float32),
            "backend_lanes": np.array([sim.backends[b].lanes for b in self.backends],
                                      dtype=np.float32),
            "backend_session": np.zeros(nb, dtype=np.int64),
        }
        for i, job in enumerate(self._slots):
            obs["queue_mask"][i] = 1
            obs["queue_tenant"][i] = self._t_index[job.tenant]
            obs["queue_wait"][i] = (now - job.submit_tick) / TICKS_PER_SECOND
            obs["queue_duration"][i] = job.duration_ticks / TICKS_PER_SECOND
            obs["queue_mode"][i] = self._mode(job.session)
            obs["queue_head"][i] = id(job) in self._first
        for i, t in enumerate(self.tenants):
            obs["tenant_usage"][i] = sim.meters[t].value(now) / TICKS_PER_SECOND
        for i, b in enumerate(self.backends):
            if sim.backends[b].holder is not None:
                obs["backend_session"][i] = DEDICATED
            elif self._batch_active(b):
                obs["backend_session"][i] = BATCH
        for name in ("time", "queue_wait", "tenant_usage"):
            np.clip(obs[name], 0.0, HIGH, out=obs[name])
        return obs

    def _info(self, ctx, terminal: bool) -> dict:
        mask = np.zeros(self.max_queue, dtype=np.int8)
        mask[:len(self._slots)] = 1
        return {"action_mask": mask, "time": self.sim.now,
                "backend": None if ctx is None else ctx.backend,
                "candidates": [j.id for j in self._slots],
                "candidates_total": 0 if ctx is None else self._total,
                "decision": self.decisions, "terminal": terminal}

    def _mode(self, sid) -> int:
        if sid is None:
            return JOB
        return DEDICATED if self.sim.sessions[sid].dedicated else BATCH

    def _batch_active(self, backend: str) -> bool:
        live = self._batches.get(backend)
        if not live:
            return False
        for sid in list(live):
            if self.sim.sessions[sid].state == "closed":
                live.discard(sid)
        return any(self.sim.sessions[sid].state == "active" for sid in live)

    # ------------------------------------------------------------------ what happened

    def _start_tracking(self, sim: Simulation) -> None:
        self._cursor = 0                   # events read so far
        self._state: dict = {}             # job id -> "queued" | "running" (not yet ended)
        self._queued_on = [0] * len(self.backends)
        self._busy_tenant = dict.fromkeys(self.tenants, 0)   # jobs queued or running
        self._waits: list = []             # every wait so far, seconds, sorted
        self._wait_ticks = 0               # their sum
        self._step_wait_ticks = 0          # the sum of those of this step
        self._sessions: dict = {}          # id -> [first submit, last end, jobs live]
        self._closed_tts = 0               # sum of (last end - first) of sessions with none live
        self._live_sessions = 0            # sessions with a job live ...
        self._live_first = 0               # ... and the sum of their first submissions
        self._batches: dict = {}           # backend -> batch ids started and not closed
        self._n0 = max(1, int(sim.expected_jobs()))
        self._s0 = max(1, len(sim.sessions) + sum(1 for c in sim.clients if c.mode != "job"))
        self._p95_before = 0.0
        self._phi_before = 0
        self._jain_sum = 0.0               # sum of (J - 1) over the measured decisions
        self._jain_n = 0
        self.returns = dict.fromkeys(REWARDS, 0.0)   # the rewards given so far, by name

    def _left_queue(self, job, now: int) -> None:
        self._queued_on[self._b_index[job.backend]] -= 1
        w = now - job.submit_tick
        self._wait_ticks += w
        self._step_wait_ticks += w
        insort(self._waits, w / TICKS_PER_SECOND)

    def _scan(self) -> None:
        """Read the events written since the last look (engine/events.py)."""
        sim = self.sim
        evs = sim.events
        state = self._state
        for i in range(self._cursor, len(evs)):
            now, backend, kind, sid, jid, tenant, _ = evs[i]
            if kind == ev.JOB_SUBMITTED:
                state[jid] = "queued"
                self._queued_on[self._b_index[backend]] += 1
                self._busy_tenant[tenant] += 1
                if sid is not None:
                    rec = self._sessions.get(sid)
                    if rec is None:
                        rec = self._sessions[sid] = [now, now, 0]
                    elif rec[2] == 0:      # it had none live: its span is open again
                        self._closed_tts -= rec[1] - rec[0]
                    if rec[2] == 0:
                        self._live_sessions += 1
                        self._live_first += rec[0]
                    rec[2] += 1
            elif kind == ev.JOB_STARTED:
                if state.get(jid) == "queued":
                    state[jid] = "running"
                    self._left_queue(sim.jobs[jid], now)
            elif kind in ev.TERMINAL_EVENTS:
                was = state.pop(jid, None)
                if was is None:            # rejected, or failed before it queued
                    continue
                if was == "queued":
                    self._left_queue(sim.jobs[jid], now)
                self._busy_tenant[tenant] -= 1
                if sid is not None:
                    rec = self._sessions[sid]
                    rec[1] = max(rec[1], now)
                    rec[2] -= 1
                    if rec[2] == 0:
                        self._live_sessions -= 1
                        self._live_first -= rec[0]
                        self._closed_tts += rec[1] - rec[0]
            elif kind in (ev.SESSION_STARTED, ev.SESSION_REACTIVATED):
                if not sim.sessions[sid].dedicated:
                    self._batches.setdefault(backend, set()).add(sid)
        self._cursor = len(evs)

    def _rewards(self, terminated: bool) -> dict:
        """This step's reward under each name (the module's description defines them)."""
        sim = self.sim
        now = sim.env._now
        out = {}
        out["mean_wait"] = -self._step_wait_ticks / TICKS_PER_SECOND / self._n0
        self._step_wait_ticks = 0
        p95 = _p95(self._waits) if self._waits else 0.0
        out["p95_wait"] = -(p95 - self._p95_before)
        self._p95_before = p95
        phi = self._closed_tts + self._live_sessions * now - self._live_first
        out["session_time"] = -(phi - self._phi_before) / TICKS_PER_SECOND / self._s0
        self._phi_before = phi
        out["fairness"] = 0.0
        if not terminated:
            xs = [sim.meters[t].value(now) / sim.shares[t]
                  for t, n in self._busy_tenant.items() if n > 0]
            j = _jain(xs) - 1.0
            self._jain_sum += j
            self._jain_n += 1
            out["fairness"] = j / self._n0
        else:   # the corrections that make each return the mean it stands for
            queued = len(self._waits)
            if queued:
                out["mean_wait"] -= (self._wait_ticks / TICKS_PER_SECOND
                                     * (1.0 / queued - 1.0 / self._n0))
            if self._jain_n:
                out["fairness"] += self._jain_sum * (1.0 / self._jain_n - 1.0 / self._n0)
            if self._sessions:
                out["session_time"] -= (phi / TICKS_PER_SECOND
                                        * (1.0 / len(self._sessions) - 1.0 / self._s0))
        for name, value in out.items():
            self.returns[name] += value
        return out


# --------------------------------------------------------------------------- episodes


@dataclass
class Rollout:
    """One episode: what the agent saw and did, and what it got."""

    observations: list = field(default_factory=list)   # from reset, then one per step
    infos: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    rewards: list = field(default_factory=list)
    seed: Optional[int] = None

    @property
    def total(self) -> float:
        return float(sum(self.rewards))

    def totals(self) -> dict:
        """The return under every reward name (from ``info["rewards"]``)."""
        out = dict.fromkeys(REWARDS, 0.0)
        for info in self.infos[1:]:
            for name, value in info["rewards"].items():
                out[name] += value
        return out


def rollout(env: gym.Env, policy: Callable, seed: Optional[int] = None,
            max_steps: Optional[int] = None) -> Rollout:
    """Run one episode of ``env`` from ``reset(seed=seed)`` with ``policy(obs, info) ->
    action`` until it terminates (or ``max_steps`` steps)."""
    obs, info = env.reset(seed=seed)
    run = Rollout(observations=[obs], infos=[info], seed=seed)
    while max_steps is None or len(run.actions) < max_steps:
        action = policy(obs, info)
        obs, reward, terminated, truncated, info = env.step(action)
        run.actions.append(int(action))
        run.rewards.append(reward)
        run.observations.append(obs)
        run.infos.append(info)
        if terminated or truncated:
            break
    return run


def random_policy(seed: int = 0) -> Callable:
    """Uniformly at random among the valid slots (``info["action_mask"]``), from its own
    seeded generator."""
    rng = np.random.default_rng(seed)

    def policy(obs, info):
        valid = np.flatnonzero(info["action_mask"])
        return int(rng.choice(valid)) if valid.size else 0

    return policy


def scheduler_policy(env: gym.Env, scheduler) -> Callable:
    """The slot an engine scheduler (engine/schedulers.py) would pick, at each decision."""
    inner = env.unwrapped

    def policy(obs, info):
        return inner.scheduler_action(scheduler)

    return policy


def fair_share_policy(env: gym.Env) -> Callable:
    """IBM's fair share (R3) as an agent: the slot ``FairShare`` would pick."""
    return scheduler_policy(env, FairShare())


if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=SchedulerEnv)
