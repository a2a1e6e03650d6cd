"""Column changes: add, drop, rename, retype, nullability and defaults.

PostgreSQL and MySQL/MariaDB get ALTER TABLE statements; on SQLite, whose ALTER TABLE
cannot change a column, the nullability/default/type changes rebuild the table.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from schemashift.changelog.changes import values
from schemashift.changelog.changes.base import AddColumnConfig, BeanChange, ColumnConfig, register
from schemashift.changelog.changes.datatypes import to_sql_type
from schemashift.changelog.changes.sqlbuild import ident, qualified, quote, sa_dialect
from schemashift.changelog.changes.sqlite_rebuild import TableShape, rebuild
from schemashift.changelog.changes.tables import build_column
from schemashift.changelog.changes.values import default_value_sql
from schemashift.changelog.model import Change, DatabaseProbe, Dialect

MYSQL = ("mysql", "mariadb")


def column_specification(column: ColumnConfig, dialect: str, table: str) -> str:
    """``name TYPE [DEFAULT x] [NOT NULL]`` compiled by SQLAlchemy's DDL compiler."""
    from sqlalchemy import MetaData, Table

    compiled_column = build_column(column, dialect, single_key=True)
    Table(ident(table, dialect), MetaData(), compiled_column)
    compiler = sa_dialect(dialect).ddl_compiler(sa_dialect(dialect), None)
    return str(compiler.get_column_specification(compiled_column))


def _needs_type(change: Any, dialect: Dialect) -> list[str]:
    if dialect in MYSQL and not change.column_data_type:
        return [f"columnDataType is required for {change.name} on {dialect}"]
    return []


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddColumnChange(BeanChange):
    name: ClassVar[str] = "addColumn"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columns", "schemaName", "tableName")
    column_class: ClassVar[type[ColumnConfig]] = AddColumnConfig
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    columns: list[AddColumnConfig] = dataclasses.field(default_factory=list)

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName")
        if not self.columns:
            problems.append("columns is required for addColumn")
        return problems + [f"column type is required for {c.name} in addColumn" for c in self.columns if not c.type]

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """Liquibase's order: the columns, their unique constraints, the values (one UPDATE per
        column with a ``value*``), then the remarks (inline on MySQL/MariaDB)."""
        table = qualified(self.schema_name, self.table_name or "", dialect)
        statements: list[str] = []
        uniques: list[str] = []
        updates: list[str] = []
        remarks: list[str] = []
        for column in self.columns:
            spec = column_specification(column, dialect, self.table_name or "")
            constraints = column.constraints
            if constraints and constraints.primary_key and dialect != "sqlite":
                spec += " PRIMARY KEY"
            if constraints and constraints.unique:
                if dialect == "sqlite" or not constraints.unique_constraint_name:
                    spec += " UNIQUE"
                else:
                    uniques.append(f"ALTER TABLE {table} ADD CONSTRAINT "
                                   f"{quote(constraints.unique_constraint_name, dialect)} "
                                   f"UNIQUE ({quote(column.name or '', dialect)})")
            if dialect in MYSQL and column.after_column:
                spec += f" AFTER {quote(column.after_column, dialect)}"
            elif dialect in MYSQL and column.position == 1:
                spec += " FIRST"
            statements.append(f"ALTER TABLE {table} ADD {spec}")
            if constraints and (constraints.references or constraints.referenced_table_name) and dialect != "sqlite":
                statements.extend(self._foreign_key(column, dialect))
            value = values.value_sql(column, dialect)
            if value is not None:
                updates.append(f"UPDATE {table} SET {quote(column.name or '', dialect)} = {value}")
            if column.remarks and dialect == "postgresql":
                remarks.append(f"COMMENT ON COLUMN {table}.{quote(column.name or '', dialect)} IS "
                               f"{values.string_literal(column.remarks, dialect)}")
        return statements + uniques + updates + remarks

    def _foreign_key(self, column: AddColumnConfig, dialect: Dialect) -> list[str]:
        from schemashift.changelog.changes.constraints import AddForeignKeyConstraintChange
        from schemashift.changelog.changes.tables import _referenced

        assert column.constraints is not None
        schema, table, columns = _referenced(column.constraints)
        change = AddForeignKeyConstraintChange(
            base_table_schema_name=self.schema_name,
            base_table_name=self.table_name,
            base_column_names=column.name,
            referenced_table_schema_name=schema,
            referenced_table_name=table,
            referenced_column_names=", ".join(columns),
            constraint_name=column.constraints.foreign_key_name,
            on_delete="CASCADE" if column.constraints.delete_cascade else None,
        )
        return change.generate_statements(dialect)

    def inverse(self) -> list[Change]:
        inverses: list[Change] = [
            DropDefaultValueChange(schema_name=self.schema_name, table_name=self.table_name, column_name=column.name)
            for column in self.columns
            if column.has_default()
        ]
        drop = DropColumnChange(
            catalog_name=self.catalog_name, schema_name=self.schema_name, table_name=self.table_name
        )
        drop.columns = [ColumnConfig(name=column.name) for column in self.columns]
        return [*inverses, drop]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropColumnChange(BeanChange):
    name: ClassVar[str] = "dropColumn"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columnName", "columns", "schemaName", "tableName")
    column_class: ClassVar[type[ColumnConfig]] = ColumnConfig
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None
    columns: list[ColumnConfig] = dataclasses.field(default_factory=list)

    def checksum_fields(self) -> dict[str, Any]:
        fields = super().checksum_fields()
        fields["columns"] = self.columns or None  # Liquibase omits an empty nested column list
        return fields

    def names(self) -> list[str]:
        return [self.column_name] if self.column_name else [c.name or "" for c in self.columns]

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName")
        if not self.names():
            problems.append("columnName is required for dropColumn")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        return [f"ALTER TABLE {table} DROP COLUMN {quote(name, dialect)}" for name in self.names()]


@register
@dataclasses.dataclass(eq=False, repr=False)
class RenameColumnChange(BeanChange):
    name: ClassVar[str] = "renameColumn"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "newColumnName", "oldColumnName", "remarks", "schemaName", "tableName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    old_column_name: str | None = None
    new_column_name: str | None = None
    column_data_type: str | None = None
    remarks: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "oldColumnName", "newColumnName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = qualified(self.schema_name, self.table_name or "", dialect)
        old, new = quote(self.old_column_name or "", dialect), quote(self.new_column_name or "", dialect)
        if dialect in MYSQL and self.column_data_type:
            return [f"ALTER TABLE {table} CHANGE {old} {new} {to_sql_type(self.column_data_type, dialect)}"]
        return [f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}"]

    def inverse(self) -> list[Change]:
        return [
            RenameColumnChange(
                schema_name=self.schema_name,
                table_name=self.table_name,
                old_column_name=self.new_column_name,
                new_column_name=self.old_column_name,
                column_data_type=self.column_data_type,
            )
        ]


@dataclasses.dataclass(eq=False, repr=False)
class SingleColumnChange(BeanChange):
    """A change to one existing column: ALTER TABLE on PostgreSQL and MySQL/MariaDB, a table
    rebuild with the column's shape edited on SQLite."""

    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None

    def alter(
        self, dialect: Dialect, probe: DatabaseProbe | None, *, postgresql: str, mysql: str, sqlite: dict[str, Any]
    ) -> list[str]:
        """``ALTER TABLE <table> <clause>`` with the dialect's clause; on SQLite, a rebuild that sets
        the ``sqlite`` attributes of the column's ``ColumnShape``."""
        table = qualified(self.schema_name, self.table_name or "", dialect)
        if dialect == "postgresql":
            return [f"ALTER TABLE {table} {postgresql}"]
        if dialect in MYSQL:
            return [f"ALTER TABLE {table} {mysql}"]

        def edit(shape: TableShape) -> None:
            column = shape.column(self.column_name or "")
            for attribute, value in sqlite.items():
                setattr(column, attribute, value)

        return rebuild(probe, self.table_name or "", self.name, edit)


@register
@dataclasses.dataclass(eq=False, repr=False)
class ModifyDataTypeChange(SingleColumnChange):
    name: ClassVar[str] = "modifyDataType"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columnName", "newDataType", "schemaName", "tableName")
    new_data_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnName", "newDataType")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        column = quote(self.column_name or "", dialect)
        new_type = to_sql_type(self.new_data_type or "", dialect)
        return self.alter(
            dialect,
            probe,
            postgresql=f"ALTER COLUMN {column} TYPE {new_type} USING ({column}::{new_type})",
            mysql=f"MODIFY {column} {new_type}",
            sqlite={"type": new_type},
        )


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddNotNullConstraintChange(SingleColumnChange):
    name: ClassVar[str] = "addNotNullConstraint"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "columnName", "constraintName", "defaultNullValue", "schemaName",
        "tableName", "validate",
    )  # fmt: skip
    default_null_value: str | None = None
    column_data_type: str | None = None
    constraint_name: str | None = None
    validate_: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnName") + _needs_type(self, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        column = quote(self.column_name or "", dialect)
        statements: list[str] = []
        if self.default_null_value is not None:
            table = qualified(self.schema_name, self.table_name or "", dialect)
            value = default_value_sql(dialect, self.column_data_type, value=self.default_null_value)
            statements.append(f"UPDATE {table} SET {column} = {value} WHERE {column} IS NULL")
        return [
            *statements,
            *self.alter(
                dialect,
                probe,
                postgresql=f"ALTER COLUMN {column} SET NOT NULL",
                mysql=f"MODIFY {column} {to_sql_type(self.column_data_type or '', dialect)} NOT NULL",
                sqlite={"not_null": True},
            ),
        ]

    def inverse(self) -> list[Change]:
        return [
            DropNotNullConstraintChange(
                column_name=self.column_name,
                schema_name=self.schema_name,
                table_name=self.table_name,
                column_data_type=self.column_data_type,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropNotNullConstraintChange(SingleColumnChange):
    name: ClassVar[str] = "dropNotNullConstraint"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "columnName", "constraintName", "schemaName", "tableName",
    )  # fmt: skip
    column_data_type: str | None = None
    constraint_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnName") + _needs_type(self, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        column = quote(self.column_name or "", dialect)
        return self.alter(
            dialect,
            probe,
            postgresql=f"ALTER COLUMN {column} DROP NOT NULL",
            mysql=f"MODIFY {column} {to_sql_type(self.column_data_type or '', dialect)} NULL",
            sqlite={"not_null": False},
        )

    def inverse(self) -> list[Change]:
        return [
            AddNotNullConstraintChange(
                column_name=self.column_name,
                schema_name=self.schema_name,
                table_name=self.table_name,
                column_data_type=self.column_data_type,
                constraint_name=self.constraint_name,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class AddDefaultValueChange(SingleColumnChange):
    name: ClassVar[str] = "addDefaultValue"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columnDataType", "columnName", "defaultValue", "defaultValueBoolean", "defaultValueComputed",
        "defaultValueConstraintName", "defaultValueDate", "defaultValueNumeric", "defaultValueSequenceNext",
        "schemaName", "tableName",
    )  # fmt: skip
    column_data_type: str | None = None
    default_value: str | None = None
    default_value_numeric: str | None = None
    default_value_date: str | None = None
    default_value_boolean: bool | None = None
    default_value_computed: str | None = None
    default_value_sequence_next: str | None = None
    default_value_constraint_name: str | None = None

    def default_sql(self, dialect: Dialect) -> str:
        value = values.default_sql(self, dialect, self.column_data_type)
        return "NULL" if value is None else value

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        column = quote(self.column_name or "", dialect)
        value = self.default_sql(dialect)
        mysql_value = f"({value})" if self.default_value_computed is not None else value
        return self.alter(
            dialect,
            probe,
            postgresql=f"ALTER COLUMN {column} SET DEFAULT {value}",
            mysql=f"ALTER {column} SET DEFAULT {mysql_value}",
            sqlite={"default": value},
        )

    def inverse(self) -> list[Change]:
        return [
            DropDefaultValueChange(
                schema_name=self.schema_name,
                table_name=self.table_name,
                column_name=self.column_name,
                column_data_type=self.column_data_type,
            )
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropDefaultValueChange(SingleColumnChange):
    name: ClassVar[str] = "dropDefaultValue"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "columnDataType", "columnName", "schemaName", "tableName")
    column_data_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName", "columnName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        column = quote(self.column_name or "", dialect)
        return self.alter(
            dialect,
            probe,
            postgresql=f"ALTER COLUMN {column} DROP DEFAULT",
            mysql=f"ALTER {column} DROP DEFAULT",
            sqlite={"default": None},
        )


__all__ = [
    "AddColumnChange",
    "AddDefaultValueChange",
    "AddNotNullConstraintChange",
    "DropColumnChange",
    "DropDefaultValueChange",
    "DropNotNullConstraintChange",
    "ModifyDataTypeChange",
    "RenameColumnChange",
]
