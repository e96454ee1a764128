"""``engine.runtime.batch``: where the client keeps ``Batch``."""

from .session import Batch

__all__ = ["Batch"]
