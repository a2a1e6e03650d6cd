"""Table changes: createTable, dropTable, renameTable."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, ColumnConfig, register
from schemashift.changelog.changes.datatypes import is_serial, to_sql_type
from schemashift.changelog.changes.sqlbuild import compile_ddl, ident, qualified, quote, sa_type, split_names
from schemashift.changelog.changes.sqlite_rebuild import name_inline_key, primary_key_name
from schemashift.changelog.changes.values import default_sql
from schemashift.changelog.model import Change, DatabaseProbe, Dialect

_INTEGER_TYPES = {"int", "integer", "int4", "bigint", "int8", "smallint", "int2", "serial", "bigserial", "smallserial",
                  "long"}


def is_integer_type(definition: str | None) -> bool:
    return (definition or "").split("(")[0].strip().lower() in _INTEGER_TYPES


def build_column(column: ColumnConfig, dialect: str, *, single_key: bool) -> Any:
    """A SQLAlchemy Column carrying Liquibase's type, default, nullability and auto-increment."""
    from sqlalchemy import Column, Identity, text

    auto = bool(column.auto_increment) or is_serial(column.type)
    spec = to_sql_type(column.type or "", dialect, auto_increment=auto)
    constraints = column.constraints
    primary = bool(constraints and constraints.primary_key)
    # An identity column is NOT NULL on PostgreSQL anyway; an explicit NULL would be refused.
    nullable = not (primary or (constraints is not None and constraints.nullable is False)
                    or (auto and dialect == "postgresql"))
    default = default_sql(column, dialect, column.type)
    extra: list[Any] = []
    if auto and dialect == "postgresql":
        extra.append(Identity(start=column.start_with, increment=column.increment_by))
    return Column(
        ident(column.name or "", dialect),
        sa_type(spec, integer=is_integer_type(column.type)),
        *extra,
        nullable=nullable,
        server_default=text(default) if default is not None else None,
        autoincrement=auto and (dialect == "postgresql" or (primary and single_key)),
        comment=column.remarks if dialect in ("mysql", "mariadb") else None,
    )


def _referenced(constraints: Any) -> tuple[str | None, str, list[str]]:
    """(schema, table, columns) of a column's ``references``/``referencedTableName`` constraint."""
    if constraints.references:
        table_part, _, columns = constraints.references.partition("(")
        schema, _, table = table_part.strip().rpartition(".")
        return schema or None, table, split_names(columns.rstrip(") "))
    return (
        constraints.referenced_table_schema_name,
        constraints.referenced_table_name or "",
        split_names(constraints.referenced_column_names),
    )


@register
@dataclasses.dataclass(eq=False, repr=False)
class CreateTableChange(BeanChange):
    name: ClassVar[str] = "createTable"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columns", "ifNotExists", "remarks", "schemaName", "tableName", "tableType", "tablespace",
    )  # fmt: skip
    excluded: ClassVar[tuple[str, ...]] = ("ifNotExists",)
    column_class: ClassVar[type[ColumnConfig]] = ColumnConfig
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    tablespace: str | None = None
    remarks: str | None = None
    table_type: str | None = None
    if_not_exists: bool | None = None
    columns: list[ColumnConfig] = dataclasses.field(default_factory=list)

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName")
        if not self.columns:
            problems.append("columns is required for createTable")
        problems += [f"column type is required for {c.name} in createTable" for c in self.columns if not c.type]
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        from sqlalchemy import (
            CheckConstraint,
            Column,
            ForeignKeyConstraint,
            MetaData,
            PrimaryKeyConstraint,
            Table,
            UniqueConstraint,
            text,
        )
        from sqlalchemy.schema import CreateTable, SetColumnComment, SetTableComment

        metadata = MetaData()
        keyed = [c for c in self.columns if c.constraints and c.constraints.primary_key]
        columns = [build_column(c, dialect, single_key=len(keyed) <= 1) for c in self.columns]
        extra: list[Any] = []
        pk_name = None
        if keyed:
            pk_name = next((c.constraints.primary_key_name for c in keyed if c.constraints.primary_key_name), None)
            if pk_name is None and dialect == "sqlite":
                pk_name = primary_key_name(self.table_name or "")
            deferral: dict[str, Any] = {}
            if dialect == "postgresql":  # Liquibase: PRIMARY KEY (...) [INITIALLY DEFERRED] DEFERRABLE
                deferral["deferrable"] = any(c.constraints.deferrable for c in keyed) or None
                deferral["initially"] = "DEFERRED" if any(c.constraints.initially_deferred for c in keyed) else None
            extra.append(PrimaryKeyConstraint(*(ident(c.name or "", dialect) for c in keyed),
                                              name=ident(pk_name, dialect) if pk_name else None, **deferral))
        for column in self.columns:
            constraints = column.constraints
            if constraints is None:
                continue
            if constraints.unique:
                extra.append(
                    UniqueConstraint(ident(column.name or "", dialect), name=constraints.unique_constraint_name)
                )
            if constraints.check_constraint:
                extra.append(CheckConstraint(text(constraints.check_constraint)))
            if constraints.references or constraints.referenced_table_name:
                schema, table, referenced_columns = _referenced(constraints)
                # Several foreign keys may name the same table (or this one): one placeholder each time.
                target = Table(
                    ident(table, dialect),
                    MetaData(),
                    *(Column(ident(name, dialect)) for name in referenced_columns),
                    schema=ident(schema, dialect) if schema else None,
                )
                extra.append(
                    ForeignKeyConstraint(
                        [ident(column.name or "", dialect)],
                        [target.c[name] for name in referenced_columns],
                        name=constraints.foreign_key_name,
                        ondelete="CASCADE" if constraints.delete_cascade else None,
                        deferrable=constraints.deferrable,
                        initially="DEFERRED" if constraints.initially_deferred else None,
                    )
                )
        auto_sqlite = dialect == "sqlite" and any(c.auto_increment for c in keyed) and len(keyed) == 1
        table = Table(
            ident(self.table_name or "", dialect),
            metadata,
            *columns,
            *extra,
            schema=ident(self.schema_name, dialect) if self.schema_name else None,
            comment=self.remarks if dialect in ("mysql", "mariadb") else None,
            sqlite_autoincrement=auto_sqlite,
        )
        create = compile_ddl(CreateTable(table), dialect)
        if auto_sqlite and pk_name:
            create = name_inline_key(create, pk_name)
        if self.if_not_exists:
            create = create.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)
        statements = [create]
        if dialect == "postgresql":
            if self.remarks:
                table.comment = self.remarks
                statements.append(compile_ddl(SetTableComment(table), dialect))
            for column, config in zip(columns, self.columns, strict=True):
                if config.remarks:
                    column.comment = config.remarks
                    statements.append(compile_ddl(SetColumnComment(column), dialect))
        return statements

    def inverse(self) -> list[Change]:
        return [
            DropTableChange(catalog_name=self.catalog_name, schema_name=self.schema_name, table_name=self.table_name)
        ]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropTableChange(BeanChange):
    name: ClassVar[str] = "dropTable"
    bean: ClassVar[tuple[str, ...]] = ("cascadeConstraints", "catalogName", "schemaName", "tableName")
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    cascade_constraints: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("tableName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        cascade = " CASCADE" if self.cascade_constraints and dialect == "postgresql" else ""
        return [f"DROP TABLE {qualified(self.schema_name, self.table_name or '', dialect)}{cascade}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class RenameTableChange(BeanChange):
    name: ClassVar[str] = "renameTable"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "newTableName", "oldTableName", "schemaName")
    catalog_name: str | None = None
    schema_name: str | None = None
    old_table_name: str | None = None
    new_table_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("oldTableName", "newTableName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        old = qualified(self.schema_name, self.old_table_name or "", dialect)
        if dialect in ("mysql", "mariadb"):
            return [f"ALTER TABLE {old} RENAME {qualified(self.schema_name, self.new_table_name or '', dialect)}"]
        return [f"ALTER TABLE {old} RENAME TO {quote(self.new_table_name or '', dialect)}"]

    def inverse(self) -> list[Change]:
        return [
            RenameTableChange(
                schema_name=self.schema_name, old_table_name=self.new_table_name, new_table_name=self.old_table_name
            )
        ]
