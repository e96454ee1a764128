"""The engine's layout stays readable: no import cycle, no module over ~300 lines without saying
why in its opening paragraph, each rule's number found in the code that does it, and engine/
free of the dashboard's libraries."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"
MODULES = {p.stem: p for p in ENGINE.glob("*.py")}


def _runtime_nodes(tree):
    """Every node, but those under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                continue
            stack.append(child)


def imports_of(path: Path) -> set[str]:
    """The engine modules ``path`` imports at run time, at any depth of its code (late imports
    count; imports for type hints only do not)."""
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:            # from .x import ...
                found.add(node.module.split(".")[0])
            elif node.level == 1:                          # from . import x, y
                found.update(a.name for a in node.names)
            elif node.module and node.module.startswith("engine."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("engine."))
    return {m for m in found if m in MODULES and m != path.stem}


def test_no_import_cycle_in_the_engine():
    graph = {name: imports_of(path) for name, path in MODULES.items() if name != "__init__"}
    graph = {k: v - {"__init__", "__main__"} for k, v in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_long_module_says_why_in_its_opening_paragraph(name):
    path = MODULES[name]
    lines = len(path.read_text().splitlines())
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert doc, f"{name}.py has no opening paragraph"
    if lines > 320:
        assert re.search(r"\d+ lines", doc), (
            f"{name}.py has {lines} lines and its docstring does not say why")


def test_each_rule_is_found_in_the_code_that_does_it():
    code = {name: path.read_text() for name, path in MODULES.items()}
    for n in range(1, 19):
        where = [name for name, text in code.items() if re.search(rf"\bR{n}\b", text)]
        assert where, f"R{n} is named nowhere in engine/"


def test_the_engine_imports_no_dashboard_library():
    for name, path in MODULES.items():
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(streamlit|plotly)", text, re.M), name
