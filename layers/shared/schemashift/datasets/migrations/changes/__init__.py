"""The change types of a table migration (the API calls them operations), one class each.

Registered by their ``type`` name as ``changelog.changes`` registers Liquibase change types;
``parse_operation`` turns a request entry into one.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemashift.datasets.migrations.changes.base import MigrationOperation
from schemashift.datasets.migrations.changes.columns import (
    AddColumn,
    AlterColumnNullability,
    ChangeColumnType,
    DropColumn,
    RenameColumn,
)
from schemashift.datasets.migrations.changes.indexes import (
    AddScalarIndex,
    AddVectorIndex,
    DropScalarIndex,
    DropVectorIndex,
)
from schemashift.datasets.migrations.changes.keys import DropPrimaryKey, SetPrimaryKey

OPERATION_TYPES: dict[str, type[MigrationOperation]] = {
    op.type: op
    for op in (
        AddColumn,
        DropColumn,
        RenameColumn,
        ChangeColumnType,
        AlterColumnNullability,
        SetPrimaryKey,
        DropPrimaryKey,
        AddScalarIndex,
        DropScalarIndex,
        AddVectorIndex,
        DropVectorIndex,
    )
}


def parse_operation(entry: Any) -> tuple[MigrationOperation | None, list[str]]:
    """One ``{"type", "params"}`` entry -> its operation, or the problems with it."""
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
        return None, ["each operation needs a string 'type' and an object 'params'"]
    op_class = OPERATION_TYPES.get(entry["type"])
    if op_class is None:
        return None, [f"unknown operation type {entry['type']!r}; expected one of {', '.join(OPERATION_TYPES)}"]
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        return None, ["'params' must be an object"]
    try:
        return op_class.from_params(params), []
    except ValidationError as exc:
        return None, [_describe(error) for error in exc.errors()]


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"params.{where}: {message}" if where else message


__all__ = ["OPERATION_TYPES", "MigrationOperation", "parse_operation"]
