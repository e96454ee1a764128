"""QPU time of a job from its shape, for jobs that give no explicit ``duration``.

QPU seconds = per-job overhead + circuits x shots x (circuit duration + repetition delay), the
estimate IBM documents for its systems, plus ``compile_time`` unless the job's session or batch
compiled the same circuit before (R15; the simulator decides that when the job starts). An explicit
``duration`` always wins and includes everything.
"""

from __future__ import annotations

from typing import Optional

from .model import JobSpec, Timing


def qpu_seconds(timing: Timing, shots: int, num_circuits: int = 1,
                circuit_duration: Optional[float] = None) -> float:
    per_shot = (timing.circuit_duration if circuit_duration is None else circuit_duration)
    return timing.per_job_overhead + num_circuits * shots * (per_shot + timing.rep_delay)


def job_duration(spec: JobSpec, timing: Timing) -> tuple[float, float]:
    """``(QPU seconds without compiling, compile seconds)`` for a job spec."""
    if spec.duration is not None:
        return spec.duration, 0.0
    return (qpu_seconds(timing, spec.shots, spec.num_circuits, spec.circuit_duration),
            timing.compile_time)
