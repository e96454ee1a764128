"""Trace uploads (ui/uploads.py): a browser session's private folder, safe names, an uploaded
SWF or jobs CSV made into a replay workload that runs with the trace's jobs at their submit
times, and hostile files refused with one message and the scenario unchanged.

AppTest cannot drive ``st.file_uploader``, so the Scenario page hands the upload's (name, bytes)
to ``uploads.add_trace``, which these tests call; the page itself is checked with the scenario
such an upload gives.
"""

from __future__ import annotations

import gc
import os
import re
import stat
import tempfile
from pathlib import Path

import pytest

from engine import ScenarioError, run_scenario, validate_scenario
from engine.model import scenario_to_dict
from tests import test_app
from tests.test_ui_forms import apply_and_run, scenario_page
from ui import runs, uploads

navigation_mode = test_app.navigation_mode   # autouse: pages run through app.py

# Three jobs of two users on two partitions; job 3 follows job 2 (a chain: one session, whose
# maximum time is job 2's requested time, R9).
# Fields: job submit wait run procs cpu mem req_procs req_time req_mem status user group
#         executable queue partition preceding_job think_time
SWF = """; Version: 2.2
; Computer: a test pool
1 100 -1 10 1 -1 -1 1 20 -1 1 7 1 1 1 1 -1 -1
2 130 -1 5 1 -1 -1 1 600 -1 1 8 2 1 1 2 -1 -1

3 160 -1 4 1 -1 -1 1 -1 -1 1 8 2 1 1 2 2 25
"""

CSV = """job_id,tenant,backend,submit_time,duration,session_id,max_execution_time
a,alice,qpu_1,50,12,,
b,bob,qpu_2,80,6,s1,30
c,bob,qpu_2,95,6,s1,
"""


def base_scenario():
    return validate_scenario({
        "name": "upload-test", "seed": 3,
        "backends": [{"name": "qpu_1"}, {"name": "qpu_2"}],
        "tenants": [{"name": "alice"}, {"name": "bob", "share": 2}, {"name": "other"}],
        "jobs": [{"id": "j0", "tenant": "alice", "backend": "qpu_1", "submit": 0,
                  "duration": 1}],
        "workloads": [{"name": "load", "kind": "background", "tenant": "alice",
                       "backend": "qpu_1", "arrivals": {"process": "periodic",
                                                         "interval": 1000},
                       "count": 1, "duration": 3}]}, base_dir=runs.SCENARIOS)


@pytest.fixture
def folder():
    f = uploads.UploadFolder()
    yield f
    f.close()


def rows(result, prefix):
    jobs = result.jobs[result.jobs.job_id.str.startswith(prefix + ".")]
    return {r.job_id: r for r in jobs.itertuples()}


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize("given, want", [
    ("trace.swf", "trace.swf"),
    ("../../etc/passwd", "passwd"),
    ("/abs/dir/jobs.CSV", "jobs.csv"),
    ("C:\\Users\\me\\my trace (1).swf", "my_trace_1.swf"),
    (".bashrc", "bashrc"),
    ("...", "trace"),
    ("", "trace"),
    ("tr\u00e2ce\u2603.swf", "trace.swf"),
    ("a\x00b.swf", "a_b.swf"),
    ("x" * 300 + ".swf", "x" * 60 + ".swf"),
    ("name.with.dots.swf", "name.with.dots.swf"),
])
def test_safe_name_keeps_only_a_plain_last_part(given, want):
    got = uploads.safe_name(given)
    assert got == want
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", got)


@pytest.mark.parametrize("name, want", [("a.swf", "swf"), ("a.SWF", "swf"), ("b.csv", "jobs_csv"),
                                        ("B.CSV", "jobs_csv"), ("trace", "swf"),
                                        ("jobs.csv.swf", "swf")])
def test_format_is_guessed_from_the_extension(name, want):
    assert uploads.guess_format(name) == want


def test_download_names_are_descriptive_and_safe():
    assert uploads.download_name("seed-story", ".yaml") == "seed-story.yaml"
    assert uploads.download_name("../my run/v1.2", ".yaml") == "my_run_v1.2.yaml"
    assert uploads.download_name("", ".yaml") == "scenario.yaml"


def test_each_session_has_its_own_private_folder_removed_with_the_session():
    one, two = {}, {}
    assert uploads.folder_of(one, create=False) is None     # nothing made until an upload
    a = uploads.folder_of(one)
    assert uploads.folder_of(one) is a                       # kept in the session
    b = uploads.folder_of(two)
    assert a.path != b.path
    for f in (a, b):
        assert f.path.name.startswith("session-lab-upload-")
        assert f.path.parent == Path(tempfile.gettempdir()).resolve()
        assert stat.S_IMODE(os.stat(f.path).st_mode) == 0o700   # only the server's user
    path = a.path
    a.store("t.swf", b"x")
    del one, a
    gc.collect()
    assert not path.exists()                                 # the session went: so did it
    b.close()
    assert not b.path.exists()
    assert uploads.folder_of({uploads.STATE_KEY: b}).path != b.path   # a vanished one renewed


def test_older_files_are_replaced_but_never_one_in_use(folder):
    paths = [folder.store(f"t{i}.swf", f"{i}".encode()) for i in range(uploads.MAX_FILES + 3)]
    assert all(p.parent == folder.path for p in paths)
    folder.prune(keep=[paths[0]])
    left = folder.files()
    assert len(left) == uploads.MAX_FILES
    assert paths[0] in left                                   # in use: kept
    assert left[1:] == paths[-(uploads.MAX_FILES - 1):]       # then the newest
    # The same content again is the same file, now the newest.
    again = folder.store("t0.swf", b"0")
    assert again == paths[0] and folder.files()[-1] == again


def test_uploads_in_one_session_stay_within_the_bound(folder):
    sc = base_scenario()
    for i in range(uploads.MAX_FILES + 3):
        sc = uploads.add_trace(sc, f"t{i}.swf", SWF.replace("100", str(100 + i)).encode(),
                               folder, replace=True).scenario
        assert len(folder.files()) <= uploads.MAX_FILES
    assert Path(sc.workloads[0].trace) in folder.files()      # the one on screen is there
    # Adding beyond the bound is refused (each added workload keeps its file).
    for i in range(uploads.MAX_FILES - 1):
        sc = uploads.add_trace(sc, f"more{i}.swf", SWF.replace("100", str(50 + i)).encode(),
                               folder).scenario
    with pytest.raises(uploads.UploadRefused, match="the most one browser session keeps"):
        uploads.add_trace(sc, "one-too-many.swf", SWF.encode(), folder)
    assert len(folder.files()) == uploads.MAX_FILES


def test_too_big_is_refused_before_anything_is_written(folder):
    sc = base_scenario()
    data = SWF.encode() + b";" * uploads.MAX_UPLOAD_BYTES
    with pytest.raises(uploads.UploadRefused, match=r"^'big.swf': the file is 16.0 MiB; an "
                                                    r"uploaded trace may be at most 16 MiB$"):
        uploads.add_trace(sc, "big.swf", data, folder)
    assert folder.files() == [] and os.listdir(folder.path) == []
    assert uploads.MAX_UPLOAD_BYTES <= 16 * 2**20


# --------------------------------------------------------------------------- end to end


def test_an_uploaded_swf_replays_its_jobs_at_their_submit_times(folder):
    sc = base_scenario()
    got = uploads.add_trace(sc, "../archive/My Pool.swf", SWF.encode(), folder,
                            tenant="other", time_scale=2.0, add_tenants=True)
    new = got.scenario
    assert got.workload == "My_Pool" and got.jobs == 3 and got.tenants == ["user7", "user8"]
    assert got.summary() == ("My_Pool.swf replays as workload My_Pool: 3 jobs; tenants added: "
                             "user7, user8.")
    w = new.workloads[-1]
    assert (w.kind, w.format, w.tenant, w.tenant_by, w.time_scale) == (
        "replay", "swf", "other", "user", 2.0)
    assert w.backend == ["qpu_1", "qpu_2"]
    # Stored under a safe name in the session's folder, named there by its absolute path, and
    # read from there: the folder is the scenario's one extra root.
    trace = Path(w.trace)
    assert trace.parent == folder.path and trace.name.startswith("My_Pool-")
    assert trace.read_bytes() == SWF.encode()
    assert new.extra_roots == (str(folder.path),)
    assert sc.workloads[-1].kind == "background" and len(sc.workloads) == 1   # not changed
    # It validates again as the page's edits do, and as the dashboard runs it.
    again = uploads.validate(scenario_to_dict(new), like=new, folder=folder)
    assert runs.key_of(again) == runs.key_of(new)
    assert str(folder.path) in runs.with_folder(new).roots
    result = run_scenario(runs.with_folder(new))
    jobs = rows(result, "My_Pool")
    # Submit: (recorded - first) x 2; duration: run time x 2 (job 3: the chain's, on job 2's
    # partition 2, qpu_2); users 7 and 8 are declared tenants now.
    assert {j: (r.tenant, r.backend, r.submit_time, r.status) for j, r in jobs.items()} == {
        "My_Pool.1": ("user7", "qpu_1", 0.0, "completed"),
        "My_Pool.2": ("user8", "qpu_2", 60.0, "completed"),
        "My_Pool.3": ("user8", "qpu_2", 120.0, "completed")}
    assert jobs["My_Pool.1"].end_time - jobs["My_Pool.1"].start_time == 20.0
    assert jobs["My_Pool.2"].session_id == jobs["My_Pool.3"].session_id == "My_Pool.session2"
    # The scenario's own jobs and workloads run as before beside it.
    assert {"j0", "load.1"} <= set(result.jobs.job_id)


def test_unknown_users_go_to_the_default_tenant_and_group_mapping_works(folder):
    sc = base_scenario()
    new = uploads.add_trace(sc, "t.swf", SWF.encode(), folder, tenant="bob").scenario
    jobs = rows(run_scenario(runs.with_folder(new)), "t")
    assert {r.tenant for r in jobs.values()} == {"bob"}
    new = uploads.add_trace(sc, "t.swf", SWF.encode(), folder, tenant="bob", tenant_by="group",
                            add_tenants=True).scenario
    assert [t.name for t in new.tenants][-2:] == ["group1", "group2"]
    jobs = rows(run_scenario(runs.with_folder(new)), "t")
    assert {j: r.tenant for j, r in jobs.items()} == {"t.1": "group1", "t.2": "group2",
                                                     "t.3": "group2"}


def test_an_uploaded_jobs_csv_replaces_the_workloads(folder):
    sc = base_scenario()
    got = uploads.add_trace(sc, "jobs.csv", CSV.encode("utf-8-sig"), folder, replace=True,
                            time_scale=1.0)
    new = got.scenario
    assert [w.name for w in new.workloads] == ["jobs"]
    assert new.workloads[0].format == "jobs_csv"
    assert [j.id for j in new.jobs] == ["j0"]                  # explicit jobs stay
    result = run_scenario(runs.with_folder(new))
    jobs = rows(result, "jobs")
    assert {j: (r.tenant, r.backend, r.submit_time) for j, r in jobs.items()} == {
        "jobs.a": ("alice", "qpu_1", 0.0), "jobs.b": ("bob", "qpu_2", 30.0),
        "jobs.c": ("bob", "qpu_2", 45.0)}
    assert jobs["jobs.b"].session_id == jobs["jobs.c"].session_id == "jobs.s1"
    assert not result.jobs.job_id.str.startswith("load.").any()   # the old workload is gone


def test_a_second_upload_of_the_same_name_gets_its_own_workload(folder):
    sc = base_scenario()
    one = uploads.add_trace(sc, "t.swf", SWF.encode(), folder).scenario
    two = uploads.add_trace(one, "t.swf", SWF.replace("100", "90").encode(), folder)
    assert two.workload == "t-2"
    assert len({w.trace for w in two.scenario.workloads[1:]}) == 2   # two files, two contents


BAD_SWF_LINE = "1 100 -1 10 1 -1 -1 1 20 -1 1 7 1 1 1 1 -1 -1\n2 130 -1 5 1\n"


@pytest.mark.parametrize("name, data, message", [
    ("short.swf", BAD_SWF_LINE.encode(),
     r"^workloads\[1\]\.trace = 'short.swf': line 2: expected 18 fields, got 5$"),
    ("nan.swf", SWF.replace("130", "abc").encode(),
     r"^workloads\[1\]\.trace = 'nan.swf': line 4: field 2 is not a finite number$"),
    ("repeat.swf", (SWF + SWF.splitlines()[2] + "\n").encode(),
     r"^workloads\[1\]\.trace = 'repeat.swf': line 7: job number 1 repeats$"),
    ("empty.swf", b"", r"^'empty.swf': the file is empty; a trace needs at least one job$"),
    ("blank.swf", b" \n\n", r"^'blank.swf': the file is empty"),
    ("comments.swf", b"; only a header\n",
     r"^workloads\[1\]\.trace = 'comments.swf': no job lines in it"),
    ("unknown.swf", SWF.replace(" 10 1 -1 -1 1 20", " -1 1 -1 -1 1 -1").replace(
        " 5 1 -1 -1 1 600", " -1 1 -1 -1 1 -1").replace(" 4 1 -1", " -1 1 -1").encode(),
     r"none of its 3 jobs has a run time or a requested time$"),
    ("flash.swf", b"FWS\x0a\x00\x00\x00\x00\x78\x00\x05",
     r"^'flash.swf': a binary file, not a text trace"),
    ("latin.csv", "job_id,tenant\n1,\xe9\n".encode("latin-1"),
     r"^'latin.csv': not UTF-8 text \(byte 17 is not\)"),
    ("cols.csv", b"id,who,when\n1,a,0\n",
     r"^workloads\[1\]\.trace = 'cols.csv': line 1: missing columns backend, job_id, "
     r"submit_time, tenant$"),
    ("backend.csv", CSV.replace("qpu_2", "qpu_9").encode(),
     r"^workloads\[1\]\.trace = 'backend.csv': line 3: its backend is not one of the "
     r"workload's backends$"),
    ("negative.csv", CSV.replace("80,6", "-80,6").encode(),
     r"^workloads\[1\]\.trace = 'negative.csv': line 3: submit_time is negative$"),
    ("../../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n",
     r"^workloads\[1\]\.trace = 'passwd': line 1: expected 18 fields, got 1$"),
])
def test_hostile_files_are_refused_with_one_message_and_nothing_changes(folder, name, data,
                                                                        message):
    sc = base_scenario()
    before = runs.key_of(sc)
    with pytest.raises(uploads.UploadRefused, match=message) as info:
        uploads.add_trace(sc, name, data, folder)
    text = str(info.value)
    assert "\n" not in text and str(folder.path) not in text    # one line, no private path
    assert "root:x" not in text                                  # never what the file holds
    assert runs.key_of(sc) == before and len(sc.workloads) == 1
    assert os.listdir(folder.path) == []                         # a refused file is not kept


def test_bad_options_are_named(folder):
    sc = base_scenario()
    with pytest.raises(uploads.UploadRefused, match=r"^workloads\[1\]\.time_scale = 0\.0: "):
        uploads.add_trace(sc, "t.swf", SWF.encode(), folder, time_scale=0.0)
    with pytest.raises(uploads.UploadRefused, match=r"^workloads\[1\]\.backend = 'nope': unknown "
                                                        r"backend$"):
        uploads.add_trace(sc, "t.swf", SWF.encode(), folder, backends=["nope"])
    with pytest.raises(uploads.UploadRefused, match=r"^format = 'pdf'"):
        uploads.add_trace(sc, "t.swf", SWF.encode(), folder, fmt="pdf")
    assert os.listdir(folder.path) == []


def test_another_session_cannot_read_the_folder(folder):
    sc = base_scenario()
    mine = uploads.add_trace(sc, "t.swf", SWF.encode(), folder).scenario
    doc = scenario_to_dict(mine)            # the same document, typed into another session
    other = uploads.UploadFolder()
    try:
        for attempt in (lambda: uploads.validate(doc, like=sc, folder=other),
                        lambda: uploads.validate(doc, like=sc),
                        lambda: runs.validate(doc)):
            with pytest.raises(ScenarioError, match=r"^workloads\[1\]\.trace = .*: lies outside "
                                                    r"the scenario's folder"):
                attempt()
    finally:
        other.close()


# --------------------------------------------------------------------------- the page


def test_the_scenario_page_offers_a_trace_upload_and_runs_an_uploaded_trace():
    at = scenario_page()
    assert "Replay a trace" in [t.label for t in at.tabs]
    (uploader,) = [e for e in at.get("file_uploader") if "trace_file" in e.proto.id]
    assert sorted(uploader.proto.type) == [".csv", ".swf"]       # by extension, not MIME type
    assert uploader.proto.max_upload_size_mb == 16
    # What the uploader's handler does with a file: this session's folder and scenario.
    folder = uploads.folder_of(at.session_state)
    got = uploads.add_trace(at.session_state["scenario"], "pool.swf", SWF.encode(), folder,
                            tenant="alice", time_scale=2.0)
    at.session_state["scenario"] = got.scenario
    at.session_state["source"] = f"trace upload: {got.shown}"
    at.session_state["pending_run"] = True
    at.run()
    assert not at.exception, at.exception
    run = at.session_state["run"]
    assert {(j, t) for j, t in zip(run.jobs.job_id, run.jobs.submit_time)
            if j.startswith("pool.")} == {("pool.1", 0.0), ("pool.2", 60.0), ("pool.3", 120.0)}
    # The form shows it by its name, and an edit keeps reading it from the session's folder.
    shown = [t for t in at.text_input if t.key and t.key.endswith(".trace_uploaded")]
    assert [t.value for t in shown] == ["pool.swf (uploaded)"] and shown[0].disabled
    key = next(n.key for n in at.number_input if n.key.endswith(".interactive_timeout"))
    at.number_input(key=key).set_value(7.0)
    apply_and_run(at)
    assert not at.error, [e.value for e in at.error]
    run = at.session_state["run"]
    assert run.scenario.policy.interactive_timeout == 7
    assert run.scenario.workloads[-1].trace == got.scenario.workloads[-1].trace
    assert sum(run.jobs.job_id.str.startswith("pool.")) == 3


def test_the_session_keeps_its_folder_when_streamlit_reimports_the_module():
    # Streamlit re-imports the app's modules when a source file changes; the folder a session
    # made before (an instance of the class as it was then) must stay its folder.
    import importlib

    state = {}
    old = uploads.folder_of(state)
    try:
        importlib.reload(uploads)
        assert not isinstance(old, uploads.UploadFolder)
        assert uploads.folder_of(state) is old
    finally:
        old.close()
