"""The client's exceptions, re-exported: ``except qiskit_ibm_runtime.exceptions.X`` and
``except engine.runtime.exceptions.X`` catch the same thing."""

from qiskit_ibm_runtime.exceptions import *  # noqa: F401,F403
