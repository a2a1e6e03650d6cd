"""What two databases must agree on after the same migration: schema and DATABASECHANGELOG."""

from __future__ import annotations

from typing import Any

from schemashift.targets import open_target
from schemashift.targets.snapshot import schema_snapshot as target_snapshot
from schemashift.targets.tracking_sql import TrackingSql

COMPARED_COLUMNS = ("ID", "AUTHOR", "FILENAME", "ORDEREXECUTED", "EXECTYPE", "MD5SUM", "DESCRIPTION", "COMMENTS",
                    "TAG", "LIQUIBASE", "CONTEXTS", "LABELS")
"""Every DATABASECHANGELOG column but DATEEXECUTED and DEPLOYMENT_ID (which differ by run)."""


def schema_snapshot(url: str) -> dict[str, Any]:
    """Tables with their columns (name, type, nullability), primary key, indexes and foreign keys."""
    with open_target(url) as target:
        return target_snapshot(target)


def changelog_rows(url: str) -> list[tuple[Any, ...]]:
    """DATABASECHANGELOG in ORDEREXECUTED order, without the per-run columns."""
    with open_target(url) as target:
        sql = TrackingSql(target.dialect, target.default_schema)
        if not target.table_exists(sql.changelog_name):
            return []
        columns = ", ".join(sql.column(name) for name in COMPARED_COLUMNS)
        return target.query_rows(f"SELECT {columns} FROM {sql.changelog_table} ORDER BY ORDEREXECUTED, ID")


def lock_row(url: str) -> tuple[Any, ...] | None:
    with open_target(url) as target:
        sql = TrackingSql(target.dialect, target.default_schema)
        rows = target.query_rows(f"SELECT ID, {sql.column('LOCKED')}, LOCKGRANTED, LOCKEDBY FROM {sql.lock_table}")
        return next(((row[0], bool(row[1]), row[2], row[3]) for row in rows), None)
