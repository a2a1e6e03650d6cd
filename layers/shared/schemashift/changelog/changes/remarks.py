"""Remarks (comments) on tables and columns: setTableRemarks and setColumnRemarks.

PostgreSQL gets ``COMMENT ON``; MySQL/MariaDB re-declare the column with ``MODIFY COLUMN``
(Liquibase needs ``columnDataType`` there, and the re-declaration keeps only the type);
SQLite has no remarks, so Liquibase refuses both there.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.datatypes import to_sql_type
from schemashift.changelog.changes.sqlbuild import qualified, quote, string_literal
from schemashift.changelog.model import DatabaseProbe, Dialect

_MYSQL = ("mysql", "mariadb")


def _remarks(text: str | None, dialect: str) -> str:
    return string_literal((text or "").strip(), dialect)


def _no_sqlite(name: str, dialect: Dialect) -> list[str]:
    return [f"{name} is not supported on {dialect}"] if dialect == "sqlite" else []


@register
@dataclasses.dataclass(eq=False, repr=False)
class SetTableRemarksChange(BeanChange):
    name: ClassVar[str] = "setTableRemarks"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "remarks", "schemaName", "tableName")
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    remarks: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName") + _no_sqlite(self.name, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        if dialect in _MYSQL:
            return [f"ALTER TABLE {table} COMMENT = {_remarks(self.remarks, dialect)}"]
        return [f"COMMENT ON TABLE {table} IS {_remarks(self.remarks, dialect)}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class SetColumnRemarksChange(BeanChange):
    name: ClassVar[str] = "setColumnRemarks"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "columnName", "columnParentType", "remarks", "schemaName", "tableName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None
    remarks: str | None = None
    column_data_type: str | None = None
    column_parent_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName", "columnName", "remarks") + _no_sqlite(self.name, dialect)
        if dialect in _MYSQL and not self.column_data_type:
            problems.append(f"columnDataType is required for setColumnRemarks on {dialect}")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        column = quote(self.column_name or "", dialect)
        if dialect in _MYSQL:
            data_type = to_sql_type(self.column_data_type or "", dialect)
            return [f"ALTER TABLE {table} MODIFY COLUMN {column} {data_type} COMMENT {_remarks(self.remarks, dialect)}"]
        return [f"COMMENT ON COLUMN {table}.{column} IS {_remarks(self.remarks, dialect)}"]
