"""Compare: stored runs side by side, or a sweep of one scenario field, with the trade-offs."""

import os

import pandas as pd
import streamlit as st

from engine import ScenarioError
from engine import sweep as sweeps
from ui import figures, runs, state

state.page_setup()
st.title("Compare")
st.caption("Put runs side by side: pick runs made in this browser or saved to the shared "
           "store, or sweep fields of the current scenario over values.")
ss = st.session_state


def show_side_by_side(labels: list[str], results: list, table: pd.DataFrame, x: str) -> None:
    """Metrics with differences against the first, trade-off charts, Gantts on one time axis."""
    st.subheader("Metrics")
    first = table.iloc[0]
    diff = table.drop(columns=["status", "error"], errors="ignore")  # every row here ran
    for col in ("wait_mean", "wait_p95", "background_wait_p95", "time_to_solution",
                "utilisation", "reserved_idle"):
        if col in diff and pd.api.types.is_numeric_dtype(diff[col]):
            diff[f"Δ {col}"] = diff[col] - first[col]
    st.dataframe(diff.round(2), hide_index=True, width="stretch")
    st.caption("Δ: the difference from the first row.")
    c1, c2 = st.columns(2)
    c1.plotly_chart(figures.tradeoff(table, x, [("time_to_solution", "time to solution (s)"),
                                               ("background_wait_p95",
                                                "background p95 wait (s)")],
                                     "What a session gains, what everyone else pays"),
                    width="stretch", key=f"trade_{x}")
    c2.plotly_chart(figures.reserved_vs_utilisation(table, x), width="stretch",
                    key=f"resv_{x}")
    st.subheader("Timelines on one time axis")
    end = max(float(r.jobs["end_time"].max()) for r in results if len(r.jobs))
    for label, r in zip(labels, results):
        fig = figures.timeline(r.jobs, r.sessions, r.events, r.spans,
                               tenants=[t.name for t in r.scenario.tenants],
                               backends=[b.name for b in r.scenario.backends], title=label,
                               system=runs.system_of(r), lanes=runs.backend_lanes(r.scenario))
        fig.update_xaxes(range=[0, end * 1.02])
        fig.update_layout(height=min(fig.layout.height, 560))
        st.plotly_chart(fig, width="stretch", key=f"cmp_{label}")


stored_tab, sweep_tab = st.tabs(["Stored runs", "Sweep a field"])

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

with sweep_tab:
    sc = state.scenario()
    st.markdown(f"Sweep **{sc.name}** (the current scenario).")
    c1, c2 = st.columns([1, 2])
    fields = ["interactive_timeout", "max_time", "mode", "seed"]
    fields += [f"tenants[{i}].share" for i in range(len(sc.tenants))]
    fields += [f"workloads[{i}].arrivals.rate" for i, w in enumerate(sc.workloads)
               if getattr(getattr(w, "arrivals", None), "process", None) == "poisson"]
    fields += ["other (a path)"]
    names = {f"tenants[{i}].share": f"{t.name}'s share" for i, t in enumerate(sc.tenants)}
    names.update({f"workloads[{i}].arrivals.rate": f"{n}: arrival rate (jobs/s)"
                  for i, n in enumerate(sc.workload_names())})
    field = c1.selectbox("Field", fields, key="sw_field",
                         format_func=lambda f: names.get(f, f),
                         help="mode sets every interactive or batch workload to dedicated, "
                              "batch or job.")
    if field == "other (a path)":
        field = c1.text_input("Path", key="sw_path", placeholder="tenants[1].share")
    default = {"interactive_timeout": "0, 60, 300", "max_time": "600, 1800, 28800",
               "mode": "dedicated, batch, job", "seed": "1, 2, 3"}.get(field, "")
    values = c2.text_input("Values (comma-separated)", value=default, key=f"sw_values_{field}")
    c3, c4 = st.columns([1, 2])
    # One browser may not take more of the server than its cores, nor point the server at a
    # network address: the Dask scheduler is the server's setting (SESSION_LAB_DASK).
    cores = os.cpu_count() or 1
    workers = c3.number_input("Local processes", min_value=1, max_value=cores,
                              value=min(2, cores), key="sw_workers")
    dask = os.environ.get("SESSION_LAB_DASK") or None
    c4.caption(f"Runs on the Dask scheduler {dask} (the server's SESSION_LAB_DASK)" if dask
               else "Runs in local processes (the server sets SESSION_LAB_DASK to use Dask)")
    if st.button("Run sweep", type="primary", key="sw_run", icon=":material/play_arrow:"):
        try:
            name, vals = sweeps.parse_set(f"{field}={values}")
            plan = sweeps.variants(runs.with_folder(sc), [(name, vals)])
            with st.spinner(f"Running {len(plan)} variants…"):
                results = runs.on_engine(sweeps.run_variants, [s for _, s in plan],
                                         workers=int(workers), dask=dask)
            ss["sweep"] = (name, [a for a, _ in plan], results)
            ss.pop("sweep_error", None)
        except ScenarioError as exc:
            ss["sweep_error"] = str(exc)
    if ss.get("sweep_error"):
        st.error(ss["sweep_error"])
    if ss.get("sweep"):
        name, assignments, results = ss["sweep"]
        table = sweeps.table(assignments, results)
        ran = [i for i, r in enumerate(results) if sweeps.succeeded(r)]
        failed = table[table["status"] == "failed"]
        if len(failed):
            st.error(f"{len(failed)} of {len(results)} variants failed; "
                     + ("the others are shown below." if ran else "none ran."))
            st.dataframe(failed[[name, "error"]], hide_index=True, width="stretch")
        if ran:
            if st.button("Keep the variants that ran in the run store", key="sw_keep"):
                try:
                    store = runs.store()
                    for i in ran:
                        store.save(results[i], name=results[i].scenario.name, source="sweep")
                    st.success(f"Kept {len(ran)} runs.")
                except ScenarioError as exc:
                    st.error(f"Not kept: {exc}")
            show_side_by_side([f"{name}={assignments[i][name]}" for i in ran],
                              [results[i] for i in ran],
                              table.iloc[ran].reset_index(drop=True), name)
