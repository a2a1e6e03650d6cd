"""Change types, one small class each, registered under their Liquibase names."""

from __future__ import annotations

from schemashift.changelog.changes import (
    columns,
    constraints,
    data,
    effects,
    indexes,
    loaddata,
    procedures,
    remarks,
    restructure,
    sequences,
    sql,
    tables,
    views,
)
from schemashift.changelog.changes.base import CHANGE_TYPES, BeanChange, ColumnConfig
from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange, SqlFileChange

__all__ = [
    "CHANGE_TYPES",
    "BeanChange",
    "ColumnConfig",
    "EmptyChange",
    "RawSqlChange",
    "SqlFileChange",
    "columns",
    "constraints",
    "data",
    "effects",
    "indexes",
    "loaddata",
    "procedures",
    "remarks",
    "restructure",
    "sequences",
    "sql",
    "tables",
    "views",
]
