"""The deployment domain's errors, beyond the generic types of ``schemashift.errors``."""

from __future__ import annotations

from schemashift.errors import Conflict, SchemashiftError


class InstanceBusy(Conflict):
    """Another deployment holds the instance lock (the state machine retries with backoff)."""


class DryRunFailed(SchemashiftError):
    """A transactional dry run hit an error; everything it did was rolled back."""

    code = "DRY_RUN_FAILED"
