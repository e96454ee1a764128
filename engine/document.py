"""Scenario documents: YAML or JSON text to plain data, refusing what no scenario needs.

A document is at most MAX_DOCUMENT_BYTES, holds at most MAX_VALUES values (a YAML alias counts
each time it is used: a few hundred bytes of aliases can stand for billions of values) and
MAX_DEPTH levels, contains no value that contains itself, gives no key twice in one mapping
(named by its path), and uses no YAML tag but plain data. YAML is read by libyaml when it is
installed. Every refusal is a ScenarioError naming where.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import yaml

from .model import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_VALUES, MISSING, ScenarioError, key_path

class _Twice:
    """Where a key stood twice in one mapping: the parsers record it, the walk names it."""

    def __init__(self):
        self.seen: dict[int, str] = {}   # id(mapping) -> the first key given twice

    def note(self, mapping: dict, key: Any) -> None:
        self.seen.setdefault(id(mapping), key)


def inspect_document(doc: Any, twice: Optional[_Twice] = None) -> None:
    """Refuse a document before anything walks it whole: more than MAX_VALUES values (each use
    of a YAML alias counted), nesting deeper than MAX_DEPTH, a value that contains itself, or a
    key given twice in one mapping (named by its path). Iterative, one frame per level: bounded
    time, memory and stack."""

    def items(node):
        return iter(node.items()) if isinstance(node, dict) else enumerate(node)

    def enter(node, path) -> None:
        if len(stack) >= MAX_DEPTH:
            raise ScenarioError("(file)", MISSING, f"the document is nested more than "
                                                   f"{MAX_DEPTH} levels deep")
        if id(node) in open_ids:
            raise ScenarioError("(file)", MISSING, f"{key_path(path)} contains itself (a "
                                                   f"recursive YAML alias)")
        if twice is not None and isinstance(node, dict) and id(node) in twice.seen:
            raise ScenarioError(key_path(path + (twice.seen[id(node)],)), MISSING,
                                "this key is given twice")
        open_ids.add(id(node))
        stack.append((items(node), path, node))

    if not isinstance(doc, (dict, list)):
        return
    count = 1
    stack: list = []
    open_ids: set[int] = set()
    enter(doc, ())
    while stack:
        it, path, node = stack[-1]
        for k, v in it:
            count += 1
            if count > MAX_VALUES:
                raise ScenarioError("(file)", MISSING, f"the document holds more than "
                                                       f"{MAX_VALUES:,} values (YAML aliases "
                                                       f"count each time they are used)")
            if isinstance(v, (dict, list)):
                enter(v, path + (k,))
                break
        else:
            stack.pop()
            open_ids.discard(id(node))


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser when installed


def _yaml_loader(twice: _Twice):
    merge = "tag:yaml.org,2002:merge"

    class Loader(_Loader):
        def _twice(self, node, seen_nodes=None) -> Any:
            """A key written twice in this mapping node, or in a mapping written inline under
            its ``<<`` (keys merged in from elsewhere may be overridden; that is what ``<<``
            is for)."""
            seen = set()
            seen_nodes = set() if seen_nodes is None else seen_nodes
            seen_nodes.add(id(node))
            for k, v in node.value:
                if k.tag == merge:
                    merged = [v] if isinstance(v, yaml.MappingNode) else [
                        n for n in getattr(v, "value", ()) if isinstance(n, yaml.MappingNode)]
                    for m in merged:
                        if id(m) not in seen_nodes:
                            found = self._twice(m, seen_nodes)
                            if found is not None:
                                return found
                    continue
                key = self.construct_object(k, deep=True)
                try:
                    if key in seen:
                        return key
                    seen.add(key)
                except TypeError:  # an unhashable key: construct_mapping refuses it
                    return None
            return None

        def construct_yaml_map(self, node):
            data = {}
            yield data
            found = self._twice(node)     # before construct_mapping merges the node's pairs
            data.update(self.construct_mapping(node))
            if found is not None:
                twice.note(data, found)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    return Loader


def parse_text(text: str, fmt: str) -> Any:
    """Parse YAML or JSON text into plain data, refusing what no scenario needs: a document over
    MAX_DOCUMENT_BYTES, keys given twice, alias bombs, deep nesting, tags other than plain data,
    numbers of thousands of digits. Every refusal is a ScenarioError naming where."""
    if len(text) > MAX_DOCUMENT_BYTES or len(text.encode("utf-8", "surrogatepass")) > \
            MAX_DOCUMENT_BYTES:
        raise ScenarioError("(file)", MISSING, f"the document is larger than "
                                               f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
    twice = _Twice()
    try:
        if fmt == "json":
            def pairs(items):
                out = {}
                for k, v in items:
                    if k in out:
                        twice.note(out, k)
                    out[k] = v
                return out

            doc = json.loads(text, object_pairs_hook=pairs)
        else:
            doc = yaml.load(text, Loader=_yaml_loader(twice))
    except json.JSONDecodeError as exc:
        raise ScenarioError("(file)", f"line {exc.lineno} column {exc.colno}",
                            f"not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(exc, "problem", None) or "syntax error"
        if "constructor" in problem:
            problem = "a tag that is not plain data"
        raise ScenarioError("(file)", where, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError("(file)", MISSING, "the document is nested too deeply") from None
    except ValueError as exc:   # e.g. an integer of more digits than Python converts
        why = ("a number has thousands of digits" if "digits" in str(exc)
               else f"a value cannot be read ({str(exc).splitlines()[0][:100]})")
        raise ScenarioError("(file)", MISSING, why) from None
    inspect_document(doc, twice)
    return doc


def read_document(path: str | Path) -> Any:
    """A scenario file (YAML, or JSON by extension) as plain data: a regular file of at most
    MAX_DOCUMENT_BYTES of UTF-8, parsed by :func:`parse_text`."""
    from . import files

    path = Path(path)
    try:
        text = files.read_text(path, MAX_DOCUMENT_BYTES)
    except files.FileRefused as exc:
        raise ScenarioError("(file)", str(path), str(exc)) from None
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_text(text, fmt)
