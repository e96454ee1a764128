"""Trace uploads for the Scenario page, without Streamlit: a browser session's private folder,
the file's safe name, and an uploaded ``.swf`` or jobs ``.csv`` made into a replay workload.

Where an upload lives. Each browser session gets its own folder,
``tempfile.mkdtemp(prefix="session-lab-upload-")`` (mode 0700, a random name), made on its first
upload and kept in its ``st.session_state`` (:func:`folder_of`); it is removed when Streamlit
forgets the session (or the server exits). The scenario is given that folder as an extra root,
``validate_scenario(doc, base_dir=..., roots=(folder,))``, so the engine's file rules
(engine/files.py) read the trace from there and from nowhere else. A trace path relative to the
scenario resolves against its own folder (``scenarios/``) only, so the workload names the
uploaded file by its absolute path inside the private folder.

Why no other session sees it. A browser can never add a folder: every document a browser sends
is validated against ``scenarios/`` (or the operator's scenario folder) plus, here, only the
session's own upload folder, so another session naming this folder's path is refused ("lies
outside the scenario's folder"). The file's name carries a hash of its content, and the folder's
name is random, so the server's run cache (keyed by the scenario, trace path included) never
gives one session's run to another, nor an older file's run after a new upload.

What bounds it. A file is at most :data:`MAX_UPLOAD_BYTES` (16 MiB: the dashboard's upload cap,
within the engine's MAX_TRACE_BYTES); a folder keeps at most :data:`MAX_FILES` files, the oldest
not used by the scenario on screen going first; a refused upload leaves nothing behind. The name
on disk is the uploaded name made safe (:func:`safe_name`: no path parts, letters, digits and
``._-`` only), never a path the user chooses.

A malformed trace is refused with one message naming the workload's key, the file and the line
and field (the engine's own messages, engine/replay.py), and the scenario stays as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
import unicodedata
import weakref
from collections.abc import MutableMapping
from pathlib import Path
from typing import Iterable, NamedTuple, Optional

from engine import Scenario, ScenarioError, validate_scenario
from engine import files, replay
from engine.model import ReplayWorkload, scenario_to_dict

from . import runs

PREFIX = "session-lab-upload-"
MAX_UPLOAD_BYTES = min(16 * files.MiB, files.MAX_TRACE_BYTES)
MAX_FILES = 4            # files one session's folder keeps
MAX_NEW_TENANTS = 100    # tenants an upload may add to the scenario
STATE_KEY = "trace_upload_folder"
EXTENSIONS = ["swf", "csv"]   # for st.file_uploader(type=...): checked by name, not MIME type
FORMATS = {"swf": "SWF (Standard Workload Format)", "jobs_csv": "jobs CSV (jobs.csv columns)"}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_STORED = re.compile(r"^(?P<stem>.*)-(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)?$")
_MAX_STEM = 60


class UploadRefused(ValueError):
    """An upload that is not taken; the message says why (and where, for a bad line)."""


# --------------------------------------------------------------------------- names


def safe_name(name: str, default: str = "trace") -> str:
    """``name`` as a file name that is safe anywhere: its last path part only (``/`` and ``\\``
    both split), letters, digits, ``.``, ``_`` and ``-`` (anything else becomes ``_``), no
    leading dot, at most 60 characters before a short extension. Never empty."""
    name = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    name = re.split(r"[/\\]", name)[-1]
    name = _NAME_CHARS.sub("_", name).strip("._-")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 8:
        stem, ext = name, ""
    stem = stem.strip("._-")[:_MAX_STEM].rstrip("._-") or default
    return f"{stem}.{ext.lower()}" if ext else stem


def download_name(title: str, extension: str) -> str:
    """A descriptive file name for a download: ``<title><extension>`` (``seed-story.yaml``), the
    title's characters made safe as in :func:`safe_name` (dots kept), never empty."""
    title = unicodedata.normalize("NFKD", str(title or "")).encode("ascii", "ignore").decode()
    stem = _NAME_CHARS.sub("_", title).strip("._-")
    return (stem[:80].rstrip("._-") or "scenario") + extension


def guess_format(name: str) -> str:
    """The replay format a file name suggests: ``.csv`` is a jobs CSV, anything else SWF."""
    return "jobs_csv" if str(name).lower().endswith(".csv") else "swf"


def shown_name(path: str) -> Optional[str]:
    """The name a user knows an uploaded trace by (``sample.swf``), or None when ``path`` is
    not in an upload folder."""
    p = Path(str(path))
    if not p.is_absolute() or not p.parent.name.startswith(PREFIX):
        return None
    hit = _STORED.match(p.name)
    return (hit["stem"] + (hit["ext"] or "")) if hit else p.name


def workload_name(name: str, taken: Iterable[str]) -> str:
    """A workload name from a file name (its stem, made safe), not one of ``taken``."""
    base = safe_name(name).split(".")[0][:40] or "trace"
    taken = set(taken)
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    return out


# --------------------------------------------------------------------------- the folder


class UploadFolder:
    """One browser session's private upload folder: made with ``tempfile.mkdtemp`` (0700, a
    random name), at most :data:`MAX_FILES` files, removed when this object is forgotten (the
    session ends) or the server exits."""

    def __init__(self, parent: Optional[str] = None):
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent)).resolve()
        self._order: list[str] = []     # file names, oldest first
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def alive(self) -> bool:
        return self.path.is_dir()

    def files(self) -> list[Path]:
        """Its files, oldest first."""
        self._order = [n for n in self._order if (self.path / n).is_file()]
        return [self.path / n for n in self._order]

    def holds(self, path) -> bool:
        return Path(str(path)).parent == self.path

    def store(self, name: str, data: bytes) -> Path:
        """Write ``data`` under ``name`` made safe, with a hash of the content in the name (the
        same content is the same file). It becomes the newest file; nothing is removed here."""
        safe = safe_name(name)
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        digest = hashlib.sha256(data).hexdigest()[:12]
        fname = f"{stem}-{digest}" + (f".{ext}" if ext else "")
        path = self.path / fname
        if not path.is_file():
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        if fname in self._order:
            self._order.remove(fname)
        self._order.append(fname)
        return path

    def discard(self, path) -> None:
        path = Path(str(path))
        if self.holds(path):
            path.unlink(missing_ok=True)
            if path.name in self._order:
                self._order.remove(path.name)

    def prune(self, keep: Iterable = ()) -> None:
        """Remove the oldest files until at most :data:`MAX_FILES` are left, never one in
        ``keep`` (the traces the scenario on screen uses)."""
        keep = {Path(str(k)).name for k in keep}
        current = self.files()
        extra = len(current) - MAX_FILES
        for path in current:
            if extra <= 0:
                break
            if path.name not in keep:
                self.discard(path)
                extra -= 1

    def close(self) -> None:
        """Remove the folder now."""
        self._cleanup()


def folder_of(state: MutableMapping, create: bool = True) -> Optional[UploadFolder]:
    """The upload folder of the browser session whose ``st.session_state`` is ``state`` (made
    on first use; None without ``create`` when it has none yet)."""
    folder = state.get(STATE_KEY)
    # Not isinstance: Streamlit re-imports the app's modules when a source file changes, and
    # the session's folder (an instance of the class as it was) must stay its folder.
    if all(hasattr(folder, a) for a in ("path", "alive", "store", "holds")) and folder.alive():
        return folder
    if not create:
        return None
    folder = state[STATE_KEY] = UploadFolder()
    return folder


def uploaded_traces(scenario: Scenario, folder: Optional[UploadFolder]) -> list[str]:
    """The trace paths of ``scenario``'s replay workloads that lie in ``folder``."""
    if folder is None:
        return []
    return [w.trace for w in scenario.workloads
            if isinstance(w, ReplayWorkload) and folder.holds(w.trace)]


# --------------------------------------------------------------------------- validation


def validate(doc: dict, like: Optional[Scenario] = None,
             folder: Optional[UploadFolder] = None) -> Scenario:
    """``ui.runs.validate``, with the session's upload folder (if it has one) as the one extra
    folder files may come from: an edit of a scenario replaying an uploaded trace still finds
    it. Nothing a browser sends can add a folder."""
    base = like.base_dir if like is not None and like.base_dir is not None else runs.SCENARIOS
    roots = (folder.path,) if folder is not None and folder.alive() else ()
    return validate_scenario(doc, base_dir=base, roots=roots)


def _text(shown: str, data: bytes) -> bytes:
    """The bytes to store, after the checks every trace must pass; refusals name the file."""
    if not isinstance(data, (bytes, bytearray)):
        raise UploadRefused(f"{shown!r}: no file content")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{shown!r}: the file is {len(data) / files.MiB:.1f} MiB; an "
                            f"uploaded trace may be at most {MAX_UPLOAD_BYTES // files.MiB} MiB")
    data = bytes(data)
    if data.startswith(b"\xef\xbb\xbf"):   # a spreadsheet's byte-order mark
        data = data[3:]
    if not data.strip():
        raise UploadRefused(f"{shown!r}: the file is empty; a trace needs at least one job")
    if b"\x00" in data:
        raise UploadRefused(f"{shown!r}: a binary file, not a text trace (SWF or jobs CSV "
                            f"text expected)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(f"{shown!r}: not UTF-8 text (byte {exc.start + 1} is not); SWF or "
                            f"jobs CSV text expected") from None
    return data


def trace_tenants(text: str, fmt: str, tenant_by: str = "user") -> list[str]:
    """The tenants a trace names, in order of first appearance: SWF ``user<id>`` (field 12) or
    ``group<id>`` (field 13) for each known id; a jobs CSV's ``tenant`` column. Lines the
    replay would refuse are skipped here (the replay names them)."""
    seen: dict[str, None] = {}
    if fmt == "swf":
        col = 11 if tenant_by == "user" else 12
        for raw in text.splitlines():
            toks = raw.split(";", 1)[0].split()
            if len(toks) != replay.SWF_FIELDS:
                continue
            try:
                who = float(toks[col])
            except ValueError:
                continue
            if who >= 0 and who.is_integer():
                seen.setdefault(f"{tenant_by}{int(who)}", None)
    else:
        try:
            for rec in csv.DictReader(io.StringIO(text, newline="")):
                t = rec.get("tenant")
                if isinstance(t, str) and 0 < len(t) <= 200:
                    seen.setdefault(t, None)
        except csv.Error:
            pass
    return list(seen)


def _message(exc: ScenarioError, path: Path, shown: str) -> str:
    """The engine's message about the new workload, with the file named as the user knows it
    (never the private folder's path)."""
    text = str(exc).replace(repr(str(path)), repr(shown)).replace(str(path), shown)
    return text.replace(str(path.parent), "(upload folder)")


class Replayed(NamedTuple):
    """An upload taken: the new scenario, and what it added."""

    scenario: Scenario
    workload: str        # the replay workload's name
    shown: str           # the file's name as the user knows it (made safe)
    jobs: int            # jobs the trace gives
    skipped: int         # SWF jobs with neither a run time nor a requested time
    tenants: list        # tenants added to the scenario

    def summary(self) -> str:
        text = (f"{self.shown} replays as workload {self.workload}: {self.jobs:,} job"
                f"{'s' if self.jobs != 1 else ''}")
        if self.skipped:
            text += f" ({self.skipped:,} skipped: no run time or requested time)"
        if self.tenants:
            text += f"; tenants added: {', '.join(self.tenants[:8])}"
            text += f" and {len(self.tenants) - 8} more" if len(self.tenants) > 8 else ""
        return text + "."


def add_trace(scenario: Scenario, name: str, data: bytes, folder: UploadFolder, *,
              fmt: Optional[str] = None, tenant: Optional[str] = None, tenant_by: str = "user",
              time_scale: float = 1.0, backends: Optional[list[str]] = None,
              replace: bool = False, add_tenants: bool = False) -> Replayed:
    """``scenario`` with the uploaded trace ``name`` (its bytes ``data``) as a replay workload:
    added to its workloads, or (``replace``) in their place. Stored in ``folder`` and read from
    there only; parsed whole before anything changes, so a bad line is refused here (with its
    number and field), not at run time. ``tenant``: where jobs of tenants the scenario does not
    declare go (default its first tenant); ``add_tenants``: declare the trace's tenants first
    (share 1). Returns the new scenario and what it added (:class:`Replayed`); raises
    :class:`UploadRefused` with one message, ``scenario`` unchanged and the file not kept."""
    shown = safe_name(name)
    data = _text(shown, data)
    fmt = fmt or guess_format(name)
    if fmt not in FORMATS:
        raise UploadRefused(f"format = {fmt!r}: one of {', '.join(FORMATS)}")
    doc = scenario_to_dict(scenario)
    in_use = uploaded_traces(scenario, folder)
    if not replace and len(set(in_use)) >= MAX_FILES:
        raise UploadRefused(f"{shown!r}: the scenario already replays {len(set(in_use))} "
                            f"uploaded traces, the most one browser session keeps; choose "
                            f"'replace the workloads', or remove one of them in the Form tab")
    new: list[str] = []
    if add_tenants:
        declared = {t["name"] for t in doc["tenants"]}
        new = [t for t in trace_tenants(data.decode("utf-8"), fmt, tenant_by)
               if t not in declared]
        if len(new) > MAX_NEW_TENANTS:
            raise UploadRefused(f"{shown!r}: names {len(new):,} tenants the scenario does not "
                                f"declare; at most {MAX_NEW_TENANTS} can be added (untick "
                                f"'add the trace's tenants' to map them all to one tenant)")
        doc["tenants"] = list(doc["tenants"]) + [{"name": t} for t in new]
    workloads = [] if replace else list(doc.get("workloads", []))
    wname = workload_name(name, scenario.workload_names() if not replace else [])
    existed = set(folder.files())
    path = folder.store(name, data)
    workload = {"name": wname, "kind": "replay", "trace": str(path), "format": fmt,
                "tenant": tenant or scenario.tenants[0].name,
                "backend": list(backends or [b.name for b in scenario.backends]),
                "time_scale": time_scale}
    if fmt == "swf":
        workload["tenant_by"] = tenant_by
    doc["workloads"] = workloads + [workload]
    index = len(doc["workloads"]) - 1
    try:
        new_sc = validate(doc, like=scenario, folder=folder)
        trace = replay.load(new_sc, index, new_sc.workload_names()[index])
    except ScenarioError as exc:
        if path not in existed:
            folder.discard(path)
        raise UploadRefused(_message(exc, path, shown)) from None
    if not trace.jobs:
        if path not in existed:
            folder.discard(path)
        why = (f"none of its {trace.skipped} jobs has a run time or a requested time"
               if trace.skipped else "no job lines in it (only comments or blank lines)")
        raise UploadRefused(f"workloads[{index}].trace = {shown!r}: {why}")
    folder.prune(keep=uploaded_traces(new_sc, folder))
    return Replayed(new_sc, wname, shown, len(trace.jobs), trace.skipped, new)
