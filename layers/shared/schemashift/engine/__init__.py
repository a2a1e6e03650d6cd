"""The migration engine: Liquibase-compatible commands against one target database.

    from schemashift.changelog import FileSystemAccessor, parse_changelog
    from schemashift.engine import update
    from schemashift.targets import open_target

    with open_target("postgresql://db.example/app", username="app", password=secret) as target:
        changelog = parse_changelog("changelog.yaml", FileSystemAccessor(["db"]), dialect=target.dialect)
        result = update(target, changelog, contexts="prod")
"""

from __future__ import annotations

from schemashift.engine.commands import (
    changelog_sync,
    clear_checksums,
    history,
    release_locks,
    rollback,
    rollback_count,
    rollback_sql,
    rollback_to_date,
    status,
    tag,
    update,
    update_count,
    update_sql,
    update_to_tag,
    validate,
)
from schemashift.engine.errors import ChangelogValidationFailed, MigrationFailed, TagNotFound
from schemashift.engine.options import RunOptions
from schemashift.engine.results import (
    ChangesetResult,
    ClearChecksumsResult,
    HistoryResult,
    PendingChangeSet,
    ReleaseLocksResult,
    RunResult,
    SqlPreview,
    StatusResult,
    TagResult,
    ValidationResult,
)

__all__ = [
    "ChangelogValidationFailed",
    "ChangesetResult",
    "ClearChecksumsResult",
    "HistoryResult",
    "MigrationFailed",
    "PendingChangeSet",
    "ReleaseLocksResult",
    "RunOptions",
    "RunResult",
    "SqlPreview",
    "StatusResult",
    "TagNotFound",
    "TagResult",
    "ValidationResult",
    "changelog_sync",
    "clear_checksums",
    "history",
    "release_locks",
    "rollback",
    "rollback_count",
    "rollback_sql",
    "rollback_to_date",
    "status",
    "tag",
    "update",
    "update_count",
    "update_sql",
    "update_to_tag",
    "validate",
]
