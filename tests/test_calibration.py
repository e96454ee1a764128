"""The built-in ibm-fleet-nov2023 scenario reproduces its public figures (docs/calibration.md).

The figures are the Qonductor project's November 2023 IBM Quantum status trace (MIT licence;
Giortamis et al., "Qonductor: A Cloud Orchestrator for Quantum Computing"), summarised per
backend: the mean number of pending jobs while the backend is active, and the shares of the
time it was in maintenance and reserved. The scenario is one day; every figure is measured over
that day, [0, HORIZON], from the run's own tables. The run continues after the day while the
queues drain; that tail is outside the measurement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import events as ev
from engine.run import run_scenario
from engine.validation import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "ibm-fleet-nov2023.yaml"
HORIZON = 86_400.0   # the scenario's day, seconds

# backend: (mean pending jobs while active, % of the day in maintenance, % reserved)
FIGURES = {
    "ibm_perth": (769, 0.0, 17.7),
    "ibm_brisbane": (524, 0.0, 0.0),
    "ibm_nairobi": (494, 5.1, 0.0),
    "ibm_sherbrooke": (397, 0.0, 0.0),
    "ibm_cusco": (196, 0.0, 0.0),
    "ibm_nazca": (192, 4.1, 0.0),
    "ibm_cairo": (116, 5.7, 0.0),
    "ibmq_mumbai": (91, 0.0, 0.0),
    "ibmq_kolkata": (80, 0.0, 12.3),
    "ibm_algiers": (63, 10.0, 0.0),
    "ibm_lagos": (61, 0.0, 17.5),
    "ibm_hanoi": (39, 0.0, 0.0),
}

# The pending level must be within 2% of its figure (at least 1 job). Why so tight: the level is
# held by construction, not by balancing random arrivals. A backend with P pending jobs carries
# P + 1 job chains that each resubmit the moment their job ends, so exactly P wait while one
# runs. What is left is small and known: inside a reservation no chain's job runs, so all P + 1
# wait (+0.18 job at most, on ibm_perth), and the figures are whole jobs. A larger gap means the
# chains stopped before the day's end, or a QPU stood idle with jobs waiting. (Open Poisson
# arrivals balanced against the service rate drift by tens of jobs over a day: in trials they
# missed the small backends by up to 45%, ibm_hanoi once by 108%; docs/calibration.md.)
PENDING_TOLERANCE = 0.02
# A share of the day: a window's length is exact, so the only slack is the figure's rounding.
SHARE_TOLERANCE = 0.1   # percentage points


def windows(system, backend: str, kind: str) -> list[tuple[float, float]]:
    """The backend's windows of one kind (maintenance, reservation) from the system table, as
    the run recorded them (a maintenance starts when the running job has ended), cut to the
    day."""
    rows = system[(system["backend"] == backend) & (system["kind"] == kind)]
    out = [(max(0.0, s), min(HORIZON, e)) for s, e in zip(rows["start"], rows["end"])]
    return [(s, e) for s, e in out if e > s]


def share_of_day(system, backend: str, kind: str) -> float:
    """Percent of the day the backend spent in windows of ``kind``."""
    return 100.0 * sum(e - s for s, e in windows(system, backend, kind)) / HORIZON


def mean_pending(events, system, backend: str) -> float:
    """The time-averaged number of jobs pending (queued: submitted, not yet started or ended) on
    ``backend`` over the day, counting only the time it is not in maintenance.

    Each job is pending from its ``job_submitted`` event until its first ``job_started`` or
    terminal event; the count is a step function of time, integrated against the active time
    (the day less the maintenance windows) and divided by it."""
    mine = events[events["backend"] == backend]
    enter = mine[mine["event"] == ev.JOB_SUBMITTED].groupby("job_id")["time"].min()
    left = mine[mine["event"].isin((ev.JOB_STARTED,) + ev.TERMINAL_EVENTS)]
    leave = left.groupby("job_id")["time"].min().reindex(enter.index).fillna(np.inf)
    times = np.concatenate([enter.to_numpy(float), leave.to_numpy(float)])
    steps = np.concatenate([np.ones(len(enter)), -np.ones(len(leave))])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])   # level from times[i] to times[i+1]
    down = windows(system, backend, ev.MAINTENANCE)

    def active_until(t):
        """Seconds of the day before ``t`` that are not maintenance."""
        t = np.clip(t, 0.0, HORIZON)
        return t - sum(np.clip(t - s, 0.0, e - s) for s, e in down)

    weight = np.diff(active_until(np.append(times, HORIZON)))
    return float((level * weight).sum() / active_until(HORIZON))


@pytest.fixture(scope="module")
def run():
    return run_scenario(load_scenario(SCENARIO))


def test_the_scenario_has_exactly_the_backends_of_the_figures(run):
    assert [b.name for b in run.scenario.backends] == list(FIGURES)


@pytest.mark.parametrize("backend", FIGURES)
def test_maintenance_share_is_the_figure(run, backend):
    assert share_of_day(run.system, backend, ev.MAINTENANCE) == pytest.approx(
        FIGURES[backend][1], abs=SHARE_TOLERANCE)


@pytest.mark.parametrize("backend", FIGURES)
def test_reserved_share_is_the_figure(run, backend):
    assert share_of_day(run.system, backend, ev.RESERVATION) == pytest.approx(
        FIGURES[backend][2], abs=SHARE_TOLERANCE)


@pytest.mark.parametrize("backend", FIGURES)
def test_mean_pending_jobs_while_active_is_the_figure(run, backend):
    target = FIGURES[backend][0]
    got = mean_pending(run.events, run.system, backend)
    assert abs(got - target) <= max(1.0, PENDING_TOLERANCE * target), (backend, got, target)


def test_every_job_chain_is_still_going_at_the_end_of_the_day(run):
    """What holds the level: no chain ran out of iterations inside the day (its last job ended
    after it), and each job ran, in the order fair share gave."""
    clients = run.clients
    chains = clients[clients["mode"] == "job"]
    assert len(chains) == sum(p + 1 for p, _, _ in FIGURES.values())
    assert (chains["status"] == "done").all()
    assert chains["finished_at"].min() > HORIZON
    assert (run.jobs["status"] == "completed").all()


def test_the_partner_works_inside_its_reservations(run):
    """Each reservation has the partner's dedicated session, which ends inside the window."""
    sessions = run.sessions.set_index("backend")
    for backend, (_, _, reserved) in FIGURES.items():
        if not reserved:
            continue
        (start, end), = windows(run.system, backend, ev.RESERVATION)
        s = sessions.loc[backend]
        assert s["tenant"] == "partner" and s["mode"] == "dedicated"
        assert start <= s["start_time"] < s["end_time"] <= end


def test_run_times_have_the_median_of_ibms_job_log(run):
    """Ravi et al. (IISWC 2021), IBM job log: median run time 1.05 min. The scenario's jobs are
    drawn from one log-normal with that median; the draws' median is within 3% of it."""
    assert float(np.median(run.jobs["duration"])) == pytest.approx(63.0, rel=0.03)
