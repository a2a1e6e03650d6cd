"""Errors raised while talking to a target database."""

from __future__ import annotations

from schemashift.errors import Conflict, SchemashiftError, TransientError


class TargetUnavailable(TransientError):
    """The database could not be reached or dropped the connection; worth retrying."""

    code = "TARGET_UNAVAILABLE"


class StatementFailed(SchemashiftError):
    """The database rejected one statement; carries the statement and the database's message."""

    code = "STATEMENT_FAILED"

    def __init__(self, sql: str, db_message: str, *, retryable: bool = False) -> None:
        super().__init__(f"{db_message} [statement: {_shorten(sql)}]", details={"sql": sql, "error": db_message})
        self.sql = sql
        self.db_message = db_message
        self.retryable = retryable


class LockNotAcquired(Conflict):
    """Another run holds DATABASECHANGELOGLOCK and did not release it in time."""

    code = "CHANGELOG_LOCKED"


def _shorten(sql: str, limit: int = 300) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
