"""IBM's own code runs unchanged against the simulated data center.

Each script in tests/ibm_examples/ is copied from IBM's documentation guides and tutorials
(Qiskit/documentation), the qiskit-ibm-runtime README or its integration tests; its docstring
names the source and every change. The only changes allowed: the import line
(``qiskit_ibm_runtime`` -> ``engine.runtime``, the same names), smaller problems (qubits,
iterations), notebook cells joined, and a final print. tests/ibm_examples/SOURCES.md lists them.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import qiskit_ibm_runtime

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "tests" / "ibm_examples").glob("[0-9]*.py"))


def test_there_are_at_least_25_examples():
    assert len(EXAMPLES) >= 25


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_ibm_example_runs_with_only_the_import_line_changed(path, tmp_path):
    source = path.read_text()
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    assert "Source" in doc and "Changes" in doc, "say where it comes from and what changed"
    ours = [n for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("engine")]
    assert ours, "it imports from engine.runtime"
    for node in ours:
        assert node.module == "engine.runtime", node.module
        for alias in node.names:      # the same names exist in the real client
            assert hasattr(qiskit_ibm_runtime, alias.name), alias.name
    body = source.replace(doc, "")
    assert body.count("engine") == body.count("engine.runtime"), "nothing else touches engine"

    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "SESSION_LAB_STORE": str(tmp_path / "store.sqlite"),
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.strip(), "it prints what it computed"
