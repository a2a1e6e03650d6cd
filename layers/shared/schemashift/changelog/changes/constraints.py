"""Constraint changes: primary keys, unique constraints and foreign keys.

SQLite cannot add or drop these with ALTER TABLE: primary and foreign keys rebuild the
table; unique constraints become unique indexes (SQLite enforces both the same way).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.sqlbuild import column_list, qualified, quote, split_names, string_literal
from schemashift.changelog.changes.sqlite_rebuild import ForeignKeyShape, TableShape, UniqueShape, rebuild
from schemashift.changelog.model import Change, DatabaseProbe, Dialect
from schemashift.errors import ValidationFailed

MYSQL = ("mysql", "mariadb")
_Named = TypeVar("_Named", ForeignKeyShape, UniqueShape)


def _constraint(name: str | None, dialect: str) -> str:
    return f"CONSTRAINT {quote(name, dialect)} " if name else ""


def _deferrable(deferrable: bool | None, initially_deferred: bool | None, dialect: str) -> str:
    """PostgreSQL's `` DEFERRABLE [INITIALLY DEFERRED]`` (the other dialects have no deferred constraints)."""
    if dialect == "postgresql" and deferrable:
        return " DEFERRABLE" + (" INITIALLY DEFERRED" if initially_deferred else "")
    return ""


def _without(named: list[_Named], name: str | None, kind: str, table: str) -> list[_Named]:
    """``named`` without the constraint called ``name`` (any case); an error when there is none."""
    wanted = (name or "").lower()
    kept = [item for item in named if (item.name or "").lower() != wanted]
    if len(kept) == len(named):
        raise ValidationFailed(f"{kind} {name} does not exist on {table}")
    return kept


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddPrimaryKeyChange(BeanChange):
    name: ClassVar[str] = "addPrimaryKey"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "clustered", "columnNames", "constraintName", "forIndexCatalogName", "forIndexName",
        "forIndexSchemaName", "schemaName", "tableName", "tablespace", "validate",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_names: str | None = None
    constraint_name: str | None = None
    for_index_name: str | None = None
    for_index_schema_name: str | None = None
    for_index_catalog_name: str | None = None
    tablespace: str | None = None
    clustered: bool | None = None
    validate_: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnNames")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if dialect == "sqlite":
            names = split_names(self.column_names)

            def make_key(shape: TableShape) -> None:
                for column in shape.columns:
                    column.pk_position = 0
                for position, name in enumerate(names, start=1):
                    shape.column(name).pk_position = position
                    shape.column(name).not_null = True
                shape.primary_key_name = self.constraint_name

            return rebuild(probe, self.table_name or "", self.name, make_key)
        table = qualified(self.schema_name, self.table_name or "", dialect)
        key = (
            f"{_constraint(self.constraint_name, dialect)}PRIMARY KEY ({column_list(self.column_names or '', dialect)})"
        )
        return [f"ALTER TABLE {table} ADD {key}"]

    def inverse(self) -> list[Change]:
        return [
            DropPrimaryKeyChange(
                schema_name=self.schema_name,
                table_name=self.table_name,
                constraint_name=self.constraint_name,
                drop_index=False if self.for_index_name is not None else None,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropPrimaryKeyChange(BeanChange):
    name: ClassVar[str] = "dropPrimaryKey"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "constraintName", "dropIndex", "schemaName", "tableName")
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    constraint_name: str | None = None
    drop_index: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        if dialect in MYSQL:
            return [f"ALTER TABLE {table} DROP PRIMARY KEY"]
        if dialect == "postgresql":
            name = self.constraint_name or self._postgres_key_name(probe)
            return [f"ALTER TABLE {table} DROP CONSTRAINT {quote(name, dialect)}"]

        def drop_key(shape: TableShape) -> None:
            for column in shape.columns:
                column.pk_position = 0
            shape.primary_key_name = None
            shape.autoincrement = False

        return rebuild(probe, self.table_name or "", self.name, drop_key)

    def _postgres_key_name(self, probe: DatabaseProbe | None) -> str:
        """Without a constraintName, ask the catalog (as Liquibase does); offline, PostgreSQL's default."""
        if probe is None:
            return f"{self.table_name}_pkey"
        relation = string_literal(qualified(self.schema_name, self.table_name or "", "postgresql"), "postgresql")
        found = probe.query_scalar(
            f"SELECT conname FROM pg_constraint WHERE conrelid = {relation}::regclass AND contype = 'p'"
        )
        return str(found) if found else f"{self.table_name}_pkey"


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddUniqueConstraintChange(BeanChange):
    name: ClassVar[str] = "addUniqueConstraint"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "clustered", "columnNames", "constraintName", "deferrable", "disabled",
        "forIndexCatalogName", "forIndexName", "forIndexSchemaName", "initiallyDeferred", "schemaName",
        "tableName", "tablespace", "validate",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_names: str | None = None
    constraint_name: str | None = None
    tablespace: str | None = None
    deferrable: bool | None = None
    initially_deferred: bool | None = None
    disabled: bool | None = None
    validate_: bool | None = None
    clustered: bool | None = None
    for_index_name: str | None = None
    for_index_schema_name: str | None = None
    for_index_catalog_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName", "columnNames")
        if dialect == "sqlite" and not self.constraint_name:
            problems.append("constraintName is required for addUniqueConstraint on sqlite")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        columns = column_list(self.column_names or "", dialect)
        if dialect == "sqlite":
            return [f"CREATE UNIQUE INDEX {quote(self.constraint_name or '', dialect)} ON {table} ({columns})"]
        deferred = _deferrable(self.deferrable, self.initially_deferred, dialect)
        return [f"ALTER TABLE {table} ADD {_constraint(self.constraint_name, dialect)}UNIQUE ({columns}){deferred}"]

    def inverse(self) -> list[Change]:
        return [
            DropUniqueConstraintChange(
                schema_name=self.schema_name,
                table_name=self.table_name,
                constraint_name=self.constraint_name,
                unique_columns=self.column_names,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropUniqueConstraintChange(BeanChange):
    name: ClassVar[str] = "dropUniqueConstraint"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "constraintName", "schemaName", "tableName", "uniqueColumns")
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    constraint_name: str | None = None
    unique_columns: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "constraintName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        name = quote(self.constraint_name or "", dialect)
        if dialect in MYSQL:
            return [f"ALTER TABLE {table} DROP KEY {name}"]
        if dialect == "postgresql":
            return [f"ALTER TABLE {table} DROP CONSTRAINT {name}"]
        if probe is not None and not _sqlite_index_exists(probe, self.constraint_name or ""):
            return _drop_sqlite_unique(probe, self)
        return [f"DROP INDEX {qualified(self.schema_name, self.constraint_name or '', dialect)}"]


def _sqlite_index_exists(probe: DatabaseProbe, name: str) -> bool:
    escaped = name.replace("'", "''")
    return bool(probe.query_scalar(f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{escaped}'"))


def _drop_sqlite_unique(probe: DatabaseProbe, change: DropUniqueConstraintChange) -> list[str]:
    """A UNIQUE constraint declared in CREATE TABLE (not an index) can only go by rebuilding."""

    def drop(shape: TableShape) -> None:
        shape.uniques = _without(shape.uniques, change.constraint_name, "Unique constraint", shape.name)

    return rebuild(probe, change.table_name or "", change.name, drop)


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddForeignKeyConstraintChange(BeanChange):
    name: ClassVar[str] = "addForeignKeyConstraint"
    bean: ClassVar[tuple[str, ...]] = (
        "baseColumnNames", "baseTableCatalogName", "baseTableName", "baseTableSchemaName", "constraintName",
        "deferrable", "deleteCascade", "initiallyDeferred", "onDelete", "onUpdate", "referencedColumnNames",
        "referencedTableCatalogName", "referencedTableName", "referencedTableSchemaName", "referencesUniqueColumn",
        "validate",
    )  # fmt: skip
    base_table_catalog_name: str | None = None
    base_table_schema_name: str | None = None
    base_table_name: str | None = None
    base_column_names: str | None = None
    referenced_table_catalog_name: str | None = None
    referenced_table_schema_name: str | None = None
    referenced_table_name: str | None = None
    referenced_column_names: str | None = None
    constraint_name: str | None = None
    deferrable: bool | None = None
    initially_deferred: bool | None = None
    validate_: bool | None = None
    delete_cascade: bool | None = None
    on_update: str | None = None
    on_delete: str | None = None
    references_unique_column: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("baseTableName", "baseColumnNames", "referencedTableName", "referencedColumnNames")

    def _on_delete(self) -> str | None:
        return "CASCADE" if self.delete_cascade else self.on_delete

    def checksum_fields(self) -> dict[str, Any]:
        """Liquibase's ``setDeleteCascade(true)`` only sets ``onDelete=CASCADE``; the flag itself is
        never serialized, so it counts in the checksum as that ``onDelete``."""
        fields = super().checksum_fields()
        fields.pop("deleteCascade", None)
        fields["onDelete"] = self._on_delete()
        return fields

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if dialect == "sqlite":
            base, referenced = split_names(self.base_column_names), split_names(self.referenced_column_names)

            def add_key(shape: TableShape) -> None:
                shape.foreign_keys.append(
                    ForeignKeyShape(
                        self.constraint_name,
                        base,
                        self.referenced_table_name or "",
                        referenced,
                        self.on_update,
                        self._on_delete(),
                    )
                )

            return rebuild(probe, self.base_table_name or "", self.name, add_key)
        table = qualified(self.base_table_schema_name, self.base_table_name or "", dialect)
        referenced_table = qualified(self.referenced_table_schema_name, self.referenced_table_name or "", dialect)
        sql = (
            f"ALTER TABLE {table} ADD {_constraint(self.constraint_name, dialect)}FOREIGN KEY "
            f"({column_list(self.base_column_names or '', dialect)}) REFERENCES {referenced_table} "
            f"({column_list(self.referenced_column_names or '', dialect)})"
        )
        if self.on_update:
            sql += f" ON UPDATE {self.on_update}"
        if self._on_delete():
            sql += f" ON DELETE {self._on_delete()}"
        return [sql + _deferrable(self.deferrable, self.initially_deferred, dialect)]

    def inverse(self) -> list[Change]:
        return [
            DropForeignKeyConstraintChange(
                base_table_schema_name=self.base_table_schema_name,
                base_table_name=self.base_table_name,
                constraint_name=self.constraint_name,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropForeignKeyConstraintChange(BeanChange):
    name: ClassVar[str] = "dropForeignKeyConstraint"
    bean: ClassVar[tuple[str, ...]] = (
        "baseTableCatalogName", "baseTableName", "baseTableSchemaName", "constraintName",
    )  # fmt: skip
    base_table_catalog_name: str | None = None
    base_table_schema_name: str | None = None
    base_table_name: str | None = None
    constraint_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("baseTableName", "constraintName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.base_table_schema_name, self.base_table_name or "", dialect)
        name = quote(self.constraint_name or "", dialect)
        if dialect in MYSQL:
            return [f"ALTER TABLE {table} DROP FOREIGN KEY {name}"]
        if dialect == "postgresql":
            return [f"ALTER TABLE {table} DROP CONSTRAINT {name}"]

        def drop_key(shape: TableShape) -> None:
            shape.foreign_keys = _without(shape.foreign_keys, self.constraint_name, "Foreign key", shape.name)

        return rebuild(probe, self.base_table_name or "", self.name, drop_key)
