"""The deployment domain's errors, beyond the generic types of ``schemashift.errors``."""

from __future__ import annotations

from schemashift.errors import Conflict


class InstanceBusy(Conflict):
    """Another deployment holds the instance lock (the state machine retries with backoff)."""
