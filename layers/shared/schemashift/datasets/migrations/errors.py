"""Errors a table migration reports; the operation record carries their ``code`` and ``message``."""

from __future__ import annotations

from schemashift.errors import Conflict, SchemashiftError


class MigrationFailed(SchemashiftError):
    """The migration ran and could not complete (a value that does not convert, a failed index build)."""

    status = 400
    code = "MIGRATION_FAILED"


class MigrationCancelled(MigrationFailed):
    code = "CANCELLED"


class ConcurrentModification(Conflict):
    """The table changed under the migration in a way it cannot absorb; running it again may succeed."""

    code = "CONCURRENT_MODIFICATION"
    retryable = True
