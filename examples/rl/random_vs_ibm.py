"""A random agent and IBM's fair share, side by side in the scheduler environment.

Both step through the same scenario with the same seed (engine/environment.py): at each R3
decision the random agent picks a valid slot uniformly (its own seed), the IBM agent the slot
IBM's fair share picks (lowest usage / share). Printed for each: the return under each of the
four rewards (the chosen one is just one of them: every step computes all four), then the mean
and 95th-percentile wait from the run's jobs table. Nothing is trained.

Run from the repository root:
    PYTHONPATH=. .venv/bin/python examples/rl/random_vs_ibm.py [SCENARIO] [--seed N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.environment import (REWARDS, SchedulerEnv, fair_share_policy, random_policy,
                                rollout)

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "unequal-shares.yaml"


def compare(scenario, seed=None, agent_seed: int = 0) -> list[dict]:
    """One episode per agent on ``scenario`` with ``reset(seed=seed)``: each agent's returns
    and its run's wait statistics."""
    env = SchedulerEnv(scenario)
    if seed is None:   # both on the scenario's own seed (a reset without one would draw anew)
        seed = env.base.seed
    rows = []
    try:
        for name, policy in (("random", random_policy(agent_seed)),
                             ("IBM fair share", fair_share_policy(env))):
            run = rollout(env, policy, seed=seed)
            summary = env.result().summary
            rows.append({"agent": name, "seed": seed, "decisions": len(run.actions),
                         **run.totals(),
                         "wait_mean": summary["wait_mean"], "wait_p95": summary["wait_p95"]})
    finally:
        env.close()
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--seed", type=int, default=None,
                        help="the episode's seed (default: the scenario's own)")
    parser.add_argument("--agent-seed", type=int, default=0, help="the random agent's seed")
    args = parser.parse_args(argv)
    rows = compare(args.scenario, args.seed, args.agent_seed)
    seed = rows[0]["seed"]
    print(f"{Path(args.scenario).name}, seed {seed}, both agents")
    head = f"{'agent':<16}{'decisions':>10}" + "".join(f"{r:>14}" for r in REWARDS) + \
        f"{'wait mean':>12}{'wait p95':>12}"
    print(head)
    for row in rows:
        print(f"{row['agent']:<16}{row['decisions']:>10}"
              + "".join(f"{row[r]:>14.4f}" for r in REWARDS)
              + f"{row['wait_mean']:>12.2f}{row['wait_p95']:>12.2f}")
    print("(returns: mean_wait = -mean wait, p95_wait = -p95 wait, fairness = mean Jain's "
          "index - 1, session_time = -mean session time to solution; higher is better)")


if __name__ == "__main__":
    main()
