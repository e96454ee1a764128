"""Circuits for workloads: built-in families and OpenQASM 2/3 files, and their digests.

Families: ``ghz``, ``qft``, ``random`` (seeded), ``hea`` (a hardware-efficient ansatz,
EfficientSU2), ``qaoa`` (the QAOA ansatz for MaxCut on a graph). A circuit is built without
measurements; :func:`for_primitive` adds them for the Sampler and strips them for the Estimator.

A circuit's identity (the compile-cache key of R15, the memo key of execution) is the digest of
its QPY serialisation: about half a millisecond, where a QASM dump costs about as much as a
transpile.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:  # qiskit loads when a circuit is first built: a run without circuits skips it
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp


class CircuitError(ValueError):
    """A circuit that cannot be built or loaded; the message says why."""


def ghz(num_qubits: int) -> QuantumCircuit:
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(num_qubits, name=f"ghz_{num_qubits}")
    qc.h(0)
    for q in range(num_qubits - 1):
        qc.cx(q, q + 1)
    return qc


def qft(num_qubits: int) -> QuantumCircuit:
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate

    qc = QuantumCircuit(num_qubits, name=f"qft_{num_qubits}")
    # A non-trivial input state, so the output is not uniform noise-free zeros.
    for q in range(0, num_qubits, 2):
        qc.x(q)
    qc.append(QFTGate(num_qubits), range(num_qubits))
    return qc.decompose()


def random(num_qubits: int, depth: int, seed: int) -> QuantumCircuit:
    from qiskit.circuit.random import random_circuit

    qc = random_circuit(num_qubits, depth, max_operands=2, seed=seed)
    qc.name = f"random_{num_qubits}x{depth}_s{seed}"
    return qc


def hea(num_qubits: int, reps: int = 2) -> QuantumCircuit:
    from qiskit.circuit.library import efficient_su2

    qc = efficient_su2(num_qubits, su2_gates=["ry"], entanglement="linear", reps=reps)
    qc.name = f"hea_{num_qubits}_r{reps}"
    return qc


def maxcut_hamiltonian(edges: Iterable[tuple[int, int]], num_qubits: int) -> SparsePauliOp:
    """The MaxCut cost operator: sum over edges of Z_i Z_j (minimised by a maximum cut)."""
    terms = []
    for i, j in edges:
        label = ["I"] * num_qubits
        label[num_qubits - 1 - i] = "Z"
        label[num_qubits - 1 - j] = "Z"
        terms.append(("".join(label), 1.0))
    from qiskit.quantum_info import SparsePauliOp

    return SparsePauliOp.from_list(terms)


def qaoa(edges: list[tuple[int, int]], reps: int = 1) -> QuantumCircuit:
    from qiskit.circuit.library import qaoa_ansatz

    n = 1 + max(max(e) for e in edges)
    qc = qaoa_ansatz(maxcut_hamiltonian(edges, n), reps=reps)
    qc.name = f"qaoa_{n}_r{reps}"
    return qc.decompose()


# Every include, wherever it stands (a line may hold several statements). Linear: no nested
# repetition for the regex engine to backtrack through.
_INCLUDE = re.compile(r'\binclude\s*"([^"\n]*)"')
_ALLOWED_INCLUDE = {"2": "qelib1.inc", "3": "stdgates.inc"}
_SPACE = re.compile(r"\s+")
_HEADER = re.compile(r"OPENQASM[ \t\r\n]+([23])(?:\.[0-9]+)?[ \t\r\n]*;")
# A quoted word this long in a parser's message is more likely someone's secret than a gate name.
_LONG_QUOTED = re.compile(r"'[^'\n]{17,}'")


def _version(text: str) -> Optional[str]:
    """"2" or "3" when the program opens (after spaces and comments) with its version line."""
    i, n = 0, len(text)
    while i < n:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return None
            i = j + 2
        else:
            break
    m = _HEADER.match(text, i)
    return m.group(1) if m else None


def load_qasm_text(text: str) -> QuantumCircuit:
    """OpenQASM 2 or 3, chosen by the version line, which must open the program.

    No other file is read: an ``include`` of anything but the standard gate library
    (``qelib1.inc`` for OpenQASM 2, ``stdgates.inc`` for 3) is refused. A text that does not
    open with a version line is refused without quoting it (it may be someone's token file);
    a parse error in a text that does is reported with the parser's words, long quoted words
    left out.
    """
    from qiskit import qasm2, qasm3

    from .execution import first_line

    version = _version(text)
    if version is None:
        raise CircuitError("not an OpenQASM program: it does not open with an 'OPENQASM 2.0;' "
                           "or 'OPENQASM 3.0;' line")
    for inc in _INCLUDE.finditer(text):
        if inc.group(1) != _ALLOWED_INCLUDE[version]:
            line = text.count("\n", 0, inc.start()) + 1
            raise CircuitError(f"line {line}: includes another file; an OpenQASM {version} "
                               f"program may include only {_ALLOWED_INCLUDE[version]}")
    try:
        if version == "3":
            return qasm3.loads(text)
        return qasm2.loads(text, include_path=(),
                           custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    except Exception as exc:  # the parsers raise many types; all mean "bad program"
        msg = first_line(exc, 200)
        if len(msg) > 1 and msg[0] == msg[-1] and msg[0] in "'\"":   # the parser's repr()
            msg = msg[1:-1]
        msg = _LONG_QUOTED.sub("'...'", msg)
        raise CircuitError(f"malformed OpenQASM {version}: {msg}") from None


def load_qasm_file(path: str | Path, roots=()) -> QuantumCircuit:
    """A circuit file named by a scenario: inside ``roots``, regular, at most 2 MiB."""
    from . import files

    try:
        text = files.read_named(str(path), roots, files.MAX_QASM_BYTES)
    except files.FileRefused as exc:
        raise CircuitError(str(exc)) from None
    return load_qasm_text(text)


def for_primitive(circuit: QuantumCircuit, primitive: str) -> QuantumCircuit:
    """Measured for the Sampler (adds measure_all if it has no measurement), unmeasured for
    the Estimator."""
    has_measure = any(inst.operation.name == "measure" for inst in circuit.data)
    if primitive == "sampler":
        if has_measure:
            return circuit
        out = circuit.copy()
        out.measure_all()
        return out
    return circuit.remove_final_measurements(inplace=False) if has_measure else circuit


def digest(circuit: QuantumCircuit) -> str:
    """A stable content digest of a circuit (QPY bytes through BLAKE2b)."""
    buf = io.BytesIO()
    from qiskit import qpy

    qpy.dump(circuit, buf)
    return hashlib.blake2b(buf.getvalue(), digest_size=12).hexdigest()


@lru_cache(maxsize=256)
def _family(family: str, num_qubits: int, reps: int, depth: int, seed: int,
            edges: tuple) -> QuantumCircuit:
    if family == "ghz":
        return ghz(num_qubits)
    if family == "qft":
        return qft(num_qubits)
    if family == "random":
        return random(num_qubits, depth, seed)
    if family == "hea":
        return hea(num_qubits, reps)
    if family == "qaoa":
        return qaoa([tuple(e) for e in edges], reps)
    raise CircuitError(f"unknown circuit family {family!r}")


def build(spec, roots=()) -> QuantumCircuit:
    """A circuit from a scenario's circuit spec (see model.CircuitSpec); ``roots`` are the
    folders a ``qasm:`` file may come from, the scenario's own first."""
    if spec.qasm is not None:
        return load_qasm_file(spec.qasm, roots)
    if spec.qasm_text is not None:
        return load_qasm_text(spec.qasm_text)
    edges = tuple(tuple(e) for e in (spec.graph or ()))
    return _family(spec.family, spec.num_qubits or 0, spec.reps, spec.depth, spec.seed, edges)
