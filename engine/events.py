"""The names the trace uses, in one place: event kinds, record fields, span kinds, statuses.

``events.csv`` has one row per thing that happened (``EVENT_FIELDS``; an event's kind is one of
the constants below). ``spans.csv`` has one row per stretch of time a session spent in one
state (``SPAN_FIELDS``, kinds ``SESSION_SPANS``). Jobs end in one of ``TERMINAL`` (R16), each
with its ``TERMINAL_EVENT``. The engine, the client API, the figures and the lessons read these
names from here and nowhere else.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------- event kinds
JOB_SUBMITTED = "job_submitted"
JOB_STARTED = "job_started"
JOB_COMPLETED = "job_completed"
JOB_FAILED = "job_failed"
JOB_CANCELLED = "job_cancelled"
JOB_REJECTED = "job_rejected"
JOB_READY = "job_ready"                    # R19: its classical stage is done; waits for the QPU
JOB_QPU_STARTED = "job_qpu_started"        # R19: its QPU stage began
SYSTEM_STARTED = "system_started"          # R20: a calibration or maintenance took the QPU
SYSTEM_COMPLETED = "system_completed"
RESERVATION_STARTED = "reservation_started"  # R21
RESERVATION_ENDED = "reservation_ended"
SESSION_OPENED = "session_opened"          # created, no job yet (Session() before a run)
SESSION_STARTED = "session_started"        # R4: its first job started
SESSION_WAITING = "session_waiting"        # R6: holding its backend idle for its next job
SESSION_DEACTIVATED = "session_deactivated"  # R6, R14: let go; its jobs wait in fair share
SESSION_REACTIVATED = "session_reactivated"  # R7: one of its jobs started again
SESSION_CLOSING = "session_closing"        # R10: close() with work left
SESSION_ENDED = "session_ended"            # closed, expired (R9) or cancelled (R11)

JOB_EVENTS = (JOB_SUBMITTED, JOB_STARTED, JOB_READY, JOB_QPU_STARTED, JOB_COMPLETED,
              JOB_FAILED, JOB_CANCELLED, JOB_REJECTED)
BACKEND_EVENTS = (SYSTEM_STARTED, SYSTEM_COMPLETED, RESERVATION_STARTED, RESERVATION_ENDED)
SESSION_EVENTS = (SESSION_OPENED, SESSION_STARTED, SESSION_WAITING, SESSION_DEACTIVATED,
                  SESSION_REACTIVATED, SESSION_CLOSING, SESSION_ENDED)

# ---------------------------------------------------------------------------- statuses (R16)
COMPLETED, FAILED, CANCELLED, REJECTED = "completed", "failed", "cancelled", "rejected"
TERMINAL = (COMPLETED, FAILED, CANCELLED, REJECTED)
TERMINAL_EVENT = {COMPLETED: JOB_COMPLETED, FAILED: JOB_FAILED, CANCELLED: JOB_CANCELLED,
                  REJECTED: JOB_REJECTED}
TERMINAL_EVENTS = tuple(TERMINAL_EVENT.values())

# Session end reasons (sessions.csv ``end_reason``).
CLOSED, EXPIRED = "closed", "expired"

# ---------------------------------------------------------------------------- records
# One row of events.csv; the engine keeps them as tuples in this order, ``time`` in ticks.
EVENT_FIELDS = ("time", "backend", "event", "session_id", "job_id", "tenant", "detail")

# ---------------------------------------------------------------------------- spans
# What a session is doing over a stretch of time. A dedicated session is ``open`` from its
# creation to its first job's start; then, while it holds its backend, ``running`` when one of
# its jobs runs and ``reserved idle`` otherwise (R6); ``inactive`` from a deactivation to a
# reactivation or its end (R7). A batch is ``running`` while one of its jobs runs and ``batch
# active`` between them, from its start to its end (R14).
OPEN, RUNNING, RESERVED_IDLE, INACTIVE, BATCH_ACTIVE = (
    "open", "running", "reserved idle", "inactive", "batch active")
SESSION_SPANS = (OPEN, RUNNING, RESERVED_IDLE, INACTIVE, BATCH_ACTIVE)
SPAN_FIELDS = ("session_id", "kind", "start", "end")

# ---------------------------------------------------------------------------- backend work
# What a backend does besides users' jobs (system.csv): system work (R20) and reservations (R21).
CALIBRATION, MAINTENANCE, RESERVATION = "calibration", "maintenance", "reservation"
SYSTEM_KINDS = (CALIBRATION, MAINTENANCE)
SYSTEM_FIELDS = ("backend", "kind", "id", "tenant", "start", "end")
