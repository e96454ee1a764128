"""Shared test set-up: runs saved by the code under test go to a per-test store, never to the
user's data directory; pages wait for their runs."""

import sys

import pytest

_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def restore_main_module():
    """Streamlit's script runner (AppTest) leaves ``sys.modules["__main__"]`` set to the page it
    ran. A process spawned later in the same test worker (a Dask nanny's worker) would then
    re-run that page while bootstrapping; put the real main module back after every test."""
    yield
    sys.modules["__main__"] = _MAIN


@pytest.fixture(autouse=True)
def private_run_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_LAB_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("SESSION_LAB_DASK", raising=False)
    # AppTest runs a page once: it waits for the run there rather than showing the progress
    # panel that would redraw itself (ui/state.py).
    monkeypatch.setenv("SESSION_LAB_INLINE_WAIT", "300")
    return tmp_path / "store.sqlite"
