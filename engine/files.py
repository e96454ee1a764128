"""Reading the files a scenario names (``qasm:`` circuits, ``trace:`` traces), and scenario files.

A scenario file may come from anyone, so the files it names are read under rules:

- the path resolves (symlinks followed) inside one of the allowed folders: the scenario file's
  own folder, plus folders the command line adds with ``--data-dir`` (never the dashboard);
- only a regular file is read (not /dev/zero, a FIFO, a folder), opened without blocking;
- at most a stated number of bytes;
- a message about a file never quotes what the file holds.

Every refusal is a :class:`FileRefused` whose text says why; callers turn it into a
``ScenarioError`` naming their key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable, Optional

MiB = 1024 * 1024
MAX_QASM_BYTES = 2 * MiB
MAX_TRACE_BYTES = 64 * MiB


class FileRefused(ValueError):
    """A file that may not or cannot be read; the message says why, never what it holds."""


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n:,} bytes"


MAX_PATH = 4096   # characters of a path a scenario may name


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def resolve(path_text: str, roots: Iterable[str]) -> Path:
    """The real path of ``path_text`` (relative to the first root), if it lies inside one of
    ``roots``; otherwise :class:`FileRefused`."""
    roots = [os.path.realpath(r) for r in roots if r]
    if not roots:
        raise FileRefused("a file path needs the scenario's folder: load the scenario from a "
                          "file (relative paths start there)")
    if "\x00" in path_text or len(path_text) > MAX_PATH:
        raise FileRefused("not a file path")
    path = Path(path_text)
    if not path.is_absolute():
        path = Path(roots[0]) / path
    real = os.path.realpath(path)
    if _inside(real, roots):
        return Path(real)
    where = roots[0] if len(roots) == 1 else f"{roots[0]} (or {', '.join(roots[1:])})"
    raise FileRefused(f"lies outside the scenario's folder {where}; only files inside it are "
                      f"read")


def _regular(st: os.stat_result, cap: int) -> None:
    """Refuse what is not a regular file of at most ``cap`` bytes."""
    if stat.S_ISDIR(st.st_mode):
        raise FileRefused("is a folder; a regular file is needed")
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused("is not a regular file; a regular file is needed")
    if st.st_size > cap:
        raise FileRefused(f"is {_size(st.st_size)}; the limit is {_size(cap)}")


def read_bytes(path: Path, cap: int, roots: Iterable[str] = ()) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes. With ``roots``, the file opened
    must still lie inside them (a path component swapped for a symlink after ``resolve``
    checked it is caught here, on Linux through /proc/self/fd)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileRefused("no such file") from None
    except OSError as exc:
        raise FileRefused(f"cannot open it: {exc.strerror or exc}") from None
    try:
        roots = [os.path.realpath(r) for r in roots if r]
        if roots:
            try:
                opened = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                opened = None   # no /proc: resolve()'s check stands alone
            if opened is not None and not _inside(opened, roots):
                raise FileRefused("lies outside the scenario's folder; only files inside it "
                                  "are read")
        _regular(os.fstat(fd), cap)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 * MiB, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                raise FileRefused(f"is larger than the limit of {_size(cap)}")
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(f"cannot read it: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: Path, cap: int, roots: Iterable[str] = ()) -> str:
    """A regular file's text (UTF-8), at most ``cap`` bytes."""
    data = read_bytes(path, cap, roots)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("is not UTF-8 text") from None


def read_named(path_text: str, roots: Iterable[str], cap: int) -> str:
    """The text of the file a scenario names: resolved inside ``roots``, regular, capped."""
    roots = list(roots)
    return read_text(resolve(path_text, roots), cap, roots)


def check_named(path_text: str, roots: Iterable[str], cap: int) -> Optional[str]:
    """Why the file a scenario names cannot be read (None if it can), without reading it."""
    try:
        _regular(os.stat(resolve(path_text, roots)), cap)
    except FileRefused as exc:
        return str(exc)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot open it: {exc.strerror or exc}"
    return None
