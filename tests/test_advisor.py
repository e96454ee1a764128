"""The execution-mode advisor (engine/advisor.py) on three workloads analysed by hand: think
time well under, near and over the interactive timeout (ibm-2026: 60 s, R6).

The analysis. Ten jobs of 5 QPU seconds each; the backend is kept 70% busy by others' jobs. In
each seed the three modes see the same arrivals, so until the user's first job ends the three
worlds are identical: that job's turnaround D1 is the same in each.
- A session whose think time T is under the timeout holds the backend from its first job on: no
  later job ever waits, so its time to solution is exactly D1 + 9 (T + 5), never more than plain
  jobs' (whose later jobs may queue), and the session is the fastest on average.
- Over the timeout the session deactivates after 60 s idle in every iteration: it is charged at
  least 10 x 5 + 9 x 60 = 590 s (its jobs and its idle holds, R6), plain jobs exactly 50 s, and
  its next job queues like a plain job (R7): the session is not the answer.
"""

from __future__ import annotations

import json

import pytest

from engine.advisor import Workload, advise, scenario
from engine.run import run_scenario
from engine.validation import validate_scenario
from tests.helpers import cli

SEEDS = 5


def _worlds(w: Workload):
    """Per seed: the session's time to solution, D1, plain jobs' time to solution, and what
    the session and plain jobs were charged."""
    out = []
    for seed in range(w.seed, w.seed + w.seeds):
        r = run_scenario(validate_scenario(scenario(w, seed)))
        tts = r.clients.set_index("workload").time_to_solution
        first = r.jobs[r.jobs.job_id == "you-dedicated.1"].iloc[0]
        charged = r.tenants.set_index("tenant").charged
        out.append((tts["you-dedicated"], first.end_time - first.submit_time, tts["you-job"],
                    charged["you_dedicated"], charged["you_job"]))
    return out


@pytest.mark.parametrize("think, words", [
    (10, "Your 10 s think time is well under the 60 s interactive timeout: the session holds "
         "the backend through every think time (R6)"),
    (55, "Your 55 s think time is near the 60 s interactive timeout: the session holds the "
         "backend through each think time (R6), but an iteration slower by 5 s lets it "
         "deactivate"),
])
def test_under_the_timeout_the_session_never_waits_again_and_wins(think, words):
    w = Workload(iterations=10, think_time=think, qpu_time=5, seeds=SEEDS)
    for session, d1, plain, _, charged_plain in _worlds(w):
        assert session == pytest.approx(d1 + 9 * (think + 5), abs=1e-6)
        assert session <= plain + 1e-6
        assert charged_plain == pytest.approx(50.0)
    answer = advise(w)
    assert answer.best == "dedicated"
    assert answer.words[0].startswith("Fastest: run in a session: time to solution ")
    assert words in " ".join(answer.words)
    # If the charge matters more: plain jobs (or a batch: the same here), charged 50 s.
    assert "If the charge matters more: run as plain jobs: charged" in answer.words[1]


def test_over_the_timeout_the_session_is_charged_its_idle_holds_and_loses():
    w = Workload(iterations=10, think_time=75, qpu_time=5, seeds=SEEDS)
    for _, _, _, charged_session, charged_plain in _worlds(w):
        assert charged_session >= 590.0 - 1e-6
        assert charged_plain == pytest.approx(50.0)
    answer = advise(w)
    assert answer.best != "dedicated"
    text = " ".join(answer.words)
    assert ("Your 75 s think time exceeds the 60 s interactive timeout: the session deactivates "
            "every iteration (R6)") in text
    session = answer.modes["dedicated"]
    assert session.charged.mean >= 590.0
    assert session.others_wait.mean > answer.modes[answer.best].others_wait.mean


def test_the_open_plan_has_no_session_mode():
    answer = advise(Workload(iterations=3, think_time=5, qpu_time=5, plan="open", seeds=2))
    assert answer.modes["dedicated"].refused == "the Open plan has no sessions (R22)"
    assert answer.best in ("batch", "job")
    assert "The Open plan cannot open sessions (R22)" in " ".join(answer.words)


def test_the_command_line_answers_and_refuses_naming_the_flag():
    r = cli("advise", "--iterations", "4", "--think-time", "75", "--qpu-time", "5",
            "--seeds", "2", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["best"] in ("batch", "job") and len(got["modes"]) == 3
    assert got["words"][0].startswith("Fastest: run as ")
    bad = cli("advise", "--load", "2")
    assert bad.returncode == 2
    assert bad.stderr == ("error: --load = 2.0: must be from 0 to 0.95 (a fuller queue never "
                          "drains)\n")
    also = cli("advise", "--seeds", "1")
    assert also.returncode == 2 and also.stderr.startswith("error: --seeds = 1: must be from 2")
