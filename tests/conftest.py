"""Shared test set-up: runs saved by the code under test go to a per-test store, never to the
user's data directory; pages wait for their runs."""

import pytest


@pytest.fixture(autouse=True)
def private_run_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_LAB_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("SESSION_LAB_DASK", raising=False)
    # AppTest runs a page once: it waits for the run there rather than showing the progress
    # panel that would redraw itself (ui/state.py).
    monkeypatch.setenv("SESSION_LAB_INLINE_WAIT", "300")
    return tmp_path / "store.sqlite"
