"""Data changes: insert, update, delete; and tagDatabase, which writes no SQL of its own."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, ColumnConfig, register
from schemashift.changelog.changes.sqlbuild import qualified, quote
from schemashift.changelog.changes.values import value_sql
from schemashift.changelog.model import Change, DatabaseProbe, Dialect, dbms_matches
from schemashift.changelog.node import Node

_NULL = "NULL"


def _where(where: str | None, params: list[ColumnConfig], dialect: str) -> str:
    """The WHERE clause with ``:name``/``:value`` placeholders filled from whereParams, in order."""
    if not where:
        return ""
    clause = where
    for param in params:
        clause = re.sub(r":name", quote(param.name or "", dialect), clause, count=1)
        clause = re.sub(r":value", lambda _m, p=param: value_sql(p, dialect) or _NULL, clause, count=1)
    return f" WHERE {clause}"


@register
@dataclasses.dataclass(eq=False, repr=False)
class InsertDataChange(BeanChange):
    name: ClassVar[str] = "insert"
    liquibase_class: ClassVar[str] = "liquibase.change.core.InsertDataChange"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columns", "dbms", "schemaName", "tableName")
    column_class: ClassVar[type[ColumnConfig]] = ColumnConfig
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    dbms: str | None = None
    columns: list[ColumnConfig] = dataclasses.field(default_factory=list)

    @property
    def is_dbms_targeted(self) -> bool:
        return True

    def applies_to(self, dialect: Dialect | None) -> bool:
        return dialect is None or dbms_matches(self.dbms, dialect)

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName") + ([] if self.columns else ["columns is required for insert"])

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if not self.applies_to(dialect):
            return []
        names = ", ".join(quote(column.name or "", dialect) for column in self.columns)
        values = ", ".join(value_sql(column, dialect) or _NULL for column in self.columns)
        return [
            f"INSERT INTO {qualified(self.schema_name, self.table_name or '', dialect)} ({names}) VALUES ({values})"
        ]


@dataclasses.dataclass(eq=False, repr=False)
class ModifyDataChange(BeanChange):
    """update/delete: a table, a ``where`` clause and its ``whereParams``."""

    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    where: str | None = None
    where_params: list[ColumnConfig] = dataclasses.field(default_factory=list)

    def after_load(self, node: Node, file: str | None) -> None:
        params = node.child("whereParams")
        if params is not None:
            self.where_params = [ColumnConfig.load(param, file) for param in params.all("param")]

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName")

    def table_sql(self, dialect: str) -> str:
        return qualified(self.schema_name, self.table_name or "", dialect)


@register
@dataclasses.dataclass(eq=False, repr=False)
class UpdateDataChange(ModifyDataChange):
    name: ClassVar[str] = "update"
    liquibase_class: ClassVar[str] = "liquibase.change.core.UpdateDataChange"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columns", "schemaName", "tableName", "where")
    column_class: ClassVar[type[ColumnConfig]] = ColumnConfig
    columns: list[ColumnConfig] = dataclasses.field(default_factory=list)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        assignments = ", ".join(
            f"{quote(column.name or '', dialect)} = {value_sql(column, dialect) or _NULL}" for column in self.columns
        )
        return [f"UPDATE {self.table_sql(dialect)} SET {assignments}{_where(self.where, self.where_params, dialect)}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DeleteDataChange(ModifyDataChange):
    name: ClassVar[str] = "delete"
    liquibase_class: ClassVar[str] = "liquibase.change.core.DeleteDataChange"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "schemaName", "tableName", "where")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return [f"DELETE FROM {self.table_sql(dialect)}{_where(self.where, self.where_params, dialect)}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class TagDatabaseChange(BeanChange):
    """tagDatabase: the executor records the tag on the changeset's DATABASECHANGELOG row."""

    name: ClassVar[str] = "tagDatabase"
    bean: ClassVar[tuple[str, ...]] = ("tag",)
    tag: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tag")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return []

    def inverse(self) -> list[Any]:
        return []


__all__ = ["Change", "DeleteDataChange", "InsertDataChange", "TagDatabaseChange", "UpdateDataChange"]
