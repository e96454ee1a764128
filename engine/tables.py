"""A run's table as plain columns: what the engine's records become, before anyone asks for pandas.

A :class:`Table` is column names, a kind per column and the columns as Python lists, a missing
value ``None``. Kinds: ``f`` float, ``i`` int, ``I`` int or missing, ``s`` text or missing, ``b``
bool. The command line writes it straight to CSV (``csv`` module: the same bytes pandas'
``to_csv`` wrote, floats by ``repr``, missing values empty) and never imports pandas; the
dashboard, the store and scripts get a DataFrame from :meth:`Table.to_pandas`.
"""

from __future__ import annotations

import csv
from typing import Iterable, Sequence


class Table:
    __slots__ = ("names", "kinds", "columns")

    def __init__(self, names: Sequence[str], kinds: str, columns: Sequence[list]):
        if not (len(names) == len(kinds) == len(columns)):
            raise ValueError("a table needs a kind and a column per name")
        self.names = list(names)
        self.kinds = kinds
        self.columns = [list(c) for c in columns]

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
        return zip(*self.columns)

    def write_csv(self, path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(self.names)
            out.writerows(zip(*self.columns))

    def to_pandas(self):
        import numpy as np
        import pandas as pd

        data = {}
        for name, kind, col in zip(self.names, self.kinds, self.columns):
            if kind == "f":
                data[name] = np.array(col, dtype=np.float64)
            elif kind == "i":
                data[name] = np.array(col, dtype=np.int64)
            elif kind == "I":
                data[name] = pd.array(col, dtype="Int64")
            elif kind == "b":
                data[name] = np.array(col, dtype=bool)
            else:
                data[name] = col
        return pd.DataFrame(data, columns=self.names)
