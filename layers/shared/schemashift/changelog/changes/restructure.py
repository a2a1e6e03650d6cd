"""Changes Liquibase builds from other changes: mergeColumns, addLookupTable, addAutoIncrement,
dropAllForeignKeyConstraints.

Each generates what Liquibase 4.28's ``generateStatements`` does, by composing the change types
it composes (addColumn, addNotNullConstraint, addPrimaryKey, addForeignKeyConstraint, ...), so the
SQL per dialect is the one those already produce. Steps that would need SQLite's table rebuild
after an earlier step of the same change (addLookupTable's keys) are refused on SQLite, naming
the change.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.changes.base import AddColumnConfig, BeanChange, register
from schemashift.changelog.changes.columns import AddColumnChange, AddNotNullConstraintChange, DropColumnChange
from schemashift.changelog.changes.constraints import (
    AddForeignKeyConstraintChange,
    AddPrimaryKeyChange,
    DropForeignKeyConstraintChange,
)
from schemashift.changelog.changes.datatypes import to_sql_type
from schemashift.changelog.changes.sequences import CreateSequenceChange
from schemashift.changelog.changes.sqlbuild import needs_quotes, qualified, quote
from schemashift.changelog.changes.sqlite_rebuild import TableShape, rebuild
from schemashift.changelog.changes.tables import DropTableChange
from schemashift.changelog.model import Change, ChangelogError, DatabaseProbe, Dialect

_MYSQL = ("mysql", "mariadb")


@register
@dataclasses.dataclass(eq=False, repr=False)
class MergeColumnChange(BeanChange):
    name: ClassVar[str] = "mergeColumns"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "column1Name", "column2Name", "finalColumnName", "finalColumnType", "joinString",
        "schemaName", "tableName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column1_name: str | None = None
    column2_name: str | None = None
    join_string: str | None = None
    final_column_name: str | None = None
    final_column_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "column1Name", "column2Name", "finalColumnName", "finalColumnType")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """Add the final column, fill it with ``column1 || join || column2``, drop the two columns."""
        table = qualified(self.schema_name, self.table_name or "", dialect)
        add = AddColumnChange(schema_name=self.schema_name, table_name=self.table_name)
        add.columns = [AddColumnConfig(name=self.final_column_name, type=self.final_column_type)]
        first, second = quote(self.column1_name or "", dialect), quote(self.column2_name or "", dialect)
        join = f"'{self.join_string}'"
        merged = f"CONCAT_WS({join}, {first}, {second})" if dialect in _MYSQL else f"{first} || {join} || {second}"
        update = f"UPDATE {table} SET {quote(self.final_column_name or '', dialect)} = {merged}"
        drops = [
            DropColumnChange(schema_name=self.schema_name, table_name=self.table_name, column_name=name)
            for name in (self.column1_name, self.column2_name)
        ]
        return [
            *add.generate_statements(dialect, probe),
            update,
            *(statement for drop in drops for statement in drop.generate_statements(dialect, probe)),
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddLookupTableChange(BeanChange):
    name: ClassVar[str] = "addLookupTable"
    bean: ClassVar[tuple[str, ...]] = (
        "constraintName", "existingColumnName", "existingTableCatalogName", "existingTableName",
        "existingTableSchemaName", "newColumnDataType", "newColumnName", "newTableCatalogName", "newTableName",
        "newTableSchemaName",
    )  # fmt: skip
    existing_table_catalog_name: str | None = None
    existing_table_schema_name: str | None = None
    existing_table_name: str | None = None
    existing_column_name: str | None = None
    new_table_catalog_name: str | None = None
    new_table_schema_name: str | None = None
    new_table_name: str | None = None
    new_column_name: str | None = None
    new_column_data_type: str | None = None
    constraint_name: str | None = None

    def final_constraint_name(self) -> str:
        """``getFinalConstraintName``: the given name, else ``FK_<existing table>_<new table>`` upper-cased."""
        return self.constraint_name or f"FK_{self.existing_table_name}_{self.new_table_name}".upper()

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("existingTableName", "existingColumnName", "newTableName", "newColumnName")
        if dialect == "sqlite":
            problems.append("addLookupTable is not supported on sqlite (its keys need table rebuilds)")
        if dialect in _MYSQL and not self.new_column_data_type:
            problems.append(f"newColumnDataType is required for addLookupTable on {dialect}")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if dialect == "sqlite":
            raise ChangelogError("addLookupTable is not supported on sqlite (its keys need table rebuilds)")
        existing = qualified(self.existing_table_schema_name, self.existing_table_name or "", dialect)
        new_table = qualified(self.new_table_schema_name, self.new_table_name or "", dialect)
        old_column, new_column = quote(self.existing_column_name or "", dialect), quote(self.new_column_name or "", dialect)
        create = (
            f"CREATE TABLE {new_table} AS SELECT DISTINCT {old_column} AS {new_column} FROM {existing} "
            f"WHERE {old_column} IS NOT NULL"
        )
        not_null = AddNotNullConstraintChange(
            schema_name=self.new_table_schema_name, table_name=self.new_table_name,
            column_name=self.new_column_name, column_data_type=self.new_column_data_type,
        )
        primary = AddPrimaryKeyChange(
            schema_name=self.new_table_schema_name, table_name=self.new_table_name, column_names=self.new_column_name
        )
        foreign = AddForeignKeyConstraintChange(
            base_table_schema_name=self.existing_table_schema_name, base_table_name=self.existing_table_name,
            base_column_names=self.existing_column_name, referenced_table_schema_name=self.new_table_schema_name,
            referenced_table_name=self.new_table_name, referenced_column_names=self.new_column_name,
            constraint_name=self.final_constraint_name(),
        )
        parts: list[Change] = [not_null, primary, foreign]
        return [create, *(sql for part in parts for sql in part.generate_statements(dialect, probe))]

    def inverse(self) -> list[Change]:
        return [
            DropForeignKeyConstraintChange(
                base_table_schema_name=self.existing_table_schema_name, base_table_name=self.existing_table_name,
                constraint_name=self.final_constraint_name(),
            ),
            DropTableChange(schema_name=self.new_table_schema_name, table_name=self.new_table_name),
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddAutoIncrementChange(BeanChange):
    name: ClassVar[str] = "addAutoIncrement"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "columnName", "defaultOnNull", "generationType", "incrementBy",
        "schemaName", "startWith", "tableName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None
    column_data_type: str | None = None
    start_with: int | None = None
    increment_by: int | None = None
    default_on_null: bool | None = None
    generation_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName", "columnName")
        if dialect in _MYSQL and not self.column_data_type:
            problems.append(f"columnDataType is required for addAutoIncrement on {dialect}")
        return problems

    def sequence_name(self) -> str:
        """PostgreSQL: ``<table>_<column>_seq``, lower-cased unless a name needs quotes."""
        name = f"{self.table_name}_{self.column_name}_seq"
        quoted = needs_quotes(self.table_name or "", "postgresql") or needs_quotes(self.column_name or "", "postgresql")
        return name if quoted else name.lower()

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        column = quote(self.column_name or "", dialect)
        if dialect == "postgresql":
            sequence = self.sequence_name()
            create = CreateSequenceChange(
                schema_name=self.schema_name, sequence_name=sequence, start_value=self.start_with,
                increment_by=self.increment_by,
            )
            next_value = f"nextval('{qualified(self.schema_name, sequence, dialect)}')"
            return [
                *create.generate_statements(dialect, probe),
                f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL",
                f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {next_value}",
            ]
        if dialect in _MYSQL:
            data_type = to_sql_type(self.column_data_type or "", dialect, auto_increment=True)
            statements = [f"ALTER TABLE {table} MODIFY {column} {data_type} AUTO_INCREMENT"]
            if self.start_with is not None:
                statements.append(f"ALTER TABLE {table} AUTO_INCREMENT={self.start_with}")
            return statements

        def autoincrement(shape: TableShape) -> None:
            """AddAutoIncrementGeneratorSQLite: the column becomes the (named) primary key, autoincremented."""
            column = shape.column(self.column_name or "")
            if column.pk_position == 0:
                for other in shape.columns:
                    other.pk_position = 0
                column.pk_position = 1
                shape.primary_key_name = shape.primary_key_name or f"PK_{shape.name.upper()}"
            column.not_null = True
            shape.autoincrement = True

        return rebuild(probe, self.table_name or "", self.name, autoincrement)


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropAllForeignKeyConstraintsChange(BeanChange):
    name: ClassVar[str] = "dropAllForeignKeyConstraints"
    bean: ClassVar[tuple[str, ...]] = ("baseTableCatalogName", "baseTableName", "baseTableSchemaName")
    base_table_catalog_name: str | None = None
    base_table_schema_name: str | None = None
    base_table_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("baseTableName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """One dropForeignKeyConstraint per foreign key the live table has (none known without a database)."""
        if probe is None:
            return []
        inspector, schema = probe.schema_inspector(), probe.probe_schema(self.base_table_schema_name)
        tables = [name for name in inspector.get_table_names(schema=schema) if name.lower() == (self.base_table_name or "").lower()]
        names = sorted({key["name"] for table in tables for key in inspector.get_foreign_keys(table, schema=schema) if key.get("name")})
        if names and dialect == "sqlite":
            raise ChangelogError("dropAllForeignKeyConstraints is not supported on sqlite")
        drops = [
            DropForeignKeyConstraintChange(
                base_table_schema_name=self.base_table_schema_name, base_table_name=tables[0], constraint_name=name
            )
            for name in names
        ]
        return [sql for drop in drops for sql in drop.generate_statements(dialect, probe)]
