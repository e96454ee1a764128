"""Files out: a run's tables and documents, each file written whole and a run's folder replaced
whole or not at all (:func:`write_folder`), never over a folder that is not a run's.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from .model import ScenarioError


class PathError(ScenarioError):
    """A ScenarioError whose value (a file or folder, a run's name) is shown in full: a
    shortened path does not say which file."""

    def __init__(self, key: str, value, message: str):
        super().__init__(key, value, message)
        self.args = (f"{key} = {value!r}: {message}",)


class FolderRefused(PathError):
    """A folder a run's files must not replace (``out = 'DIR': ...``; the CLI says ``--out``)."""

    def __init__(self, folder, message: str):
        super().__init__("out", str(folder), message)
        self.folder = str(folder)


def _create(path: Path):
    """A new file for writing, with the permissions the umask gives (not mkstemp's 0600)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def _fsync(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fresh_file(folder: Path, stem: str) -> Path:
    """A new, empty file ``folder/stem.RANDOM``, made here and nowhere else (never an existing
    one), with the permissions the umask gives. OSError when it cannot be made."""
    for _ in range(100):
        path = Path(folder) / f"{stem}.{secrets.token_hex(4)}"
        try:
            os.close(_create(path))
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(Path(folder) / stem))


def _atomic_write(path: Path, write) -> None:
    """``write(tmp)`` to a temporary name beside ``path``, flushed to disk, then renamed over it."""
    tmp = fresh_file(path.parent, f".{path.name}")
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_file(path: Path, write) -> Path:
    """One file written whole or not at all (its folder made if need be)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, write)
    return path


def write_tables(tables: dict, out_dir: Path, formats: Iterable[str] = ("csv",)) -> list[Path]:
    """Write each table (a Table, a SpilledTable or a DataFrame) as ``NAME.csv`` and/or
    ``NAME.parquet``; returns the paths written. A Table's CSV is written without pandas, in the
    bytes pandas writes."""
    from .tables import SpilledTable, Table

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, t in tables.items():
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            if fmt == "csv" and isinstance(t, (Table, SpilledTable)):
                _atomic_write(path, t.write_csv)
            elif fmt == "csv":
                _atomic_write(path, lambda tmp, df=t: df.to_csv(tmp, index=False,
                                                                lineterminator="\n"))
            elif fmt == "parquet":
                df = t.to_pandas() if isinstance(t, (Table, SpilledTable)) else t
                _atomic_write(path, lambda tmp, df=df: df.to_parquet(tmp, index=False))
            else:
                raise ValueError(f"unknown format {fmt!r}")
            written.append(path)
    return written


def write_json(obj, path: Path) -> Path:
    path = Path(path)
    text = json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n"

    def write(tmp):
        Path(tmp).write_text(text, encoding="utf-8")

    _atomic_write(path, write)
    return path


# ---------------------------------------------------------------- a run's folder, whole

def check_folder(folder: Path, allowed: frozenset) -> Path:
    """The folder a run's files may go to, with symbolic links followed. Raises
    :class:`FolderRefused` for a file, or a folder holding anything but the files a run writes
    (so ``--out ~`` can never replace a home folder)."""
    folder = Path(os.path.realpath(folder))
    here = Path(os.path.realpath(os.getcwd()))
    if folder == here or folder in here.parents:  # it would be swapped away from under us
        raise FolderRefused(folder, "is the current folder or holds it; choose another")
    if not os.path.lexists(folder):
        return folder
    if not folder.is_dir():
        raise FolderRefused(folder, "exists and is not a folder")
    for entry in os.scandir(folder):
        if not (entry.is_file(follow_symlinks=False) and _written_by_a_run(entry.name, allowed)):
            raise FolderRefused(folder, "holds files that are not a Session Lab run; choose a "
                                        "new or empty folder")
    return folder


def _written_by_a_run(name: str, allowed: frozenset) -> bool:
    # ".jobs.csv.1a2b3c4d": a temporary file an interrupted write (of an older version) left.
    return name in allowed or (name.startswith(".") and
                               any(name.startswith(f".{a}.") for a in allowed))


def write_folder(folder: Path, fill, allowed: frozenset) -> list[Path]:
    """A run's folder written whole or not at all.

    ``fill(tmp)`` writes every file into a fresh hidden sibling folder, which then takes the
    place of ``folder`` in one step (``renameat2(RENAME_EXCHANGE)``; where the filesystem refuses
    it, the old folder is renamed aside first), and the old folder is removed. An error or Ctrl-C
    before that step leaves ``folder`` exactly as it was and removes the sibling; the step itself
    and the removal are not interrupted. Only a folder that :func:`check_folder` accepts is
    replaced. Returns the paths in ``folder``."""
    target = check_folder(folder, allowed)
    made = _make_parents(target.parent)
    try:
        tmp = _fresh_sibling(target, "new", make=True)
        try:
            written = fill(tmp)
            _fsync(tmp)
            check_folder(target, allowed)  # again: it may have changed while we wrote
            with _uninterrupted():
                old = _put_in_place(tmp, target)
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
                _fsync(target.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except BaseException:
        for d in reversed(made):  # parents made for this run only, when it came to nothing
            try:
                d.rmdir()
            except OSError:
                break
        raise
    return [target / Path(p).name for p in written]


def _make_parents(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it made (outermost first)."""
    missing = []
    p = folder
    while not os.path.lexists(p):
        missing.append(p)
        p = p.parent
    made = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        made.append(d)
    return made


def _fresh_sibling(target: Path, what: str, make: bool = False) -> Path:
    for _ in range(100):
        path = target.parent / f".{target.name}.{what}-{secrets.token_hex(4)}"
        if make:
            try:
                path.mkdir(0o777)  # the umask applies, as to any folder the user makes
            except FileExistsError:
                continue
            return path
        if not os.path.lexists(path):
            return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))  # pragma: no cover


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``). False when the system or filesystem
    does not offer it, or ``b`` does not exist; raises OSError on other errors."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOENT, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP,
               errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _put_in_place(tmp: Path, target: Path):
    """``tmp`` becomes ``target``; returns where the old ``target`` now is (None if none)."""
    if _exchange(tmp, target):
        return tmp
    try:
        os.rename(tmp, target)  # no target, or an empty folder: replaced in one step
        return None
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    aside = _fresh_sibling(target, "old")
    os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    return aside


@contextmanager
def _uninterrupted():
    """Hold Ctrl-C until the block is done, then deliver it. (Masking SIGINT in this thread
    would not do: the kernel may hand it to another thread, pyarrow's say, and Python would
    still raise KeyboardInterrupt here. Ctrl-C only ever raises in the main thread.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            signal.raise_signal(signal.SIGINT)  # as the previous handler would have had it
