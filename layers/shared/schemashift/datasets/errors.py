"""The dataset-table domain's errors, beyond the generic types of ``schemashift.errors``.

One module for the whole domain: the catalog, the data path, the migrations and their jobs raise
these; an operation record carries their ``code`` and ``message`` when a run fails.
"""

from __future__ import annotations

from schemashift.errors import Conflict, SchemashiftError


class ConcurrentModification(Conflict):
    """Another request changed the same table first; repeating the request may succeed."""

    code = "CONCURRENT_MODIFICATION"
    retryable = True


class WriteConflict(Conflict):
    """A concurrent commit won and ours could not be rebased onto it; retrying the request is safe."""

    code = "WRITE_CONFLICT"
    retryable = True


class OperationInProgress(Conflict):
    """Another migration or maintenance operation is running on the table; retry after it ends."""

    code = "OPERATION_IN_PROGRESS"
    retryable = True


class MigrationFailed(SchemashiftError):
    """The migration ran and could not complete (a value that does not convert, a failed index build)."""

    status = 400
    code = "MIGRATION_FAILED"


class MigrationCancelled(MigrationFailed):
    code = "CANCELLED"
