"""Session Lab's engine: a deterministic simulation of a quantum cloud's job scheduler.

    from engine import load_scenario, run_scenario
    result = run_scenario(load_scenario("scenarios/seed-story.yaml"))
    result.jobs      # one row per job; also .sessions, .events, .tenants, .backends, .clients

The rules it implements are numbered R1-R18 (SCHEDULING_RULES.md); comments cite them.
The names below load on first use, so the command line refuses a bad file before it has
imported pandas, SimPy or qiskit.
"""

from importlib import import_module

_WHERE = {"Scenario": "model", "ScenarioError": "model", "load_scenario": "validation",
          "validate_scenario": "validation", "RunResult": "run", "collect": "run",
          "run_scenario": "run", "Simulation": "sim"}

__all__ = list(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
