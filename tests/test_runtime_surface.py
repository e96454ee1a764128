"""engine.runtime against the installed qiskit-ibm-runtime: the same public names, compatible
signatures, and the client's own classes wherever the client made them for reuse.

A new client release that adds or changes a public name fails here, not in a user's script.
What Session Lab deliberately does not provide is listed below, each with why.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import qiskit_ibm_runtime as ibm
from qiskit_ibm_runtime import exceptions as ibm_exceptions

import engine.runtime as ours

# Public names of the client's top-level module that engine.runtime does not offer, and why.
NOT_PROVIDED = {
    # Products beyond the primitives, sessions and batches this simulator models.
    "Executor", "ExecutorOptions", "QuantumProgram", "executor", "executor_sampler",
    "quantum_program", "NoiseLearner", "NoiseLearnerV2", "NoiseLearnerV3", "NoiseLearnerOptions",
    "NoiseLearnerV3Options", "noise_learner", "noise_learner_v3", "Calibrator", "calibrator",
    # The cloud backend class: backends here are qiskit backends with its surface mixed in
    # (configuration(), status(), service, ...); ``isinstance(b, IBMBackend)`` is False.
    "IBMBackend", "ibm_backend",
    # The client's own internals: HTTP API, accounts on disk, proxies, logging set-up, the
    # modules the primitives and service live in (ours are engine.runtime.*).
    "api", "accounts", "proxies", "logger", "logging", "base_primitive", "decoders", "json",
    "options_models", "qiskit_runtime_service", "runtime_job_v2", "runtime_options",
    "sampler", "estimator", "results",
}

# (ours, the client's) and the public attributes inherited from the client's class on purpose:
# they only read what our overrides answer (status() reads details(); run() coerces PUBs and
# calls _run; options/mode/backend are plain attributes).
CLASSES = [
    (ours.QiskitRuntimeService, ibm.QiskitRuntimeService, {"is_local"}),   # False, a value
    (ours.Session, ibm.Session, {"backend", "service", "session_id", "status"}),
    (ours.Batch, ibm.Batch, {"backend", "service", "session_id", "status"}),
    (ours.SamplerV2, ibm.SamplerV2, {"backend", "mode", "options", "run", "version"}),
    (ours.EstimatorV2, ibm.EstimatorV2, {"backend", "mode", "options", "run", "version"}),
    (ours.RuntimeJobV2, ibm.RuntimeJobV2, {"ERROR", "JOB_FINAL_STATES"}),
]

# Keyword parameters ours adds to the client's signature (the data center to simulate).
ADDED_PARAMETERS = {
    ("QiskitRuntimeService", "__init__"): {"scenario", "tenant", "new", "think_time",
                                           "think_scale", "epoch", "_account"},
}


def public(cls) -> set:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_module_offers_every_public_name_of_the_client_but_the_listed_ones():
    # In a fresh interpreter: a submodule imported anywhere becomes a name of its package.
    import subprocess
    import sys

    code = ("import qiskit_ibm_runtime as q; names = [n for n in dir(q) if n[0] != '_']; "
            "import engine.runtime as r; print(' '.join(n for n in names if not hasattr(r, n)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(Path(__file__).resolve().parents[1]))
    missing = set(out.stdout.split())
    assert missing == NOT_PROVIDED, (
        f"not offered and not listed: {sorted(missing - NOT_PROVIDED)}; "
        f"listed but offered or gone from the client: {sorted(NOT_PROVIDED - missing)}")


@pytest.mark.parametrize("ours_cls,real,inherited", CLASSES, ids=lambda c: getattr(c, "__name__",
                                                                                  ""))
def test_each_class_is_the_clients_subclass_with_every_public_member_answered(ours_cls, real,
                                                                              inherited):
    assert issubclass(ours_cls, real)
    assert public(real) <= public(ours_cls)
    # Every public member is ours, except the listed ones, which must still be the client's.
    really_inherited = {n for n in public(real)
                        if inspect.getattr_static(ours_cls, n, None)
                        is inspect.getattr_static(real, n, None)}
    assert really_inherited == inherited


@pytest.mark.parametrize("ours_cls,real,_inherited", CLASSES,
                         ids=lambda c: getattr(c, "__name__", ""))
def test_signatures_take_every_parameter_the_client_takes(ours_cls, real, _inherited):
    # A job handle is made by the service, never by users: its constructor is ours alone.
    made_by_users = {"__init__"} if real is not ibm.RuntimeJobV2 else set()
    for name in sorted(public(real) | made_by_users):
        mine, theirs = (inspect.getattr_static(c, name, None) for c in (ours_cls, real))
        if not callable(theirs) or isinstance(theirs, (type, property)):
            assert type(mine) is type(theirs), f"{real.__name__}.{name}: {mine!r} vs {theirs!r}"
            continue
        if mine is theirs:
            continue
        if isinstance(theirs, (classmethod, staticmethod)):
            theirs, mine = theirs.__func__, getattr(mine, "__func__", mine)
        got = inspect.signature(mine).parameters
        want = inspect.signature(theirs).parameters
        for p in want.values():
            if p.kind is p.VAR_KEYWORD:
                continue
            assert p.name in got, f"{real.__name__}.{name} lacks parameter {p.name}"
            assert got[p.name].kind == p.kind, f"{real.__name__}.{name}({p.name}) kind"
        extra = {p for p in got if p not in want} - ADDED_PARAMETERS.get(
            (real.__name__, name), set())
        assert not {p for p in extra if got[p].default is inspect.Parameter.empty
                    and got[p].kind not in (inspect.Parameter.VAR_KEYWORD,
                                            inspect.Parameter.VAR_POSITIONAL)}, \
            f"{real.__name__}.{name}: required parameters the client does not have: {extra}"


def test_reusable_classes_are_the_clients_own():
    assert ours.SamplerOptions is ibm.SamplerOptions
    assert ours.EstimatorOptions is ibm.EstimatorOptions
    assert ours.RuntimeEncoder is ibm.RuntimeEncoder and ours.RuntimeDecoder is ibm.RuntimeDecoder
    for name in dir(ibm_exceptions):
        obj = getattr(ibm_exceptions, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert getattr(ours.exceptions, name) is obj
    from engine.runtime.options import SamplerOptions   # the client's module, aliased
    assert SamplerOptions is ibm.options.SamplerOptions
    assert ours.IBMQuantumComputeService is ours.QiskitRuntimeService


def test_status_vocabulary_is_the_clients():
    from typing import get_args

    from engine.runtime.job import STATUS
    from qiskit_ibm_runtime.runtime_job_v2 import JobStatus

    assert set(STATUS.values()) == set(get_args(JobStatus))
    assert ours.RuntimeJobV2.JOB_FINAL_STATES == ibm.RuntimeJobV2.JOB_FINAL_STATES


def test_options_are_validated_by_the_client_and_misspelt_ones_refused():
    backend = ours.QiskitRuntimeService(new=True, think_time=0).backend("qpu_falcon")
    sampler = ours.SamplerV2(mode=backend, options={"default_shots": 100,
                                                   "environment": {"job_tags": ["x"]}})
    assert sampler.options.default_shots == 100
    assert sampler.options.environment.job_tags == ["x"]
    with pytest.raises(Exception, match="default_shot"):
        ours.SamplerV2(mode=backend, options={"default_shot": 100})
    with pytest.raises(Exception):
        sampler.options.default_shots = "many"
    with pytest.raises(Exception, match="not_an_option"):
        sampler.options.not_an_option = 1
    est = ours.EstimatorV2(mode=backend)
    est.options.resilience_level = 2
    est.options.update(default_shots=2000, dynamical_decoupling={"enable": True})
    assert est.options.dynamical_decoupling.enable is True
    with pytest.raises(Exception):
        est.options.resilience_level = 7


def test_results_round_trip_through_the_clients_json_encoder():
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    service = ours.QiskitRuntimeService(new=True, think_time=0)
    backend = service.backend("qpu_falcon")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(qc)
    result = ours.SamplerV2(mode=backend).run([isa], shots=64).result()
    text = json.dumps(result, cls=ours.RuntimeEncoder)
    back = json.loads(text, cls=ours.RuntimeDecoder)
    assert back[0].data.meas.get_counts() == result[0].data.meas.get_counts()
    spans = result.metadata["execution"]["execution_spans"]
    assert spans.start <= spans.stop and spans[0].size == 64
