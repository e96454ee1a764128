"""Scenario: edit the data center (form or YAML), load and save files, open saved runs."""

import streamlit as st

from engine import ScenarioError
from engine.model import scenario_to_dict
from ui import forms, runs, state, uploads

state.page_setup()
st.title("Scenario")
sc = state.scenario()
doc = scenario_to_dict(sc)
ss = st.session_state
# Every widget is keyed by this generation: loading another scenario starts fresh widgets.
gen = state.form_generation()
st.caption(f"Editing **{sc.name}** ({ss.get(state.SOURCE, '')}). Changes apply when you press "
           f"**Apply and run** at the bottom of the form; a value the engine rejects is named "
           f"here, beside the button and beside its field, and nothing is applied, so the last "
           f"good run stays on screen.")


def apply(new_doc: dict, source: str, workloads: list[int] | None = None) -> None:
    try:
        # As runs.validate, plus this browser session's own upload folder (if it has one), so
        # an edit of a scenario replaying an uploaded trace still finds the trace.
        new = uploads.validate(new_doc, like=sc, folder=uploads.folder_of(ss, create=False))
    except ScenarioError as exc:
        state.reject_error(exc, workloads)
        return
    state.set_scenario(new, source)


def not_applied(side: str) -> None:
    """The last rejected edit, where the user looks (the top of the page, beside the button):
    a message inside a collapsed section would make Apply seem to do nothing."""
    err = state.rejected()
    if err is None:
        return
    at = state.rejected_workload()
    where = ""
    if at is not None and at < len(doc.get("workloads", [])):
        w = doc["workloads"][at]
        name = w.get("name") or w["kind"] + str(at + 1)
        where = f" It is in workload **{name}**, opened {side}."
    st.error(f"Not applied: {err[1].rstrip('.')}.{where} The last good run stays on screen.",
             icon=":material/error:")


not_applied("below")


form_tab, yaml_tab, trace_tab, files_tab = st.tabs(["Form", "YAML", "Replay a trace",
                                                     "Load, save, saved runs"])

with form_tab:
    state.field_error("(form)")
    with st.form(f"scenario_form_{gen}"):
        st.subheader("Basics")
        c1, c2 = st.columns([2, 1])
        name = c1.text_input("Name", value=doc.get("name", "scenario"), key=f"name_{gen}")
        seed = c2.number_input("Seed", value=int(doc.get("seed", 0)), min_value=0, step=1,
                               key=f"seed_{gen}", help="Same scenario and seed: same trace.")
        description = st.text_area("Description", value=doc.get("description", ""),
                                   key=f"desc_{gen}", height=80)
        state.field_error("name", "seed", "description")

        st.subheader("Policy and timeouts")
        policy = forms.policy_input(doc, key=f"policy_{gen}")

        st.subheader("Backends")
        kept = {b.name: b.model_dump(mode="json", exclude_defaults=True) for b in sc.backends}
        backends = forms.table_input(
            [{"name": b.name, "num_qubits": b.num_qubits, "lanes": b.lanes,
              "coupling": b.coupling if isinstance(b.coupling, str) else None,
              "noise": b.noise, "device": b.device} for b in sc.backends],
            {"name": st.column_config.TextColumn("name", required=True),
             "num_qubits": st.column_config.NumberColumn("qubits", min_value=1, max_value=156,
                                                         step=1, default=5),
             "lanes": st.column_config.NumberColumn(
                 "lanes", min_value=1, max_value=1000, step=1,
                 help="Execution lanes (R19): jobs in progress at once, each running its "
                      "classical stage in its lane; the QPU still runs one at a time. Empty: "
                      "the preset's (1; 5 in ibm-2026)."),
             "coupling": st.column_config.SelectboxColumn(
                 "coupling", options=["line", "ring", "grid", "full", "heavy_hex"],
                 help="Empty: explicit pairs from the YAML, or line."),
             "noise": st.column_config.CheckboxColumn("noise", default=False),
             "device": st.column_config.TextColumn("device snapshot",
                                                   help="e.g. fake_manila (optional)")},
            key=f"backends_{gen}")
        # What the table does not show (explicit coupling pairs, basis gates, seed, calibration,
        # maintenance) is kept; lanes emptied in the table go back to the preset's.
        backends = [{k: v for k, v in kept.get(b.get("name"), {}).items() if k != "lanes"} | b
                    for b in backends]
        state.field_error("backends")

        st.subheader("Tenants and fair shares")
        kept_t = {t.name: t.model_dump(mode="json", exclude_defaults=True) for t in sc.tenants}
        tenants = forms.table_input(
            [{"name": t.name, "share": t.share, "plan": t.plan, "priority": t.priority,
              "organisation": t.organisation} for t in sc.tenants],
            {"name": st.column_config.TextColumn("tenant", required=True),
             "share": st.column_config.NumberColumn("share", min_value=0.0, default=1.0,
                                                    help="Fair share weight (R3)."),
             "priority": st.column_config.NumberColumn(
                 "priority", step=1, default=0,
                 help="For the strict-priority scheduler: higher starts first."),
             "organisation": st.column_config.TextColumn(
                 "organisation",
                 help="For hierarchical fair share: instances of one organisation share its "
                      "allocation (the sum of their shares)."),
             "plan": st.column_config.SelectboxColumn(
                 "plan", options=["premium", "flex", "pay_as_you_go", "open"],
                 default="premium",
                 help="R22: the Open plan has no sessions (its session jobs are rejected) and, "
                      "in ibm-2026, 600 s of QPU time per 28 days.")},
            key=f"tenants_{gen}")
        # A usage limit (R22), not shown in the table, is kept; a priority or organisation
        # emptied in the table goes back to none.
        tenants = [{k: v for k, v in kept_t.get(t.get("name"), {}).items()
                    if k not in ("priority", "organisation")} | t for t in tenants]
        state.field_error("tenants")

        st.subheader("Workloads")
        tenant_names = [t.name for t in sc.tenants]
        backend_names = [b.name for b in sc.backends]
        workloads, on_screen = [], []  # on_screen[k]: the expander workloads[k] came from
        bad = state.rejected_workload()
        for i, w in enumerate(doc.get("workloads", [])):
            label = f"{w.get('name') or w['kind'] + str(i + 1)}: {forms.KINDS[w['kind']]}"
            # The one holding a rejected edit opens, keyed afresh per rejection so the browser
            # opens it even after the user closed it once.
            with st.expander(label, expanded=bad == i,
                             icon=":material/error:" if bad == i else None,
                             key=f"wl_box{i}_{gen}_{state.rejection_tag() if bad == i else 0}"):
                if bad == i:
                    st.error(state.rejected()[1], icon=":material/error:")
                got = forms.workload_input(w, i, tenant_names, backend_names, gen)
            if got is not None:
                workloads.append(got)
                on_screen.append(i)
        if not doc.get("workloads"):
            st.caption("No workloads: add one below the form.")

        st.subheader("Explicit sessions and jobs")
        owner_columns = {"id": st.column_config.TextColumn("id", required=True),
                         "tenant": st.column_config.TextColumn("tenant", required=True),
                         "backend": st.column_config.TextColumn("backend", required=True)}
        sessions = forms.table_input(
            [s.model_dump(mode="json", exclude_none=True) for s in sc.sessions],
            {**owner_columns,
             "mode": st.column_config.SelectboxColumn("mode", options=["dedicated", "batch"]),
             "max_time": st.column_config.NumberColumn("max time (s)", min_value=0.0),
             "open_at": st.column_config.NumberColumn("open at (s)", min_value=0.0),
             "close_at": st.column_config.NumberColumn("close at (s)", min_value=0.0),
             "cancel_at": st.column_config.NumberColumn("cancel at (s)", min_value=0.0)},
            key=f"sessions_{gen}")
        state.field_error("sessions")
        jobs = forms.table_input(
            [j.model_dump(mode="json", exclude_defaults=True) for j in sc.jobs],
            {**owner_columns,
             "submit": st.column_config.NumberColumn("submit (s)", min_value=0.0),
             "duration": st.column_config.NumberColumn("duration (s)", min_value=0.0),
             "session": st.column_config.TextColumn("session"),
             "max_execution_time": st.column_config.NumberColumn("max exec (s)", min_value=0.0),
             "classical_time": st.column_config.NumberColumn(
                 "classical (s)", min_value=0.0,
                 help="R19: the job's classical stage, run in its lane before the QPU."),
             "circuit": st.column_config.TextColumn("circuit")},
            key=f"jobs_{gen}")
        state.field_error("jobs")

        not_applied("above")
        if st.form_submit_button("Apply and run", type="primary", icon=":material/play_arrow:"):
            new_doc = {k: v for k, v in doc.items()
                       if k not in ("name", "seed", "description", "policy", "backends",
                                    "tenants", "workloads", "sessions", "jobs")}
            new_doc.update(name=name, seed=int(seed), description=description, policy=policy,
                           backends=backends, tenants=tenants, workloads=workloads,
                           sessions=sessions, jobs=jobs)
            apply(new_doc, "edited", on_screen)
            st.rerun()

    st.markdown("**Add a workload**")
    c1, c2 = st.columns([3, 1])
    kind = c1.selectbox("Kind", forms.ADDABLE, format_func=forms.KINDS.get,
                        key=f"add_kind_{gen}", label_visibility="collapsed")
    if c2.button("Add", key=f"add_wl_{gen}", icon=":material/add:"):
        base = {"kind": kind, "name": f"{kind}{len(doc.get('workloads', [])) + 1}",
                "tenant": sc.tenants[0].name, "backend": [sc.backends[0].name],
                "duration": {"dist": "exponential", "mean": 20}}
        if kind == "background":
            base |= {"arrivals": {"process": "poisson", "rate": 0.02}, "until": 3600}
        elif kind in ("interactive", "job_user"):
            base |= {"iterations": 10, "think_time": {"dist": "fixed", "value": 20},
                     "duration": {"dist": "fixed", "value": 8}}
        else:
            base |= {"jobs": 10, "interval": 5}
        apply(doc | {"workloads": list(doc.get("workloads", [])) + [base]}, "edited")
        st.rerun()

with yaml_tab:
    st.caption("The whole scenario as YAML: everything the engine accepts, circuits and "
               "algorithms included (see SCENARIO_FORMAT.md and the README).")
    text = st.text_area("Scenario YAML", value=runs.to_yaml(doc), height=520,
                        key=f"yaml_{gen}", label_visibility="collapsed")
    if st.button("Apply YAML and run", type="primary", key=f"apply_yaml_{gen}",
                 icon=":material/play_arrow:"):
        try:
            apply(runs.parse_text(text, "yaml"), "edited (YAML)")
        except ScenarioError as exc:
            state.reject_error(exc)
        st.rerun()
    state.field_error("(yaml)", "(file)", "name", "seed", "description", "policy", "backends",
                      "tenants", "workloads", "sessions", "jobs", "circuits")

TRACE_ERROR = "trace_upload_error"   # (the uploaded file's id, the message) of a refusal
TRACE_DONE = "trace_upload_done"     # (form generation, what the last upload taken added)

with trace_tab:
    st.markdown("**Replay a trace**: a recorded job trace as a workload of this scenario, from "
                "an SWF file (Standard Workload Format, as in the Parallel Workloads Archive) "
                "or a jobs CSV (the columns of `jobs.csv`: `job_id, tenant, backend, "
                "submit_time, duration`, optional `session_id, max_execution_time`).")
    note = st.container()
    up = st.file_uploader("Trace file (.swf or .csv)", type=uploads.EXTENSIONS,
                          key=f"trace_file_{gen}", max_upload_size=16,
                          help="At most 16 MiB. SWF: one job per line, 18 fields, ';' starts a "
                               "comment. Kept in this browser session's own folder on the "
                               "server, which no other session can read.")
    message = st.container()   # a refusal, right under the uploader
    err = ss.get(TRACE_ERROR)
    done = ss.get(TRACE_DONE)
    if done and done[0] == gen and up is None:   # until another file is chosen
        note.success(done[1], icon=":material/check_circle:")
    if up is None:
        st.caption("Choose a file: its format is guessed from its extension, then choose how "
                   "its users map to tenants, its time scale and backends. SWF users become "
                   "tenants `user<id>` (or groups `group<id>`), partitions pick the backend, and "
                   "chains of dependent jobs become sessions (engine/replay.py has the "
                   "mapping).")
    else:
        fid = up.file_id
        formats = list(uploads.FORMATS)
        c1, c2 = st.columns(2)
        fmt = c1.selectbox("Format", formats, index=formats.index(uploads.guess_format(up.name)),
                           format_func=uploads.FORMATS.get, key=f"trace_fmt_{fid}",
                           help="Guessed from the file's extension (.csv: jobs CSV, else SWF).")
        replace = c2.radio("Into the scenario", ["add", "replace"], horizontal=True,
                           format_func={"add": "add to its workloads",
                                        "replace": "replace its workloads"}.get,
                           key=f"trace_mode_{fid}",
                           help="Replace: the trace becomes the only workload (explicit jobs "
                                "and sessions stay).") == "replace"
        c3, c4, c5 = st.columns(3)
        tenant_names = [t.name for t in sc.tenants]
        tenant = c3.selectbox("Default tenant", tenant_names, key=f"trace_tenant_{fid}",
                              help="Jobs of a tenant the scenario does not declare go to it.")
        tenant_by = c4.selectbox("Tenants from (SWF)", ["user", "group"],
                                 key=f"trace_tenant_by_{fid}", disabled=fmt != "swf",
                                 format_func={"user": "user (field 12): user<id>",
                                              "group": "group (field 13): group<id>"}.get,
                                 help="Which SWF field names a job's tenant. A jobs CSV has "
                                      "its tenant column.")
        add_tenants = c5.checkbox("Add the trace's tenants to the scenario", value=True,
                                  key=f"trace_add_tenants_{fid}",
                                  help="Declare each tenant the trace names (share 1) so fair "
                                       "share sees them; unticked, they all become the "
                                       "default tenant.")
        c6, c7 = st.columns([1, 2])
        time_scale = c6.number_input("Time scale", value=1.0, min_value=1e-6, step=0.1,
                                     format="%g", key=f"trace_scale_{fid}",
                                     help="Multiplies every submit time and duration.")
        backend_names = [b.name for b in sc.backends]
        backs = c7.multiselect("Backends", backend_names, default=backend_names,
                               key=f"trace_backends_{fid}",
                               help="SWF: partition 1 the first, wrapping around; a jobs CSV's "
                                    "backend column must name one of them.")
        if st.button("Replay it and run", type="primary", key=f"trace_go_{fid}",
                     icon=":material/play_arrow:"):
            try:
                got = uploads.add_trace(sc, up.name, up.getvalue(), uploads.folder_of(ss),
                                        fmt=fmt, tenant=tenant, tenant_by=tenant_by,
                                        time_scale=float(time_scale), backends=backs,
                                        replace=replace, add_tenants=add_tenants)
            except uploads.UploadRefused as exc:
                ss[TRACE_ERROR] = err = (fid, str(exc))
            else:
                ss[TRACE_ERROR] = None
                state.set_scenario(got.scenario, f"trace upload: {got.shown}")
                ss[TRACE_DONE] = (state.form_generation(), got.summary())
                st.rerun()
        if err and err[0] == fid:
            message.error(f"Not replayed: {err[1].rstrip('.')}. The scenario is unchanged.",
                          icon=":material/error:")
    used = [(w.name, uploads.shown_name(w.trace)) for w in sc.workloads
            if getattr(w, "trace", None) and uploads.shown_name(w.trace)]
    if used:
        st.caption("Uploaded traces this scenario replays: "
                   + ", ".join(f"**{n}** ({f})" for n, f in used)
                   + ". A saved YAML names them by their path in this session's private "
                     "folder: to replay one elsewhere, put the file beside the YAML and set "
                     "`trace:` to its name.")

with files_tab:
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Load a scenario file** (YAML or JSON)")
        up = st.file_uploader("Scenario file", type=["yaml", "yml", "json"],
                              key="upload", label_visibility="collapsed")
        if up is not None and ss.get("uploaded") != (up.name, up.size):
            ss["uploaded"] = (up.name, up.size)
            try:
                text = up.getvalue().decode("utf-8")
                state.set_scenario(runs.from_text(text, up.name), f"upload: {up.name}")
                st.rerun()
            except UnicodeDecodeError:
                state.reject("(file)", f"{up.name}: not a text file (UTF-8 expected)")
            except ScenarioError as exc:
                state.reject("(file)", f"{up.name}: {exc}")
        state.field_error("(file)")
        st.download_button("Save the current scenario as YAML", runs.to_yaml(doc),
                           file_name=uploads.download_name(sc.name, ".yaml"),
                           mime="application/x-yaml",
                           icon=":material/download:")
    with c2:
        st.markdown("**Open a saved run** (from `service.save_run(...)` or "
                    "`python -m engine simulate ... --out runs/NAME`)")
        saved = runs.saved_runs()
        if not saved:
            st.caption(f"No saved runs in {runs.RUNS}.")
        else:
            pick = st.selectbox("Saved run", saved, format_func=lambda p: p.name,
                                key="saved_pick")
            if st.button("Open", key="open_saved", icon=":material/folder_open:"):
                try:
                    state.show_run(runs.load_run(pick), f"saved run: {pick.name}")
                    st.rerun()
                except ScenarioError as exc:
                    state.reject("(run)", str(exc))
        state.field_error("(run)")
