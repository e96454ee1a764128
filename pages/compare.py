"""Compare: stored runs side by side, or a sweep of the current scenario's fields over values
and seeds (in the background: ui/sweeping.py), with the trade-offs and their intervals."""

import os

import pandas as pd
import streamlit as st

from engine import ScenarioError
from engine import sweep as sweeps
from ui import compare, figures, overview, runs, state, sweeping

state.page_setup()
st.title("Compare")
st.caption("Put runs side by side: pick runs made in this browser or saved to the shared "
           "store, or sweep fields of the current scenario over values.")
ss = st.session_state


def timelines(labels: list[str], results: list, key: str) -> None:
    """The runs' timelines stacked, zoomed together by one window control (linked zoom)."""
    end = max((float(r.jobs["end_time"].max()) for r in results if len(r.jobs)), default=1.0)
    if len(labels) > 6:
        st.caption(f"The first 6 of {len(labels)} timelines.")
    window = st.slider("Window of every timeline below (simulated seconds)", 0.0, end * 1.02,
                       (0.0, end * 1.02), key=f"{key}_window", format="%.0f",
                       help="One window for all of them: they zoom together.")
    for label, r in list(zip(labels, results))[:6]:
        if len(r.jobs) > overview.DETAIL_BUDGET:
            st.caption(f"{label}: {len(r.jobs):,} jobs, too many to draw here; open it on "
                       "the Timeline page for its overview.")
            continue
        fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans,
                               tenants=[t.name for t in r.scenario.tenants],
                               backends=[b.name for b in r.scenario.backends], title=label,
                               system=runs.system_of(r), lanes=runs.backend_lanes(r.scenario))
        fig.update_xaxes(range=list(window))
        fig.update_layout(height=min(fig.layout.height, 560),
                          uirevision=f"{key}-{window[0]:.6g}-{window[1]:.6g}")
        st.plotly_chart(fig, width="stretch", key=f"{key}_{label}")


def show_side_by_side(labels: list[str], results: list, table: pd.DataFrame, x: str) -> None:
    """Metrics with differences against the first, one panel per metric, linked timelines."""
    st.subheader("Metrics")
    first = table.iloc[0]
    diff = table.drop(columns=["status", "error"], errors="ignore")  # every row here ran
    for col in ("wait_mean", "wait_p95", "background_wait_p95", "time_to_solution",
                "utilisation", "reserved_idle"):
        if col in diff and pd.api.types.is_numeric_dtype(diff[col]):
            diff[f"Δ {col}"] = diff[col] - first[col]
    st.dataframe(diff.round(2), hide_index=True, width="stretch")
    st.caption("Δ: the difference from the first row.")
    summary = compare.summarise(table, [x])
    st.info(compare.reading(summary))
    st.plotly_chart(compare.metrics_figure(summary), width="stretch", key=f"metrics_{x}")
    st.subheader("Timelines on one time axis")
    timelines(labels, results, f"cmp_{x}")


stored_tab, sweep_tab = st.tabs(["Stored runs", "Sweep fields"])

MINE, SHARED = "This browser's runs", "Shared store"

with stored_tab:
    mine = state.private_runs()
    where = st.radio("Runs", [MINE, SHARED], horizontal=True, key="cmp_source",
                     help="This browser's runs: every run made here (the last "
                          f"{runs.MAX_PRIVATE}); nobody else sees them. The shared store: "
                          "runs anyone saved there on purpose, and the command line's "
                          "`--save` and scripts' `service.save_run(...)`.")
    try:
        if where == MINE:
            mine.trim()
        store = mine.store if where == MINE else runs.store()
        listing = store.list()
    except ScenarioError as exc:
        st.error(f"The run store cannot be used: {exc}")
        listing = None
    if listing is not None and listing.empty:
        st.info("No runs made in this browser yet." if where == MINE else
                f"No runs in the shared store ({store.path}) yet: save one of this browser's "
                "runs there.")
    elif listing is not None:
        st.dataframe(listing, hide_index=True, width="stretch", height=240)
        label = {r.id: f"#{r.id} {r.name}" for r in listing.itertuples()}
        pick = st.multiselect("Runs to compare (2 to 4)", list(label), format_func=label.get,
                              max_selections=4, key=f"cmp_pick_{where}")
        c1, c2, c3 = st.columns([2, 1, 1])
        target = c1.selectbox("Manage a run", list(label), format_func=label.get,
                              key=f"cmp_manage_{where}")
        memo = ss.setdefault("cmp_loaded", {})   # stored runs do not change: read each once

        def loaded(run_id: int):
            if (where, run_id) not in memo:
                memo[(where, run_id)] = store.load(run_id)
            return memo[(where, run_id)]

        if where == MINE or state.saved_here(target):
            new_name = c2.text_input("New name", key="cmp_newname", placeholder="rename to…")
            if c2.button("Rename", key="cmp_rename") and new_name.strip():
                try:
                    store.rename(target, new_name)
                    st.rerun()
                except ScenarioError as exc:  # a name that reads as an id, or is taken
                    c2.error(str(exc))
            if c3.button("Delete", key="cmp_delete", type="secondary"):
                try:
                    store.delete(target)
                    memo.pop((where, target), None)
                    st.rerun()
                except ScenarioError as exc:
                    c3.error(str(exc))
        else:
            c2.caption("Saved by someone else: read-only here (`python -m engine runs` "
                       "manages the shared store).")
        if where == MINE:
            shared_name = c2.text_input("Name in the shared store", key="cmp_shared_name",
                                        value=listing.set_index("id").loc[target, "name"])
            if c3.button("Save to the shared store", key="cmp_share",
                         icon=":material/share:"):
                try:
                    new_id = state.save_shared(int(target), shared_name)
                    c3.success(f"Saved as #{new_id} in the shared store.")
                except ScenarioError as exc:
                    c3.error(str(exc))
        if c3.button("Open on the other pages", key="cmp_open"):
            state.show_run(loaded(target), f"stored run #{target}"
                           + (" (this browser)" if where == MINE else " (shared)"))
            st.rerun()
        if c1.button("Prepare an export of this run", key="cmp_export"):
            ss["cmp_export_zip"] = ((where, target), runs.tables_zip(loaded(target), "csv"))
        ready = ss.get("cmp_export_zip")
        if ready and ready[0] == (where, target):
            c1.download_button(f"Download {label[target]} (CSV tables and scenario, zip)",
                               ready[1], file_name=runs.export_name(loaded(target), "zip"),
                               mime="application/zip", icon=":material/download:")
        if len(pick) >= 2:
            chosen = [loaded(i) for i in pick]
            table = sweeps.table([{"run": label[i]} for i in pick], chosen)
            show_side_by_side([label[i] for i in pick], chosen, table, "run")
        else:
            st.caption("Pick at least two runs.")

SWEEP_JOB = "sweep_job"   # (swept fields, assignments, ui.sweeping.SweepJob) in progress


def _start_sweep(swept: list, plan: list, workers: int, dask) -> None:
    old = ss.get(SWEEP_JOB)
    if old is not None:
        old[2].stop()
    ss[SWEEP_JOB] = (swept, [a for a, _ in plan],
                     sweeping.SweepJob([s for _, s in plan], workers=workers, dask=dask,
                                       alive=state.browser_alive()))
    ss.pop("sweep_error", None)
    ss.pop("sweep_notice", None)


def _take_sweep() -> None:
    """A finished sweep replaces the one on screen; a stopped one leaves it there."""
    swept, assignments, job = ss.pop(SWEEP_JOB)
    if job.stopped:
        ss["sweep_notice"] = (f"Sweep stopped after {job.finished} of {job.total} runs; "
                              + ("the last complete sweep stays below." if ss.get("sweep")
                                 else "nothing to show."))
        return
    try:
        ss["sweep"] = (swept, assignments, job.results())
    except Exception as exc:  # noqa: BLE001 - e.g. the Dask scheduler unreachable
        ss["sweep_error"] = f"The sweep failed: {exc}"


def _stop_sweep() -> None:
    entry = ss.get(SWEEP_JOB)
    if entry is not None:
        entry[2].stop()       # sets ``stopped`` at once: _take_sweep shows nothing of it
        _take_sweep()


@st.fragment(run_every=0.5)
def _sweep_panel() -> None:
    """The sweep in progress: how far, a Stop button; reruns the page once it is done."""
    entry = ss.get(SWEEP_JOB)
    if entry is None or entry[2].done():
        st.rerun()
    job = entry[2]
    st.progress(job.fraction, text=f"Sweep: {job.progress_text()}")
    st.button("Stop sweep", key="sw_stop", on_click=_stop_sweep, icon=":material/stop_circle:")


def _follow_sweep() -> None:
    """Wait a moment for a short sweep (state.inline_wait), else show its progress; the last
    complete sweep stays below meanwhile."""
    job = ss[SWEEP_JOB][2]
    if not job.wait(state.inline_wait()):
        _sweep_panel()
        return
    _take_sweep()


with sweep_tab:
    sc = state.scenario()
    st.markdown(f"Sweep **{sc.name}** (the current scenario): one or more fields over values "
                "(every combination runs), each variant over several seeds.")
    fields = ["interactive_timeout", "max_time", "mode", "preset"]
    fields += [f"tenants[{i}].share" for i in range(len(sc.tenants))]
    fields += [f"workloads[{i}].arrivals.rate" for i, w in enumerate(sc.workloads)
               if getattr(getattr(w, "arrivals", None), "process", None) == "poisson"]
    fields += ["other (a path)"]
    names = {f"tenants[{i}].share": f"{t.name}'s share" for i, t in enumerate(sc.tenants)}
    names.update({f"workloads[{i}].arrivals.rate": f"{n}: arrival rate (jobs/s)"
                  for i, n in enumerate(sc.workload_names())})
    defaults = {"interactive_timeout": "0, 60, 300", "max_time": "600, 1800, 28800",
                "mode": "dedicated, batch, job", "preset": "ibm-2022, ibm-2024, ibm-2026"}
    n_fields = st.number_input("Fields to vary", min_value=1, max_value=3, value=1,
                               key="sw_nfields")
    specs = []
    for i in range(int(n_fields)):
        c1, c2 = st.columns([1, 2])
        field = c1.selectbox(f"Field {i + 1}", fields, key=f"sw_field_{i}", index=i % 4,
                             format_func=lambda f: names.get(f, f),
                             help="mode sets every interactive or batch workload to "
                                  "dedicated, batch or job.")
        if field == "other (a path)":
            field = c1.text_input("Path", key=f"sw_path_{i}", placeholder="tenants[1].share")
        values = c2.text_input(f"Values of field {i + 1} (comma-separated)",
                               value=defaults.get(field, ""), key=f"sw_values_{i}_{field}")
        specs.append((field, values))
    c3, c4, c5 = st.columns([1, 1, 2])
    seeds = int(c3.number_input("Seeds per variant", min_value=1, max_value=10, value=3,
                                key="sw_seeds",
                                help=f"Each variant runs with seeds {sc.seed}, {sc.seed + 1}, "
                                     "...: its metrics are then means with 95% confidence "
                                     "intervals. One seed is not a sound basis for a choice."))
    # One browser may not take more of the server than its cores, nor point the server at a
    # network address: the Dask scheduler is the server's setting (SESSION_LAB_DASK).
    cores = os.cpu_count() or 1
    workers = c4.number_input("Runs at once", min_value=1, max_value=cores,
                              value=min(2, cores), key="sw_workers")
    dask = os.environ.get("SESSION_LAB_DASK") or None
    c5.caption(f"Runs on the Dask scheduler {dask} (the server's SESSION_LAB_DASK)" if dask
               else f"Each run in its own process, at most this many at once (the server runs "
                    f"{runs.runner.SLOTS} at once for all its users; SESSION_LAB_DASK sends "
                    f"sweeps to Dask). Sweeps are not stored unless you keep them.")
    if st.button("Run sweep", type="primary", key="sw_run", icon=":material/play_arrow:"):
        try:
            sets = [sweeps.parse_set(f"{f}={v}") for f, v in specs]
            swept = [n for n, _ in sets]
            if len(set(swept)) < len(swept):
                raise ScenarioError("(sweep)", ", ".join(swept), "a field is named twice")
            if seeds > 1 and compare.SEED in swept:
                raise ScenarioError("seed", "swept", "sweep the seed or ask for several seeds "
                                                     "per variant, not both")
            if seeds > 1:
                sets.append((compare.SEED, [sc.seed + k for k in range(seeds)]))
            plan = sweeps.variants(runs.with_folder(sc), sets)
            _start_sweep(swept, plan, int(workers), dask)
        except ScenarioError as exc:
            ss["sweep_error"] = str(exc)
    if ss.get(SWEEP_JOB) is not None:
        _follow_sweep()
    if ss.get("sweep_error"):
        st.error(ss["sweep_error"])
    if ss.get("sweep_notice"):
        st.warning(ss["sweep_notice"])
    if ss.get("sweep"):
        swept, assignments, results = ss["sweep"]
        table = sweeps.table(assignments, results)
        ran = [i for i, r in enumerate(results) if sweeps.succeeded(r)]
        failed = table[table["status"] == "failed"]
        if len(failed):
            st.error(f"{len(failed)} of {len(results)} runs failed; "
                     + ("the others are shown below." if ran else "none ran."))
            st.dataframe(failed[[*swept, "error"]], hide_index=True, width="stretch")
        if ran:
            if st.button("Keep the runs that ran in the shared store", key="sw_keep"):
                try:
                    store = runs.store()
                    for i in ran:
                        store.save(results[i], name=results[i].scenario.name, source="sweep")
                    st.success(f"Kept {len(ran)} runs.")
                except ScenarioError as exc:
                    st.error(f"Not kept: {exc}")
            summary = compare.summarise(table.iloc[ran].reset_index(drop=True), swept)
            st.subheader("What it says")
            st.info(compare.reading(summary))
            st.plotly_chart(compare.metrics_figure(summary), width="stretch", key="sw_metrics")
            shown = summary.assign(
                value=[f"{m:,.1f} ± {c:,.1f}" if pd.notna(c) else f"{m:,.1f}"
                       for m, c in zip(summary["mean"], summary["ci"])])
            st.dataframe(shown.pivot(index="variant", columns="words", values="value")
                         .reindex(list(dict.fromkeys(summary["variant"]))),
                         width="stretch")
            st.caption("Mean over the seeds ± the half-width of its 95% confidence interval "
                       "(Student's t); seconds, utilisation in %.")
            st.subheader("Per tenant")
            tsum = compare.tenant_summary([assignments[i] for i in ran],
                                          [results[i] for i in ran], swept)
            pick = st.radio("Tenant metric", [m for m, _, _ in compare.TENANT_METRICS],
                            horizontal=True, key="sw_tenant_metric",
                            format_func=dict((m, w) for m, w, _ in compare.TENANT_METRICS).get)
            st.plotly_chart(compare.tenants_figure(tsum, pick), width="stretch",
                            key="sw_tenants")
            st.subheader("Timelines (each variant's first seed)")
            firsts = {}
            for i in ran:
                firsts.setdefault(compare.label_of(assignments[i], swept), i)
            timelines(list(firsts), [results[i] for i in firsts.values()], "sw")
