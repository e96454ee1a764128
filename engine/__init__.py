"""Session Lab's engine: a deterministic simulation of a quantum cloud's job scheduler.

    from engine import load_scenario, run_scenario
    result = run_scenario(load_scenario("scenarios/seed-story.yaml"))
    result.jobs      # one row per job; also .sessions, .events, .tenants, .backends, .clients

The rules it implements are numbered R1-R18 (SCHEDULING_RULES.md); comments cite them.
"""

from .model import Scenario, ScenarioError, load_scenario, validate_scenario
from .run import RunResult, collect, run_scenario
from .sim import Simulation

__all__ = ["Scenario", "ScenarioError", "load_scenario", "validate_scenario", "RunResult",
           "collect", "run_scenario", "Simulation"]
