"""Errors a command run reports: invalid changelog state, a failed changeset, an unknown tag."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.errors import NotFound, SchemashiftError, ValidationFailed

if TYPE_CHECKING:
    from schemashift.engine.results import RunResult


class ChangelogValidationFailed(ValidationFailed):
    """Validation found problems (checksum mismatches, duplicates, preconditions...); nothing ran."""

    code = "CHANGELOG_VALIDATION_FAILED"

    def __init__(self, errors: list[str], warnings: list[str] | None = None) -> None:
        noun = "error" if len(errors) == 1 else "errors"
        listing = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"Validation failed with {len(errors)} {noun}:\n{listing}", details={"errors": errors})
        self.errors = errors
        self.warnings = warnings or []


class MigrationFailed(SchemashiftError):
    """A changeset (or its rollback) failed; what it did was rolled back where the database allows.

    ``result`` holds what the run completed before the failure, so a caller can checkpoint.
    """

    code = "MIGRATION_FAILED"

    def __init__(
        self,
        message: str,
        *,
        changeset: str,
        statement: str | None = None,
        db_error: str | None = None,
        result: RunResult | None = None,
    ) -> None:
        details: dict[str, Any] = {"changeSetFQN": changeset, "statement": statement, "error": db_error}
        super().__init__(message, details=details)
        self.changeset = changeset
        self.statement = statement
        self.db_error = db_error
        self.result = result


class TagNotFound(NotFound):
    code = "TAG_NOT_FOUND"
