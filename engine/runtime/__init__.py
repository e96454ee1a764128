"""qiskit-ibm-runtime's client API over the simulated data center.

Change the import line of a script written for qiskit-ibm-runtime::

    from qiskit_ibm_runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator
    from engine.runtime import QiskitRuntimeService, Session, EstimatorV2 as Estimator

and it runs against a simulation: its jobs queue among everyone else's (the scenario's
background load), sessions take and hold backends by the rules R1-R22, results come from
qiskit-aer. Everything the client defines for reuse is the client's own here: options classes
(with their validation), exceptions, the JSON encoder and decoder, the status vocabulary; the
service, sessions, batches, primitives and jobs subclass the client's classes and answer from
the simulation (tests/test_runtime_surface.py holds them to the installed client's surface).

- ``service``: one data center per process, its backends (IBM's device names too) and jobs.
- ``session``: Session and Batch.  ``primitives``: SamplerV2 and EstimatorV2.
- ``job``: RuntimeJobV2.  ``clock``: one simulated clock shared by the script's threads.
"""

import sys as _sys

import qiskit_ibm_runtime as _ibm
from qiskit_ibm_runtime import (Options, OptionsV2, QiskitError, RuntimeDecoder,
                                RuntimeEncoder, RuntimeOptions, execution_span, fake_provider,
                                models, options, setup_logger, utils, version)
from qiskit_ibm_runtime.exceptions import (IBMAccountError, IBMApiError, IBMBackendApiError,
                                           IBMBackendApiProtocolError, IBMBackendError,
                                           IBMBackendValueError, IBMError, IBMInputValueError,
                                           IBMNotAuthorizedError, IBMRuntimeError, JobError,
                                           JobTimeoutError, RuntimeInvalidStateError,
                                           RuntimeJobFailureError, RuntimeJobMaxTimeoutError,
                                           RuntimeJobNotFound, RuntimeJobTimeoutError,
                                           RuntimeProgramNotFound)
from qiskit_ibm_runtime.options import EstimatorOptions, SamplerOptions

from . import batch, exceptions, session
from .job import RuntimeJobV2
from .primitives import Estimator, EstimatorV2, Sampler, SamplerV2
from .service import DEFAULT_DATACENTER, QiskitRuntimeService
from .session import Batch, Session

IBMQuantumComputeService = QiskitRuntimeService   # the service's new name, as in the client

# The client's submodules that hold only reusable classes are the client's own here too, so
# ``from engine.runtime.options import SamplerOptions`` and the like work unchanged.
for _name in ("options", "fake_provider", "execution_span", "models", "utils"):
    _sys.modules[f"{__name__}.{_name}"] = getattr(_ibm, _name)

__all__ = [
    "QiskitRuntimeService", "IBMQuantumComputeService", "Session", "Batch", "SamplerV2",
    "EstimatorV2", "Sampler", "Estimator", "RuntimeJobV2", "SamplerOptions",
    "EstimatorOptions", "Options", "OptionsV2", "RuntimeOptions", "RuntimeEncoder",
    "RuntimeDecoder", "QiskitError", "IBMError", "IBMAccountError", "IBMApiError",
    "IBMBackendApiError", "IBMBackendApiProtocolError", "IBMBackendError",
    "IBMBackendValueError", "IBMInputValueError", "IBMNotAuthorizedError", "IBMRuntimeError",
    "JobError", "JobTimeoutError", "RuntimeInvalidStateError", "RuntimeJobFailureError",
    "RuntimeJobMaxTimeoutError", "RuntimeJobNotFound", "RuntimeJobTimeoutError",
    "RuntimeProgramNotFound", "DEFAULT_DATACENTER", "options", "exceptions", "batch",
    "session", "fake_provider", "execution_span", "models", "utils", "setup_logger", "version",
]
