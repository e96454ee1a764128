"""Real quantum work: backends from qiskit, compiled circuits, QPU time from circuits, Aer runs.

A :class:`QPU` is one scenario backend made real: a qiskit ``GenericBackendV2`` (qubits, coupling
map, basis gates, instruction durations) or a device snapshot from qiskit-ibm-runtime's fake
provider, one preset pass manager, and one Aer Sampler and Estimator (with the backend's noise
model when asked). It compiles circuits once per content digest, checks that a circuit fits the
device, prices a job in QPU seconds from its compiled circuits, and runs a job's PUBs on Aer.

Seeds derive from the scenario seed and the job id, so a job gives the same result in every run
and in every execution mode. Identical work (same backend, PUBs, shots or precision, seed) is
memoised process-wide, so re-running a scenario with another interactive timeout costs no Aer time.
About 350 lines: a backend's whole real side (build, compile, price, run, summarise) is one
object, and splitting it would pass its caches between modules.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from .model import Backend as BackendSpec
from .model import Timing

DEFAULT_SHOTS = 4096
# Shots one job may ask Aer for, over all its PUBs and parameter sets: more is refused (the job
# fails with the reason) rather than left to exhaust memory.
MAX_JOB_SHOTS = 10_000_000
DEFAULT_PRECISION = 1 / 64   # qiskit-ibm-runtime's Estimator default (about 4096 shots)


def first_line(exc: BaseException, width: int = 300) -> str:
    """An exception's first line (or its type's name), for a job's reason."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= width else line[:width - 3] + "..."


def job_seed(scenario_seed: int, job_id: str) -> int:
    """A job's simulator seed: stable across runs, modes and event order."""
    h = hashlib.blake2b(f"{scenario_seed}:{job_id}".encode(), digest_size=4).digest()
    return int.from_bytes(h, "little") & 0x7FFFFFFF


@dataclass
class Work:
    """What a job asks the QPU to run: ISA PUBs for one primitive.

    ``pubs`` are qiskit's coerced ``SamplerPub`` or ``EstimatorPub`` objects over ISA circuits,
    each carrying its shots or precision. ``keys`` are the circuits' digests: the compile cache
    (R15) and the memo key. ``error`` is set when the work cannot run (too wide, not ISA); the job
    then fails at submission.
    """

    primitive: str                      # "sampler" or "estimator"
    pubs: list
    keys: tuple[str, ...]
    error: Optional[str] = None
    digest: str = ""                    # of the whole work, without the seed
    meta: dict = field(default_factory=dict)


_MEMO: "OrderedDict[tuple, Any]" = OrderedDict()
_MEMO_SIZE = 8192
memo_stats = {"hits": 0, "misses": 0}


def clear_memo() -> None:
    _MEMO.clear()
    memo_stats.update(hits=0, misses=0)


def _coupling(spec: BackendSpec):
    from qiskit.transpiler import CouplingMap

    n = spec.num_qubits
    c = spec.coupling
    if isinstance(c, list):
        cm = CouplingMap()
        for q in range(n):  # every qubit, even one no pair names
            cm.add_physical_qubit(q)
        for edge in sorted({e for i, j in c for e in ((i, j), (j, i))}):
            cm.add_edge(*edge)
        return cm
    if c == "full" or n == 1:
        return None
    if c == "line":
        return CouplingMap.from_line(n)
    if c == "ring":
        return CouplingMap.from_ring(n) if n > 2 else CouplingMap.from_line(n)
    if c == "grid":
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        full = CouplingMap.from_grid(rows, cols)
        return full.reduce(list(range(n))) if rows * cols != n else full
    # heavy_hex: the smallest odd code distance whose lattice holds n qubits, cut to a
    # connected piece of n qubits (breadth first from qubit 0; the numbering is not contiguous).
    d = 3
    while (5 * d * d - 2 * d - 1) // 2 < n:
        d += 2
    hh = CouplingMap.from_heavy_hex(d)
    if n >= hh.size():
        return hh
    order, seen = [0], {0}
    for q in order:
        for nb in sorted(hh.neighbors(q)):
            if nb not in seen:
                seen.add(nb)
                order.append(nb)
    return hh.reduce(sorted(order[:n]))


def make_backend(spec: BackendSpec):
    """The qiskit backend for a scenario backend, named as the scenario names it."""
    if spec.device is not None:
        from qiskit_ibm_runtime import fake_provider

        cls_name = "Fake" + "".join(p.capitalize() for p in spec.device[len("fake_"):].split("_"))
        cls = getattr(fake_provider, cls_name + "V2", None) or getattr(fake_provider, cls_name, None)
        if cls is None:
            raise ValueError(f"unknown device snapshot {spec.device!r}")
        backend = cls()
    else:
        from qiskit.providers.fake_provider import GenericBackendV2

        backend = GenericBackendV2(spec.num_qubits, basis_gates=spec.basis_gates,
                                   coupling_map=_coupling(spec), seed=spec.seed)
    backend.name = spec.name
    return backend


class QPU:
    """One backend's real side: compile, check, price and execute."""

    def __init__(self, spec: BackendSpec, timing: Timing):
        self.spec = spec
        self.timing = timing
        self._backend = None
        self._pm = None
        self._prims: dict = {}                  # (primitive, wide) -> Aer's primitive
        self._noise: dict = {}                  # qubits -> Aer's noise options (both primitives)
        self._isa: dict[str, Any] = {}          # logical digest -> ISA circuit
        self._seconds: dict[int, float] = {}    # id(ISA circuit) -> scheduled seconds
        self.fingerprint = repr(spec.model_dump(mode="json"))
        self.compiles = 0

    @property
    def backend(self):
        if self._backend is None:
            self._backend = make_backend(self.spec)
        return self._backend

    @property
    def pass_manager(self):
        if self._pm is None:
            from qiskit.transpiler import generate_preset_pass_manager

            self._pm = generate_preset_pass_manager(optimization_level=1, backend=self.backend,
                                                    seed_transpiler=0)
        return self._pm

    def compile(self, circuit, key: str):
        """The ISA form of a logical circuit, compiled once per content digest."""
        isa = self._isa.get(key)
        if isa is None:
            width = self.problem_width(circuit)
            if width:
                raise ValueError(width)
            isa = self.pass_manager.run(circuit)
            self._isa[key] = isa
            self.compiles += 1
        return isa

    def problem_width(self, circuit) -> Optional[str]:
        n = self.backend.num_qubits
        if circuit.num_qubits > n:
            return (f"circuit {circuit.name!r} has {circuit.num_qubits} qubits; "
                    f"{self.spec.name} has {n}")
        return None

    def circuit_seconds(self, isa) -> float:
        """The scheduled duration of one shot of an ISA circuit on this backend."""
        s = self._seconds.get(id(isa))
        if s is None:
            s = float(isa.estimate_duration(self.backend.target, unit="s"))
            self._seconds[id(isa)] = s
        return s

    def qpu_seconds(self, work: Work) -> float:
        """Per-job overhead + for each circuit execution, shots x (duration + rep delay).

        A PUB executes once per parameter set; an Estimator PUB once per parameter set and group
        of qubit-wise commuting Paulis, with shots = 1 / precision**2.
        """
        t = self.timing
        total = t.per_job_overhead
        rep_delay = work.meta.get("rep_delay", t.rep_delay)   # a job's own (execution options)
        for pub in work.pubs:
            per_shot = self.circuit_seconds(pub.circuit) + rep_delay
            executions = max(1, pub.parameter_values.size)
            if work.primitive == "sampler":
                shots = pub.shots
            else:
                shots = estimator_shots(work, pub)
                executions *= _measurement_groups(pub.observables)
            total += executions * shots * per_shot
        return total

    # ----------------------------------------------------------------- Aer

    def _noise_options(self, qubits: Optional[tuple] = None) -> dict:
        """Aer's noise model for this backend's errors (none for a noiseless generic backend).
        ``qubits``: only those qubits' errors, for a large device: a 127-qubit device's whole
        model takes seconds to build, the few qubits a job touches a fraction of that, and the
        simulation is the same (no other qubit does anything)."""
        if not (self.spec.noise or self.spec.device):
            return {}
        if qubits not in self._noise:
            from qiskit_aer.noise import NoiseModel

            backend = (self.backend if qubits is None
                       else _restricted(self.backend.target, *qubits))
            if len(self._noise) >= 64:
                self._noise.pop(next(iter(self._noise)))
            self._noise[qubits] = {"noise_model": NoiseModel.from_backend(backend)}
        return self._noise[qubits]

    def _primitive(self, kind: str, wide: bool, qubits: Optional[tuple] = None):
        """Aer's Sampler or Estimator for this backend. ``wide``: the work touches more qubits
        than a state vector holds (a 127-qubit device's ISA circuit measuring every qubit):
        matrix product states, which hold such mostly idle circuits in little memory."""
        key = (kind, wide, qubits)
        prim = self._prims.get(key)
        if prim is None:
            from qiskit_aer.primitives import EstimatorV2, SamplerV2

            options = dict(self._noise_options(qubits))
            if wide:
                options = dict(options, method="matrix_product_state")
            cls = SamplerV2 if kind == "sampler" else EstimatorV2
            if len(self._prims) >= 64:      # a bound on noise models kept for qubit subsets
                self._prims.pop(next(iter(self._prims)))
            prim = self._prims[key] = cls(options={"backend_options": options,
                                                   "run_options": {}})
        return prim

    def execute(self, work: Work, seed: int):
        """Run the work's PUBs on Aer with ``seed``; memoised on identical work."""
        key = (self.fingerprint, work.digest, seed)
        hit = _MEMO.get(key)
        if hit is not None:
            _MEMO.move_to_end(key)
            memo_stats["hits"] += 1
            return hit
        memo_stats["misses"] += 1
        pubs, wide, qubits = work.pubs, False, None
        if self.backend.num_qubits > WIDE_QUBITS:   # a large device; a small one runs as is
            touched = frozenset(_touched(pubs))
            wide = len(touched) > WIDE_QUBITS
            if not wide and work.primitive == "estimator":
                # Aer's Estimator would hold every qubit of the ISA circuit: run the circuit on
                # the qubits it touches, the observables read there (exact: the others stay |0>)
                pubs = [_reduced(p, touched) for p in pubs]
                qubits = (touched, True)
            elif not wide:
                qubits = (touched, False)
        prim = self._primitive(work.primitive, wide, qubits)
        prim.options.run_options["seed_simulator"] = seed
        # What ``prim.run(pubs).result()`` does, on this thread: ``run`` hands ``_run`` to a
        # new worker thread per call (qiskit's PrimitiveJob), and qiskit's compiled core has
        # crashed when circuits were touched from several threads. The PUBs are coerced
        # already and carry their shots or precision.
        prim._validate_pubs(pubs)
        result = prim._run(pubs)
        _MEMO[key] = result
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
        return result


def estimator_shots(work: Work, pub) -> int:
    """An Estimator PUB's shots per measurement setting: its twirling's randomizations times
    shots per randomization when the job's options give both (as IBM's service counts them),
    else 1 / precision**2."""
    fixed = work.meta.get("estimator_shots")
    return fixed if fixed else math.ceil(1.0 / (pub.precision ** 2))


WIDE_QUBITS = 26   # more qubits touched than this: matrix product states, not a state vector


def _touched(pubs) -> set:
    """The qubits (indices) the PUBs' circuits act on or measure (Aer truncates the rest)."""
    used = set()
    for pub in pubs:
        circuit = pub.circuit
        for inst in circuit.data:
            if inst.operation.name != "barrier":
                used.update(circuit.find_bit(q).index for q in inst.qubits)
    return used


def _reduced(pub, qubits: frozenset):
    """An Estimator PUB on only ``qubits`` of its circuit (in order), the others idle in |0>:
    a Pauli term with X or Y on an idle qubit reads 0 there and is dropped, Z and I read 1."""
    from qiskit import QuantumCircuit, QuantumRegister
    from qiskit.primitives.containers import EstimatorPub, ObservablesArray

    circuit = pub.circuit
    order = sorted(qubits)
    new = {q: i for i, q in enumerate(order)}
    small = QuantumCircuit(len(order), circuit.num_clbits, global_phase=circuit.global_phase,
                           name=circuit.name)
    for inst in circuit.data:
        if inst.operation.name == "barrier":
            continue
        small.append(inst.operation,
                     [small.qubits[new[circuit.find_bit(q).index]] for q in inst.qubits],
                     [small.clbits[circuit.find_bit(c).index] for c in inst.clbits])
    n = circuit.num_qubits
    idle = [n - 1 - q for q in range(n) if q not in new]      # label positions (qubit 0 last)
    keep = [n - 1 - q for q in reversed(order)]

    def read(terms: dict) -> dict:
        out = {}
        for label, coeff in terms.items():
            if any(label[i] in "XY" for i in idle):
                continue
            short = "".join(label[i] for i in keep)
            out[short] = out.get(short, 0) + coeff
        return out

    flat = [read(t) for t in pub.observables.ravel().tolist()]
    if not all(flat):
        # An observable that reads 0 on the idle qubits (Aer refuses an empty one): X on one
        # more idle qubit, which is exactly 0 too.
        small.add_register(QuantumRegister(1, "idle"))
        flat = [{"I" + k: v for k, v in t.items()} if t else {"X" + "I" * len(order): 1.0}
                for t in flat]
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    observables = ObservablesArray(arr.reshape(pub.observables.shape))
    return EstimatorPub(small, observables, pub.parameter_values, pub.precision)


def _restricted(target, qubits: frozenset, renumber: bool = False):
    """A backend whose target keeps only the instructions on ``qubits``: what Aer's
    ``NoiseModel.from_backend`` reads to build the errors of those qubits alone. ``renumber``:
    qubit ``qubits[i]`` (in order) becomes qubit ``i``, for a circuit reduced to those qubits
    (:func:`_reduced`)."""
    from qiskit.transpiler import Target

    order = sorted(qubits)
    new = {q: i for i, q in enumerate(order)} if renumber else {q: q for q in order}
    props_of = target.qubit_properties
    sub = Target(num_qubits=len(order) if renumber else target.num_qubits, dt=target.dt,
                 qubit_properties=([props_of[q] for q in order] if renumber and props_of
                                   else props_of))
    for name, props in target.items():
        op = target.operation_from_name(name)
        if props is None or None in props:          # on every qubit: kept as it is
            sub.add_instruction(op, name=name)
            continue
        keep = {tuple(new[x] for x in q): p for q, p in props.items() if set(q) <= qubits}
        if keep:
            sub.add_instruction(op, keep, name=name)
    return _target_backend()(sub)


@functools.lru_cache(maxsize=1)
def _target_backend():
    """A backend that is only a target (qiskit imported when first needed)."""
    from qiskit.providers import BackendV2, Options

    class TargetBackend(BackendV2):
        def __init__(self, target):
            super().__init__(name="restricted")
            self._target = target

        @property
        def target(self):
            return self._target

        @property
        def max_circuits(self):
            return None

        @classmethod
        def _default_options(cls):
            return Options()

        def run(self, run_input, **options):
            raise NotImplementedError("a target for noise models, not a simulator")

    return TargetBackend


def _measurement_groups(observables) -> int:
    """How many measurement settings an observables array needs (qubit-wise commuting groups)."""
    from qiskit.quantum_info import SparsePauliOp

    labels = set()
    for term in observables.ravel().tolist():
        labels.update(term.keys())
    if not labels:
        return 1
    return len(SparsePauliOp(sorted(labels)).group_commuting(qubit_wise=True))


def work_digest(primitive: str, keys: Sequence[str], pubs: list) -> str:
    """A digest of everything that decides a job's result except the seed."""
    h = hashlib.blake2b(digest_size=16)
    h.update(primitive.encode())
    for key, pub in zip(keys, pubs):
        h.update(key.encode())
        values = pub.parameter_values
        if values.num_parameters:
            arr = values.as_array(pub.circuit.parameters)
            h.update(str(arr.shape).encode())
            h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
        if primitive == "sampler":
            h.update(f"|shots={pub.shots}".encode())
        else:
            h.update(f"|precision={pub.precision}|{pub.observables.ravel().tolist()!r}".encode())
    return h.hexdigest()


def make_work(primitive: str, pubs: list, keys: Sequence[str]) -> Work:
    """Work from coerced PUBs and their circuits' digests. Work asking Aer for more than
    MAX_JOB_SHOTS shots in all carries an ``error``: its job fails with that reason."""
    work = Work(primitive, list(pubs), tuple(keys))
    if primitive == "sampler":
        shots = sum(p.shots * max(1, p.parameter_values.size) for p in work.pubs)
        if shots > MAX_JOB_SHOTS:
            work.error = (f"shots: {shots:,} in all (shots times parameter sets); a job may "
                          f"run at most {MAX_JOB_SHOTS:,}")
            return work
    work.digest = work_digest(primitive, work.keys, work.pubs)
    return work


def _counts(bits) -> dict:
    """``BitArray.get_counts()`` over all parameter sets, vectorised with numpy (the library
    loops over shots in Python, which was most of the engine's overhead on top of Aer)."""
    arr = np.asarray(bits.array)
    nbytes = arr.shape[-1]
    if nbytes > 8:
        return bits.get_counts()
    weights = (np.uint64(256) ** np.arange(nbytes - 1, -1, -1, dtype=np.uint64))
    ints = arr.reshape(-1, nbytes).astype(np.uint64) @ weights
    values, freq = np.unique(ints, return_counts=True)
    width = bits.num_bits
    return {format(int(v), f"0{width}b"): int(f) for v, f in zip(values, freq)}


def summarize(work: Work, result) -> dict:
    """A JSON-able summary of a job's result: counts for the Sampler, evs and stds for the
    Estimator, one entry per PUB."""
    pubs = []
    for pub_result in result:
        data = pub_result.data
        if work.primitive == "sampler":
            names = list(data.keys()) if hasattr(data, "keys") else []
            bits = getattr(data, names[0]) if names else None
            counts = _counts(bits) if bits is not None else {}
            pubs.append({"register": names[0] if names else None,
                         "counts": dict(sorted(counts.items()))})
        else:
            evs = np.asarray(data.evs, dtype=float)
            stds = np.asarray(data.stds, dtype=float)
            pubs.append({"evs": evs.tolist(), "stds": stds.tolist()})
    return {"primitive": work.primitive, "pubs": pubs}
