"""A run's table as plain columns: what the engine's records become, before anyone asks for pandas.

A :class:`Table` is column names, a kind per column and the columns, each a Python list (a missing
value ``None``) or, for a float, int or bool column, a NumPy array (a float array's NaN is a
missing value: the engine's times are never NaN). Kinds: ``f`` float, ``i`` int, ``I`` int or
missing, ``s`` text or missing, ``b`` bool. The engine gives its big numeric columns as arrays:
8 bytes a value instead of a Python float's 32 and a list's pointer, and Arrow reads them without
a copy. The command line writes it straight to CSV, without pandas; the dashboard, the
store and scripts get a DataFrame from :meth:`Table.to_pandas`.

The CSV bytes are the ``csv`` module's (which are pandas' ``to_csv``'s): floats by ``repr``,
missing values empty, a text quoted only when it holds a comma, a quote or a line break. They are
made column by column with pyarrow's compute functions (Arrow formats numbers in C, with the
same shortest round-trip digits as ``repr``), and Arrow's text is corrected where its notation
differs from Python's: an integral float gains ``.0``; a float outside [1e-4, 1e14) or one Arrow
writes with an exponent, NaN and the infinities are written by ``repr`` itself. A column whose
values are not all of its kind's Python type is written by ``str`` as the ``csv`` module would.
Anything pyarrow refuses (text that is not valid UTF-8, an int past 64 bits) goes through the
``csv`` module, which writes it or says what is wrong. About 330 lines: the two writers of one
set of bytes (Arrow's, corrected, and the csv module's) and a table that grows in a file
(:class:`SpilledTable`), which must write those same bytes.
"""

from __future__ import annotations

import csv
import io
import os
from contextlib import contextmanager
from typing import Iterable, Optional, Sequence

CHUNK_ROWS = 1 << 17          # rows formatted at once: bounds the memory the text takes


def _csv_quotes_cr() -> bool:
    """Whether this Python's ``csv`` module quotes a text holding a carriage return (3.11 does
    not; later versions may)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["a\rb", "c"])
    return buf.getvalue().startswith('"')


_QUOTE_PATTERN = '[,"\n\r]' if _csv_quotes_cr() else '[,"\n]'
_TYPES = {"f": {float}, "i": {int}, "I": {int}, "b": {bool}, "s": {str}}


class Table:
    __slots__ = ("names", "kinds", "columns")

    def __init__(self, names: Sequence[str], kinds: str, columns: Sequence[list]):
        if not (len(names) == len(kinds) == len(columns)):
            raise ValueError("a table needs a kind and a column per name")
        self.names = list(names)
        self.kinds = kinds
        self.columns = [c if _is_array(c) else list(c) for c in columns]
        for c, kind in zip(self.columns, kinds):
            if _is_array(c) and kind not in _ARRAY_DTYPES.get(c.dtype.kind, ""):
                raise ValueError(f"a {c.dtype} array cannot be a column of kind {kind!r}")

    @classmethod
    def from_rows(cls, names: Sequence[str], kinds: str, rows: Iterable[tuple]) -> "Table":
        rows = list(rows)
        columns = [list(c) for c in zip(*rows)] if rows else [[] for _ in names]
        return cls(names, kinds, columns)

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def column(self, name: str) -> list:
        return self.columns[self.names.index(name)]

    def rows(self):
        """The rows as tuples of Python values (a missing value ``None``)."""
        return zip(*(_as_list(c) for c in self.columns))

    def write_csv(self, path) -> None:
        """The table as CSV, in the ``csv`` module's bytes (see the module's opening)."""
        if len(self.names) < 2:   # a lone empty field is written '""': left to the csv module
            return self.write_csv_slowly(path)
        import pyarrow as pa

        try:   # chunk by chunk, each written as soon as it is made (bounded memory)
            with open(path, "wb") as f:
                f.write(_header(self.names))
                for chunk in self._chunks():
                    f.write(chunk)
        except (pa.ArrowException, UnicodeError, OverflowError, _Unsafe):
            self.write_csv_slowly(path)    # starts the file afresh

    def _chunks(self):
        """The rows' CSV lines, CHUNK_ROWS rows at a time, by Arrow (raises what it refuses)."""
        for lo in range(0, len(self), CHUNK_ROWS):
            yield _chunk_bytes([c[lo:lo + CHUNK_ROWS] for c in self.columns], self.kinds)

    def write_csv_slowly(self, path) -> None:
        """The same bytes through the ``csv`` module, value by value."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(self.names)
            out.writerows(self.rows())

    def to_pandas(self, columns: Optional[Sequence[str]] = None):
        """The table as a DataFrame; ``columns``: only these, in this order."""
        import numpy as np
        import pandas as pd

        data = {}
        chosen = (zip(self.names, self.kinds, self.columns) if columns is None else
                  ((n, self.kinds[i], self.columns[i])
                   for n, i in ((n, self.names.index(n)) for n in columns)))
        for name, kind, col in chosen:
            if _is_array(col):
                data[name] = col
            elif kind == "f":
                data[name] = np.array(col, dtype=np.float64)
            elif kind == "i":
                data[name] = np.array(col, dtype=np.int64)
            elif kind == "I":
                data[name] = pd.array(col, dtype="Int64")
            elif kind == "b":
                data[name] = np.array(col, dtype=bool)
            else:
                data[name] = col
        return pd.DataFrame(data, columns=self.names if columns is None else list(columns))


class SpillFailed(OSError):
    """The file a :class:`SpilledTable` grows in could not be written (a full disk, a file size
    limit): the errno and message of the OSError underneath."""


class SpilledTable:
    """A table written to a CSV file as it grows, a part at a time, so it is never held whole:
    a long run's events (engine/trace.py). Start it with the header; :meth:`append_rows` the next
    rows; :meth:`close` when done. Rows go through the ``csv`` module, straight from the
    caller's tuples (for a table of many texts, as the events are, faster than Arrow's writer
    fed from columns made first). The file is the caller's, to delete when the table has been
    written where it goes."""

    def __init__(self, path, names: Sequence[str], kinds: str):
        self.path = str(path)
        self.names = list(names)
        self.kinds = kinds
        self.rows_written = 0
        self._file = None
        with self._writing():
            self._file = open(self.path, "w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._file, lineterminator="\n")
            self._csv.writerow(self.names)

    @contextmanager
    def _writing(self):
        try:
            yield
        except SpillFailed:
            raise
        except OSError as exc:
            if self._file is not None:   # no retried flush later, no file left open
                try:
                    self._file.close()
                except OSError:
                    pass
            raise SpillFailed(exc.errno, exc.strerror or str(exc), self.path) from exc

    def append_rows(self, rows: Sequence[tuple]) -> None:
        """The next rows, each a tuple of Python values in the table's column order (a missing
        value ``None``)."""
        with self._writing():
            self._csv.writerows(rows)
        self.rows_written += len(rows)

    def close(self) -> None:
        with self._writing():
            self._file.close()

    def _flush(self) -> None:
        if not self._file.closed:
            with self._writing():
                self._file.flush()

    def __len__(self) -> int:
        return self.rows_written

    def write_csv(self, path) -> None:
        """The table's CSV at ``path``: a second name for the file where one can be made (the
        same file system), else a copy."""
        import shutil

        self._flush()
        try:
            if os.path.exists(path):
                os.unlink(path)
            os.link(self.path, path)
        except OSError:
            shutil.copyfile(self.path, path)

    def to_pandas(self):
        import pandas as pd

        self._flush()
        text = {n for n, k in zip(self.names, self.kinds) if k == "s"}
        return pd.read_csv(self.path, dtype={n: "str" for n in text}, keep_default_na=False,
                           na_values={n: [""] for n in self.names})


# Which kinds an array of each NumPy dtype kind may be: floats, ints, bools.
_ARRAY_DTYPES = {"f": "f", "i": "i", "b": "b"}


def _is_array(col) -> bool:
    return hasattr(col, "dtype")


def _as_list(col) -> list:
    """A column as Python values: an array's NaN becomes ``None``."""
    if not _is_array(col):
        return col
    values = col.tolist()
    if col.dtype.kind == "f":
        return [None if v != v else v for v in values]
    return values


def _header(names: list) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(names)
    return buf.getvalue().encode("utf-8")


class _Unsafe(Exception):
    """A text holds one of the control characters that stand in for quotes and separators."""


# Arrow's writer, told never to quote, refuses a value holding a comma, a quote or a line break;
# inside the fields that need quotes these stand in for them until the bytes are written.
_STAND_INS = "\x1c\x1d\x1e\x1f"
_BACK = bytes.maketrans(b"\x1c\x1d\x1e\x1f", b'\r\n,"')


def _chunk_bytes(columns: list, kinds: str):
    """Rows of a table as CSV lines, without the header (bytes, or Arrow's buffer itself when
    nothing was stood in for)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    texts, stood_in = [], False
    for col, kind in zip(columns, kinds):
        text, quoted = _column_text(col, kind)
        texts.append(text)
        stood_in = stood_in or quoted
    table = pa.Table.from_arrays(texts, names=[str(i) for i in range(len(texts))])
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none",
                                                  eol="\n", batch_size=CHUNK_ROWS))
    data = sink.getvalue()
    return data.to_pybytes().translate(_BACK) if stood_in else data


def _column_text(col: list, kind: str):
    """A column's CSV fields as an Arrow string array (missing values null), and whether some
    are quoted (with stand-ins)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if _is_array(col):   # read without a copy; NaN is missing
        if kind == "f":
            return _float_text(pa.array(col, pa.float64(), from_pandas=True)), False
        if kind == "b":
            return pc.if_else(pa.array(col, pa.bool_()), "True", "False"), False
        return pc.cast(pa.array(col, pa.int64()), pa.string()), False
    types = set(map(type, col))
    types.discard(type(None))
    if not types <= _TYPES[kind]:       # not what its kind says: each value by str(), as csv does
        return _quoted(pa.array([None if v is None else str(v) for v in col], pa.string()))
    if kind == "s":
        return _quoted(pa.array(col, pa.string()))
    if kind == "f":
        return _float_text(pa.array(col, pa.float64())), False
    if kind == "b":
        return pc.if_else(pa.array(col, pa.bool_()), "True", "False"), False
    return pc.cast(pa.array(col, pa.int64()), pa.string()), False


def _quoted(text):
    """Texts the csv module would quote (a comma, a quote, a line break) in quotes, their quotes
    doubled, all written with stand-ins; and whether there were any. A carriage return is
    stood in for wherever it is: Arrow refuses it even where the csv module does not quote."""
    import pyarrow.compute as pc

    special = pc.fill_null(pc.match_substring_regex(text, '[,"\n\r\x1c-\x1f]'), False)
    if not pc.any(special).as_py():
        return text, False
    some = pc.filter(text, special)
    if pc.any(pc.match_substring_regex(some, "[\x1c-\x1f]")).as_py():
        raise _Unsafe
    needs = pc.match_substring_regex(some, _QUOTE_PATTERN)
    some = pc.replace_substring(some, "\r", "\x1c")
    quoted = pc.replace_substring(pc.replace_substring(some, '"', "\x1f\x1f"), ",", "\x1e")
    quoted = pc.binary_join_element_wise("\x1f", pc.replace_substring(quoted, "\n", "\x1d"),
                                         "\x1f", "")
    return pc.replace_with_mask(text, special, pc.if_else(needs, quoted, some)), True


def _float_text(values):
    """Floats as ``repr`` writes them (missing values null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(values, pa.string())
    # Outside [1e-4, 1e14), NaN, infinities, and wherever Arrow chose an exponent (it writes
    # 1e13 as "1e+13"), the notations differ: repr itself.
    size = pc.abs(values)
    usual = pc.and_(pc.less(size, 1e14),
                    pc.or_(pc.greater_equal(size, 1e-4), pc.equal(size, 0.0)))
    usual = pc.and_(usual, pc.invert(pc.match_substring(text, "e")))
    other = pc.invert(pc.fill_null(usual, True))
    # An integral value: Arrow writes "5" where repr writes "5.0".
    whole = pc.fill_null(pc.equal(values, pc.floor(values)), False)
    if pc.any(whole).as_py():
        text = pc.replace_with_mask(text, whole, pc.binary_replace_slice(
            pc.filter(text, whole), start=1 << 30, stop=1 << 30, replacement=".0"))
    if pc.any(other).as_py():
        odd = pc.filter(values, other).to_pylist()
        text = pc.replace_with_mask(text, other, pa.array([repr(v) for v in odd], pa.string()))
    return text
