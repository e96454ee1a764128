"""Scenario editing widgets: each returns the plain-data piece of a scenario document it edits.

The Scenario page lays these out in one form; on submit the document is validated by the engine
(the same validation as files get), and a rejected value is reported beside its section with
the key and value named. Nothing is applied until the whole document is valid.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import streamlit as st

from engine.model import PRESETS, SCHEDULERS

from .state import field_error
from .uploads import shown_name

DISTS = ["fixed", "exponential", "uniform", "lognormal"]
KINDS = {"background": "background load (open loop, job mode)",
         "interactive": "interactive clients (closed loop: submit, wait, think)",
         "job_user": "job-mode user (the same loop without a session)",
         "batch": "batch submitter (jobs in one batch, then close)",
         "replay": "recorded trace (SWF or jobs.csv) replayed"}
# A replay needs a trace file: upload one in the "Replay a trace" tab (or name one in the YAML).
ADDABLE = [k for k in KINDS if k != "replay"]


def _optional(col, out: dict, policy: dict, name: str, label: str, key: str, *,
              min_value: float, step: float, placeholder: str, help: str) -> None:
    """A policy number that may be left empty (the preset decides); set in ``out`` if given."""
    value = col.number_input(label, min_value=min_value, step=step,
                             value=None if policy.get(name) is None else float(policy[name]),
                             placeholder=placeholder, key=f"{key}.{name}", help=help)
    if value is not None:
        out[name] = value


MAIN = {"fixed": ("value", "value (s)"), "exponential": ("mean", "mean (s)"),
        "uniform": ("low", "low (s)"), "lognormal": ("mean", "mean (s)")}


def dist_input(label: str, current: Optional[dict], key: str, default_mean: float = 10.0):
    """A distribution: fixed value, exponential mean, uniform low-high, lognormal mean/sigma.

    The number beside the kind (value, mean, low, mean) is one widget whichever the kind: the
    widgets sit in a form, so a change of kind takes effect only on submit, and the number typed
    with it must be read then, not replaced by the old document's. A second number the old kind
    did not have starts from the typed one (uniform high: twice it) or its default (sigma 0.5).
    Bounds are the engine's to check (a zero mean is refused with its key named)."""
    current = current if isinstance(current, dict) else (
        {"dist": "fixed", "value": current} if current is not None else None)
    cur = current or {}
    was = cur.get("dist", "fixed")
    c0, c1, c2 = st.columns([1.2, 1, 1])
    dist = c0.selectbox(label, DISTS, index=DISTS.index(was), key=f"{key}.dist")
    name, box = MAIN[dist]
    first = cur.get(MAIN[was][0], default_mean)
    main = c1.number_input(box, value=float(first), min_value=0.0, key=f"{key}.main")
    out = {"dist": dist, name: main}
    if dist == "uniform":
        out["high"] = c2.number_input("high (s)", min_value=0.0, key=f"{key}.high",
                                      value=float(cur["high"] if was == "uniform" else 2 * main))
    elif dist == "lognormal":
        out["sigma"] = c2.number_input("sigma", min_value=0.0, max_value=5.0, key=f"{key}.sigma",
                                       value=float(cur.get("sigma", 0.5)))
    return out


def policy_input(doc: dict, key: str = "policy") -> dict:
    p = dict(doc.get("policy") or {})
    preset = p.get("preset", "ibm-2022")
    d = PRESETS[preset]
    c1, c2, c3 = st.columns(3)
    preset = c1.selectbox("Preset", list(PRESETS), index=list(PRESETS).index(preset),
                          key=f"{key}.preset",
                          help="ibm-2022: 300 s interactive timeout, max time from the first "
                               "job, one lane; ibm-2024: 60 s, max time 8 h, batches time out "
                               "after 1 s; ibm-2026 (today): as ibm-2024, plus 5 lanes per "
                               "backend (R19), compile time as a classical stage, a 3 h cap "
                               "per job and Open-plan limits (R22).")
    out = {"preset": preset}
    _optional(c2, out, p, "interactive_timeout", "Interactive timeout (s)", key,
              min_value=0.0, step=10.0, placeholder=f"preset: {d['interactive_timeout']:g}",
              help="How long an active session holds its backend idle waiting for its next job "
                   "(R6). Empty: the preset's value.")
    _optional(c3, out, p, "system_max_time", "System max time (s)", key, min_value=1.0,
              step=600.0, placeholder=f"preset: {d['system_max_time']:g}",
              help="No session lives longer than this (R9).")
    c4, c5, c6 = st.columns(3)
    _optional(c4, out, p, "default_max_execution_time", "Default max execution time (s)", key,
              min_value=1.0, step=60.0, placeholder="none",
              help="A job running longer fails (R12); also the seed's max-time rule (R9). "
                   "Empty: none.")
    fs = dict(p.get("fair_share") or {})
    usage = c5.selectbox("Fair-share usage", ["window", "half_life"],
                         index=["window", "half_life"].index(fs.get("usage", "window")),
                         format_func={"window": "rolling window",
                                      "half_life": "half-life decay"}.get,
                         key=f"{key}.fair_share.usage",
                         help="How past QPU usage counts when picking the next tenant (R3).")
    if usage == "window":
        span = c6.number_input("Window (s)", min_value=1.0, step=3600.0,
                               value=float(fs.get("window", 28 * 86400)),
                               key=f"{key}.fair_share.window",
                               help="Usage older than this is forgotten. 86,400 s = 1 day; "
                                    "the default is 28 days.")
        out["fair_share"] = {"usage": "window", "window": span}
    else:
        span = c6.number_input("Half-life (s)", min_value=1.0, step=3600.0,
                               value=float(fs.get("half_life", 7 * 86400)),
                               key=f"{key}.fair_share.half_life",
                               help="Usage counts half after this long. 86,400 s = 1 day; "
                                    "the default is 7 days.")
        out["fair_share"] = {"usage": "half_life", "half_life": span}
    c7, c8, _ = st.columns(3)
    ex = ["all", "interactive", "none"]
    out["execution"] = c7.selectbox(
        "Run circuits on Aer", ex, index=ex.index(p.get("execution", "all")),
        key=f"{key}.execution",
        format_func={"all": "all jobs", "interactive": "only awaited results",
                     "none": "none (timing only)"}.get)
    sched = p.get("scheduler", "fair_share")
    was = sched.get("name") if isinstance(sched, dict) else sched
    names = list(SCHEDULERS) + ([] if was in SCHEDULERS else [was])
    chosen = c8.selectbox(
        "Scheduler", names, index=names.index(was), key=f"{key}.scheduler",
        format_func=lambda n: SCHEDULER_WORDS.get(n, n if n in SCHEDULERS
                                                  else f"your own: {n}"),
        help="Which queued job starts when no session or batch claims the backend (R3). "
             "IBM's is fair share; the others are for what-if comparisons. A scheduler of "
             "your own runs only from the command line (--allow-code).")
    out["scheduler"] = sched if chosen == was else chosen   # settings kept while unchanged
    for k, v in p.items():   # what the form does not show (lanes, limits, timing...) is kept
        if k not in out and k not in _SHOWN:
            out[k] = v
    field_error("policy")
    return out


# The policy keys policy_input shows: an emptied one goes back to the preset's.
_SHOWN = {"preset", "interactive_timeout", "system_max_time", "default_max_execution_time",
          "fair_share", "execution", "scheduler"}
# The engine's schedulers (engine.model.SCHEDULERS, in its order) as the form names them.
SCHEDULER_WORDS = {"fair_share": "IBM fair share (R3)",
              "hierarchical_fair_share": "fair share by organisation",
              "fifo": "first come, first served", "priority": "strict priority by tenant",
              "sjf": "shortest job first", "slurm": "Slurm fair-share factor"}


def table_input(rows: list[dict], columns: dict, key: str, help: str = "") -> list[dict]:
    """An editable table (rows can be added and deleted); empty cells are left out."""
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))
    edited = st.data_editor(frame, column_config=columns, num_rows="dynamic", key=key,
                            width="stretch", hide_index=True)
    out = []
    for rec in edited.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if v is None or (isinstance(v, float) and v != v) or v == "":
                continue
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float) and v.is_integer() and k in ("num_qubits", "seed", "lanes",
                                                                   "priority"):
                v = int(v)
            clean[k] = v
        if clean:
            out.append(clean)
    return out


def workload_input(w: dict, i: int, tenants: list[str], backends: list[str],
                   gen: str) -> Optional[dict]:
    """One workload's fields by kind; returns None when marked for removal. ``gen`` is the
    form's generation (``state.form_generation()``): keyed with it, the widgets of a newly
    loaded scenario start with that scenario's values, not the last one's."""
    key = f"wl{i}_{gen}"
    kind = w.get("kind", "background")
    out = {"kind": kind}
    c1, c2, c3, c4 = st.columns([1.2, 1, 1.4, 0.8])
    out["name"] = c1.text_input("Name", value=w.get("name") or f"{kind}{i + 1}",
                                key=f"{key}.name")
    t = w.get("tenant")
    out["tenant"] = c2.selectbox("Default tenant" if kind == "replay" else "Tenant",
                                 tenants + ([t] if t and t not in tenants else []),
                                 index=(tenants + [t]).index(t) if t in tenants + [t] else 0,
                                 key=f"{key}.tenant")
    bk = w.get("backend") or backends[:1]
    bk = [bk] if isinstance(bk, str) else list(bk)
    out["backend"] = c3.multiselect("Backend(s)", sorted(set(backends) | set(bk)), default=bk,
                                    key=f"{key}.backend",
                                    help="Several: each job (or client) picks one at random.")
    out["start"] = c4.number_input("Start (s)", value=float(w.get("start", 0.0)),
                                   min_value=0.0, key=f"{key}.start")
    if kind == "background":
        arr = w.get("arrivals") or {"process": "poisson", "rate": 0.02}
        a1, a2, a3 = st.columns(3)
        proc = a1.selectbox("Arrivals", ["poisson", "periodic"],
                            index=["poisson", "periodic"].index(arr.get("process", "poisson")),
                            key=f"{key}.arrivals.process")
        if proc == "poisson":
            out["arrivals"] = {"process": "poisson", "rate": a2.number_input(
                "Rate (jobs/s)", value=float(arr.get("rate", 0.02)), min_value=1e-9,
                format="%.4f", step=0.005, key=f"{key}.arrivals.rate")}
        else:
            out["arrivals"] = {"process": "periodic", "interval": a2.number_input(
                "Interval (s)", value=float(arr.get("interval", 60.0)), min_value=1e-6,
                key=f"{key}.arrivals.interval")}
        bound = "count" if w.get("count") is not None else "until"
        b = a3.radio("Stop after", ["until", "count"], index=["until", "count"].index(bound),
                     horizontal=True, key=f"{key}.bound")
        if b == "count":
            out["count"] = int(a3.number_input("Jobs", value=int(w.get("count") or 100),
                                               min_value=0, step=10, key=f"{key}.count"))
        else:
            out["until"] = a3.number_input("Until (s)", value=float(w.get("until") or 3600),
                                           min_value=0.0, step=600.0, key=f"{key}.until")
    elif kind in ("interactive", "job_user"):
        a1, a2, a3 = st.columns(3)
        modes = ["dedicated", "batch", "job"]
        if kind == "interactive":
            out["mode"] = a1.selectbox("Mode", modes, index=modes.index(w.get("mode",
                                                                                "dedicated")),
                                       key=f"{key}.mode",
                                       help="dedicated: a session; batch; job: no session.")
        out["iterations"] = int(a2.number_input("Iterations", value=int(w.get("iterations", 10)),
                                                min_value=1, key=f"{key}.iterations"))
        out["clients"] = int(a3.number_input("Clients", value=int(w.get("clients", 1)),
                                             min_value=1, key=f"{key}.clients"))
        out["think_time"] = dist_input("Think time", w.get("think_time", 5.0),
                                       f"{key}.think_time", 5.0)
        if w.get("interactive_timeout") is not None:
            out["interactive_timeout"] = w["interactive_timeout"]
        for k in ("max_time", "arrivals", "close", "algorithm"):
            if k in w:
                out[k] = w[k]
    elif kind == "replay":
        a1, a2, a3, a4 = st.columns([1.6, 1, 1, 1])
        uploaded = shown_name(w.get("trace", ""))
        if uploaded:   # in this browser session's upload folder: shown by name, kept as it is
            a1.text_input("Trace file", value=f"{uploaded} (uploaded)", disabled=True,
                          key=f"{key}.trace_uploaded",
                          help="Uploaded in the Replay a trace tab; kept in this browser "
                               "session's own folder on the server.")
            out["trace"] = w["trace"]
        else:
            out["trace"] = a1.text_input("Trace file", value=w.get("trace", ""),
                                         key=f"{key}.trace",
                                         help="A path relative to the built-in scenarios' "
                                              "folder (scenarios/), e.g. traces/sample.swf. "
                                              "To replay a file of your own, upload it in the "
                                              "Replay a trace tab.")
        formats = ["swf", "jobs_csv"]
        out["format"] = a2.selectbox("Format", formats,
                                     index=formats.index(w.get("format", "swf")),
                                     key=f"{key}.format")
        by = ["user", "group"]
        out["tenant_by"] = a3.selectbox("Tenants from (SWF)", by,
                                        index=by.index(w.get("tenant_by", "user")),
                                        key=f"{key}.tenant_by",
                                        help="SWF field 12 (user<id>) or 13 (group<id>); a "
                                             "tenant the scenario does not declare becomes "
                                             "the default tenant.")
        out["time_scale"] = a4.number_input("Time scale", value=float(w.get("time_scale", 1.0)),
                                            min_value=1e-6, key=f"{key}.time_scale",
                                            help="Multiplies every submit time and duration.")
        for k in ("limit", "session_mode", "classical_time"):
            if k in w:
                out[k] = w[k]
        st.caption("Durations come from the trace; chains of dependent jobs become sessions "
                   "(engine/replay.py documents the mapping).")
    else:  # batch
        a1, a2, a3 = st.columns(3)
        modes = ["batch", "dedicated", "job"]
        out["mode"] = a1.selectbox("Mode", modes, index=modes.index(w.get("mode", "batch")),
                                   key=f"{key}.mode")
        out["jobs"] = int(a2.number_input("Jobs", value=int(w.get("jobs", 10)), min_value=1,
                                          key=f"{key}.jobs"))
        out["interval"] = a3.number_input("Interval (s)", value=float(w.get("interval", 0.0)),
                                          min_value=0.0, key=f"{key}.interval")
        for k in ("max_time", "interactive_timeout"):
            if k in w:
                out[k] = w[k]
    has_circuit = w.get("circuit") is not None
    if kind == "replay":
        pass
    elif has_circuit and w.get("duration") is None:
        st.caption("Duration: from the timing model (the circuit on the backend).")
    else:
        out["duration"] = dist_input("Job duration", w.get("duration", 10.0),
                                     f"{key}.duration", 10.0)
    if kind != "replay":
        if w.get("classical_time") is not None:
            out["classical_time"] = dist_input("Classical stage", w["classical_time"],
                                               f"{key}.classical_time", 10.0)
        else:
            add = st.checkbox("Add a classical stage (R19)", key=f"{key}.classical_add",
                              help="Pre-processing in the job's lane before it needs the QPU. "
                                   "Applied as a fixed 10 s; edit it here afterwards.")
            if add:
                out["classical_time"] = {"dist": "fixed", "value": 10.0}
    for k in ("circuit", "primitive", "parameters", "observables", "precision", "shots",
              "max_execution_time", "seed"):
        if k in w:
            out[k] = w[k]
    if has_circuit:
        st.caption(f"Circuit: {w['circuit']} ({w.get('primitive') or 'sampler'}); edit circuits "
                   f"and algorithms in the YAML tab.")
    # A rejected edit of this workload is shown by the page, which knows which workload on
    # screen the rejected key names when others were removed in the same edit.
    remove = st.checkbox("Remove this workload", key=f"{key}.remove")
    return None if remove else out
