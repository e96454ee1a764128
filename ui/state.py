"""The dashboard's shared state and sidebar.

``st.session_state`` holds the current scenario (a validated ``Scenario``), where it came from,
and the last good run; nothing derived. A run that fails or is stopped leaves the last good run
on screen. Long runs show progress in the sidebar and can be stopped: the Stop button's click
interrupts the script at the next progress update (Streamlit reruns at once on interaction).
"""

from __future__ import annotations

import os
import re
import time
from typing import Optional

import streamlit as st

from engine import RunResult, Scenario, ScenarioError

from . import links, runs

SCENARIO = "scenario"      # the current Scenario
SOURCE = "source"          # where it came from: "built-in seed-story", "edited", "upload x.yaml"
RUN = "run"                # the last good RunResult
RUN_KEY = "run_key"        # key_of(the scenario of RUN)
PENDING = "pending_run"    # a run was asked for and has not finished
NOTICE = "notice"          # (kind, text) shown in the sidebar until the next run or scenario
FIELD_ERROR = "field_error"  # (key, message) of the last rejected edit
REJECTED_AT = "rejected_workload"  # the form's workload (its index on screen) holding it
REJECTS = "rejections"     # how many edits were rejected (a fresh tag for each rejection)
HANDLE = "run_handle"      # the run in progress (ui/runner.py), if any
LOADS = "scenario_loads"   # how many times a scenario was put in place (a form generation)
PRIVATE = "private_runs"   # this browser session's own runs (runs.PrivateStore)
SHARED = "shared_saved"    # ids of the runs this session saved to the shared store


def init() -> None:
    """First visit: the starting scenario (SESSION_LAB_SCENARIO: a file or a built-in name;
    default seed-story), run before the first page is drawn."""
    ss = st.session_state
    ss.setdefault(NOTICE, None)
    ss.setdefault(FIELD_ERROR, None)
    runs.runner.warm_up()   # a run process ready for the server's next run
    if SCENARIO not in ss:
        try:
            ss[SCENARIO], ss[SOURCE] = runs.starting_scenario()
        except ScenarioError as exc:
            ss[NOTICE] = ("error", f"SESSION_LAB_SCENARIO: {exc}. Showing {runs.DEFAULT}.")
            ss[SCENARIO] = runs.validate(runs.builtin(runs.DEFAULT))
            ss[SOURCE] = f"built-in: {runs.DEFAULT}"
        ss[PENDING] = True
        _from_link()


def _from_link() -> None:
    """A link that names a scenario (a built-in) or a run in the shared store opens on it."""
    wanted = links.wanted_scenario()
    if wanted is None:
        return
    kind, value = wanted
    ss = st.session_state
    if kind == links.SCENARIO:
        if value in runs.builtin_names():
            set_scenario(runs.validate(runs.builtin(value)), f"built-in: {value}")
        else:
            ss[NOTICE] = ("error", f"The link's scenario={value!r} is not a built-in scenario; "
                                   f"showing {ss[SCENARIO].name}.")
        return
    try:
        run_id = int(value)
        show_run(runs.store().load(run_id), f"stored run #{run_id} (shared)")
    except (ValueError, ScenarioError) as exc:
        why = exc if isinstance(exc, ScenarioError) else "not a run id"
        ss[NOTICE] = ("error", f"The link's run={value!r}: {why}; showing {ss[SCENARIO].name}.")


def scenario() -> Scenario:
    return st.session_state[SCENARIO]


def current_run() -> Optional[RunResult]:
    return st.session_state.get(RUN)


def run_generation() -> str:
    """A short tag of the run on screen: widgets keyed with it start afresh for a new run."""
    return (st.session_state.get(RUN_KEY) or "none")[:8]


def form_generation() -> str:
    """A tag of the scenario in place: the Scenario page keys every widget with it, so a newly
    loaded (or applied) scenario starts fresh widgets holding its own values, even when the same
    scenario is loaded again. A rejected edit leaves it unchanged, so the typed values stay."""
    ss = st.session_state
    return f"{ss.get(LOADS, 0)}_{runs.key_of(ss[SCENARIO])[:8]}"


def _loaded() -> None:
    st.session_state[LOADS] = st.session_state.get(LOADS, 0) + 1


def set_scenario(sc: Scenario, source: str, run_now: bool = True) -> None:
    ss = st.session_state
    _loaded()
    ss[SCENARIO] = sc
    ss[SOURCE] = source
    ss[FIELD_ERROR] = ss[REJECTED_AT] = None
    if run_now:
        ss[PENDING] = True
        ss[NOTICE] = None


def show_run(result: RunResult, source: str) -> None:
    """Put an already finished run (a saved one) on screen with its scenario; a run in
    progress (of the scenario it replaces) is stopped."""
    ss = st.session_state
    handle = ss.get(HANDLE)
    if handle is not None:
        handle.stop()
        ss[HANDLE] = None
    _loaded()
    ss[SCENARIO] = result.scenario
    ss[SOURCE] = source
    ss[FIELD_ERROR] = ss[REJECTED_AT] = None
    ss[NOTICE] = None
    ss[RUN] = result
    ss[RUN_KEY] = runs.key_of(result.scenario)
    ss[PENDING] = False


def reject(key: str, message: str, workload: Optional[int] = None) -> None:
    """Remember a rejected edit: its key and message (which names the key and value), and for
    an edit of the form, which workload on screen holds it."""
    ss = st.session_state
    ss[FIELD_ERROR] = (key, message)
    ss[REJECTED_AT] = workload
    ss[REJECTS] = ss.get(REJECTS, 0) + 1


def _under(key: str, prefixes) -> bool:
    return any(key == p or key.startswith(p + ".") or key.startswith(p + "[") for p in prefixes)


def field_error(*prefixes: str) -> None:
    """Show the last rejected edit's message here if its key starts with one of ``prefixes``."""
    err = st.session_state.get(FIELD_ERROR)
    if err and _under(err[0], prefixes):
        st.error(err[1], icon=":material/error:")


def reject_error(exc: ScenarioError, workloads: Optional[list[int]] = None) -> None:
    """Remember a rejected edit; its message names the key and the value. ``workloads``: for a
    document the form built, the on-screen index of each of its workloads (some may have been
    removed in the same edit), so the one the key names can be opened."""
    at = None
    hit = re.match(r"workloads\[(\d+)\]", exc.key)
    if hit and workloads is not None and int(hit.group(1)) < len(workloads):
        at = workloads[int(hit.group(1))]
    reject(exc.key, str(exc), at)


def rejected() -> Optional[tuple[str, str]]:
    """The last rejected edit, (key, message), or None."""
    return st.session_state.get(FIELD_ERROR)


def rejected_workload() -> Optional[int]:
    """The form's workload (its index on screen) holding the last rejected edit, if any."""
    return st.session_state.get(REJECTED_AT) if rejected() else None


def rejection_tag() -> int:
    """Changes with every rejection: a container keyed with it is new, so it opens afresh."""
    return st.session_state.get(REJECTS, 0)


def _kept_words() -> str:
    """What stays on screen after a run that did not finish."""
    if st.session_state.get(RUN) is None:
        return "No run is on screen yet: press **Run scenario** to run it again."
    return "The last complete run stays on screen."


def _stop() -> None:
    handle = st.session_state.get(HANDLE)
    if handle is not None:
        handle.stop()
    st.session_state[PENDING] = False
    st.session_state[HANDLE] = None
    st.session_state[NOTICE] = ("warning", f"Run stopped. {_kept_words()}")


def _ask_run() -> None:
    st.session_state[PENDING] = True
    st.session_state[NOTICE] = None


def running() -> bool:
    """A run of this browser session is in progress."""
    handle = st.session_state.get(HANDLE)
    return bool(st.session_state.get(PENDING)) and handle is not None and not handle.done()


def _pick_builtin() -> None:
    name = st.session_state["builtin_pick"]
    set_scenario(runs.validate(runs.builtin(name)), f"built-in: {name}")


def inline_wait() -> float:
    """How long a page waits for a run before drawing the last good run with a progress panel:
    a short run then appears at once, without a flash of progress (SESSION_LAB_INLINE_WAIT)."""
    try:
        return max(0.0, float(os.environ.get("SESSION_LAB_INLINE_WAIT", "1.0")))
    except ValueError:
        return 1.0


def _follow_run(box) -> None:
    """Start the run of the current scenario (in its own process: ui/runner.py) or keep
    following it. A run that ends within a moment is taken now; a longer one gets a progress
    panel that updates by itself while the pages draw the last good run."""
    ss = st.session_state
    sc = ss[SCENARIO]
    handle = ss.get(HANDLE)
    if handle is None or handle.scenario is not sc:
        if handle is not None:
            handle.stop()      # a run of a scenario no longer in place
        handle = ss[HANDLE] = runs.start(sc, private_runs())
    try:
        handle.result(timeout=inline_wait())
    except TimeoutError:
        with box:
            _progress_panel()
        return
    except Exception:  # noqa: BLE001 - _take reports it
        pass
    _take(handle)


@st.fragment(run_every=0.3)
def _progress_panel() -> None:
    """The run in progress: its phase, jobs done, a Stop button; redraws itself, and reruns
    the whole page once the run is done (or stopped)."""
    handle = st.session_state.get(HANDLE)
    if handle is None or handle.done():
        st.rerun()
    st.button("Stop run", on_click=_stop, icon=":material/stop_circle:", width="stretch",
              key="stop_run")
    st.progress(handle.fraction, text=progress_text(handle))


def progress_text(handle) -> str:
    """What a run is doing, in words: its phase, jobs done, time so far."""
    name = handle.scenario.name
    phase = getattr(handle, "phase", runs.runner.SIMULATING)
    took = time.monotonic() - getattr(handle, "started", time.monotonic())
    if phase == runs.runner.WAITING:
        ahead = runs.runner.waiting()
        return (f"{name}: waiting for a free core ({runs.runner.SLOTS} run(s) at once on this "
                f"server; {ahead} waiting)")
    if phase == runs.runner.SIMULATING and handle.total_jobs:
        return (f"Simulating {name}: {handle.done_jobs:,} of about {handle.total_jobs:,} jobs "
                f"({took:.0f} s)")
    return f"{name}: {runs.runner.PHASE_WORDS.get(phase, phase)} ({took:.0f} s)"


def _take(handle) -> None:
    """A finished run becomes the run on screen (or its failure a notice)."""
    ss = st.session_state
    ss[HANDLE] = None
    ss[PENDING] = False
    try:
        result = handle.result()
    except runs.Stopped:
        ss[NOTICE] = ("warning", f"Run stopped. {_kept_words()}")
        return
    except Exception as exc:  # noqa: BLE001 - any engine failure becomes a message
        ss[NOTICE] = ("error", f"The run failed: {exc}. {_kept_words()}")
        return
    ss[RUN] = result
    ss[RUN_KEY] = runs.key_of(handle.scenario)
    private_runs().flush(keep_back=result, wait=False)   # runs from the cache shown before


def browser_alive():
    """A check of whether this browser session is still connected, for work that outlives
    the script run (a sweep); None outside a server (AppTest)."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None
    server, session = runtime.get_instance(), ctx.session_id
    return lambda: server.is_active_session(session)


def private_runs() -> "runs.PrivateStore":
    """This browser session's own runs (every run it makes is kept there; nobody else sees
    them). Saving one to the shared store is a separate, deliberate step."""
    ss = st.session_state
    if ss.get(PRIVATE) is None:
        ss[PRIVATE] = runs.PrivateStore()
    return ss[PRIVATE]


def save_shared(run_id: int, name: str) -> int:
    """Save one of this session's runs to the shared store; returns its id there. The session
    may rename or delete the runs it saved there, and no others."""
    result = private_runs().store.load(run_id)
    shared_id = runs.store().save(result, name=name, source="dashboard")
    st.session_state.setdefault(SHARED, set()).add(shared_id)
    return shared_id


def saved_here(shared_id: int) -> bool:
    return shared_id in st.session_state.get(SHARED, set())


def sidebar() -> None:
    """Current scenario, run button, run status."""
    ss = st.session_state
    with st.sidebar:
        st.markdown("### Session Lab")
        names = runs.builtin_names()
        src = ss.get(SOURCE, "")
        current = src.split(": ", 1)[1] if src.startswith("built-in: ") else None
        ss["builtin_pick"] = current if current in names else None  # follows the scenario
        st.selectbox("Built-in scenario", names,
                     placeholder="(edited or uploaded)", key="builtin_pick",
                     on_change=_pick_builtin,
                     help="Load a built-in scenario and run it.")
        sc = ss[SCENARIO]
        st.caption(f"Current scenario: **{sc.name}** ({src})")
        links.write_scenario(src)
        box = st.container()
        if ss.get(PENDING):
            _follow_run(box)
        run = ss.get(RUN)
        stale = run is not None and ss.get(RUN_KEY) != runs.key_of(sc)
        if not running():   # during a run the progress panel above offers Stop instead
            st.button("Run scenario", on_click=_ask_run,
                      type="primary" if stale else "secondary",
                      icon=":material/play_arrow:", width="stretch", key="run_button")
        notice = ss.get(NOTICE)
        if notice:   # stays until the user asks for another run or scenario
            getattr(st, notice[0])(notice[1])
        if run is not None:
            s = run.summary
            st.markdown(
                f"**Run on screen:** {run.scenario.name}  \n"
                f"{len(run.jobs):,} jobs on {len(run.backends)} backend(s), "
                f"{len(run.sessions)} session(s)  \n"
                f"last job ended at {s.get('last_job_end', run.end_time):,.0f} s (simulated); "
                f"run took {run.wall_seconds:.2f} s")
            if stale:
                st.warning("The scenario changed since this run: press **Run scenario**.")
            if s.get("wait_p50") is not None:
                st.caption(f"job wait: p50 {s['wait_p50']:.1f} s, p95 {s['wait_p95']:.1f} s")
        if links.shareable(src):
            st.caption(":material/link: The address bar holds this view (scenario, page, "
                       "window, filters): copy it to share.")
        else:
            st.caption(":material/link_off: A link cannot name this scenario (it was made "
                       "here): save its run to the shared store on the Compare page, open it "
                       "from there, and the address bar then holds a link to it.")


def page_setup() -> None:
    """Call first in every page. Normally app.py has set up state and the sidebar already; a
    page opened by its URL on a fresh server runs without app.py (Streamlit's pages/ folder
    mode, until the first st.navigation call), so it hands over to app.py."""
    if SCENARIO not in st.session_state:
        st.switch_page("app.py")


def page_with_run(title: str) -> RunResult:
    """A page's opening: set-up, title, and the run on screen (or a hint, and stop)."""
    page_setup()
    st.title(title)
    run = current_run()
    if run is None:
        if running():
            st.info(f"The first run of **{scenario().name}** is in progress (see the sidebar); "
                    f"this page draws it when it is done.")
        else:
            st.info("No run yet: press **Run scenario** in the sidebar.")
        st.stop()
    return run
