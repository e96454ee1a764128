"""The dashboard's timeline in a notebook: where a script's sessions held the QPU, where they
lost it, and whose jobs ran between, drawn from the data center the script runs against.

    from engine.runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator
    from ui.notebook import timeline
    ...
    timeline(service)          # a Plotly figure: shows itself in Jupyter

The figure is the dashboard's own (ui/figures.py), built from the simulation's tables up to the
clock's current time. The engine draws nothing itself (engine/ knows no Plotly), hence this
module beside the dashboard's.
"""

from __future__ import annotations

from typing import Iterable, Optional

from engine import trace

from . import figures


def timeline(service, *, backends: Optional[Iterable[str]] = None, everyone: bool = True,
             title: Optional[str] = None):
    """The Gantt chart of the backends your jobs used so far (or ``backends``), with everyone
    else's jobs on them unless ``everyone=False``. Work not yet submitted is left out."""
    dc = service._dc
    sim = dc.sim
    with dc.clock.lock:
        now = sim.now
        jobs = trace.jobs_table(sim).to_pandas()
        sessions = trace.sessions_table(sim).to_pandas()
        events = trace.events_table(sim).to_pandas()
        spans = trace.spans_table(sim).to_pandas()
        system = trace.system_table(sim).to_pandas()
    jobs = jobs[jobs["submit_time"] <= now]
    mine = jobs[jobs["tenant"] == service.tenant]
    if backends is None:
        backends = list(dict.fromkeys(mine["backend"])) or list(dict.fromkeys(jobs["backend"]))
    backends = list(backends)
    jobs, sessions, events, spans = figures.filter_run(
        jobs, sessions, events, spans, backends=backends,
        tenants=None if everyone else [service.tenant])
    if title is None:
        title = (f"Tenant {service.tenant}: jobs and sessions on {', '.join(backends)}, up "
                 f"to {now:,.1f} s")
    return figures.timeline(jobs, sessions, events, spans, backends=backends, system=system,
                            lanes=sim.scenario.lanes(), title=title)
