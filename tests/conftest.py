"""Shared test set-up: runs saved by the code under test go to a per-test store, never to the
user's data directory."""

import pytest


@pytest.fixture(autouse=True)
def private_run_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_LAB_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("SESSION_LAB_DASK", raising=False)
    return tmp_path / "store.sqlite"
