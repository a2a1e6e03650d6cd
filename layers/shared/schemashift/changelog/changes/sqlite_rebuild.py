"""SQLite "move and copy": rebuild a table to apply a change SQLite's ALTER TABLE cannot express.

The live table is read through the probe (PRAGMA table_info / foreign_key_list / index_list
and sqlite_master), edited as a ``TableShape``, created under a temporary name, filled from
the old table, and swapped in; its indexes are recreated. This is SQLite's documented
twelve-step procedure reduced to the statements, which the executor runs in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from schemashift.changelog.changes.sqlbuild import compile_ddl, ident, quote, sa_type
from schemashift.changelog.model import DatabaseProbe
from schemashift.errors import ValidationFailed


@dataclass
class ColumnShape:
    name: str
    type: str
    not_null: bool
    default: str | None
    pk_position: int


@dataclass
class ForeignKeyShape:
    name: str | None
    columns: list[str]
    referenced_table: str
    referenced_columns: list[str]
    on_update: str | None = None
    on_delete: str | None = None


@dataclass
class UniqueShape:
    name: str | None
    columns: list[str]


@dataclass
class TableShape:
    name: str
    columns: list[ColumnShape]
    foreign_keys: list[ForeignKeyShape] = field(default_factory=list)
    uniques: list[UniqueShape] = field(default_factory=list)
    primary_key_name: str | None = None
    autoincrement: bool = False
    index_sql: list[str] = field(default_factory=list)

    def column(self, name: str) -> ColumnShape:
        for column in self.columns:
            if column.name.lower() == name.lower():
                return column
        raise ValidationFailed(f"Column {name} does not exist in table {self.name}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_shape(probe: DatabaseProbe, table: str) -> TableShape:
    """The current definition of ``table`` as SQLite reports it."""
    if not probe.table_exists(table):
        raise ValidationFailed(f"Table {table} does not exist")
    created = str(
        probe.query_scalar(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {_literal(table)}")
    )
    columns = [
        ColumnShape(str(row[1]), str(row[2] or ""), bool(row[3]), None if row[4] is None else str(row[4]), int(row[5]))
        for row in probe.query_rows(f"PRAGMA table_info({quote(table, 'sqlite')})")
    ]
    shape = TableShape(name=table, columns=columns, autoincrement="AUTOINCREMENT" in created.upper())
    pk_name = re.search(r"CONSTRAINT\s+[\"`\[]?(\w+)[\"`\]]?\s+PRIMARY\s+KEY", created, re.IGNORECASE)
    shape.primary_key_name = pk_name.group(1) if pk_name else None
    fk_names = {
        tuple(part.strip(' "`[]').lower() for part in match.group(2).split(",")): match.group(1)
        for match in re.finditer(
            r"CONSTRAINT\s+[\"`\[]?(\w+)[\"`\]]?\s+FOREIGN\s+KEY\s*\(([^)]*)\)", created, re.IGNORECASE
        )
    }
    grouped: dict[int, ForeignKeyShape] = {}
    for row in probe.query_rows(f"PRAGMA foreign_key_list({quote(table, 'sqlite')})"):
        fk = grouped.setdefault(int(row[0]), ForeignKeyShape(None, [], str(row[2]), [], str(row[5]), str(row[6])))
        fk.columns.append(str(row[3]))
        fk.referenced_columns.append(str(row[4]))
    for fk in grouped.values():
        fk.name = fk_names.get(tuple(column.lower() for column in fk.columns))
        fk.on_update = None if fk.on_update == "NO ACTION" else fk.on_update
        fk.on_delete = None if fk.on_delete == "NO ACTION" else fk.on_delete
    shape.foreign_keys = list(grouped.values())
    unique_names = {
        tuple(part.strip(' "`[]').lower() for part in match.group(2).split(",")): match.group(1)
        for match in re.finditer(r"CONSTRAINT\s+[\"`\[]?(\w+)[\"`\]]?\s+UNIQUE\s*\(([^)]*)\)", created, re.IGNORECASE)
    }
    for row in probe.query_rows(f"PRAGMA index_list({quote(table, 'sqlite')})"):
        if str(row[3]) == "u":
            info = probe.query_rows(f"PRAGMA index_info({quote(str(row[1]), 'sqlite')})")
            names = [str(item[2]) for item in sorted(info)]
            shape.uniques.append(UniqueShape(unique_names.get(tuple(n.lower() for n in names)), names))
    shape.index_sql = [
        str(row[0])
        for row in probe.query_rows(
            f"SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = {_literal(table)} AND sql IS NOT NULL"
        )
    ]
    return shape


def create_statement(shape: TableShape, name: str) -> str:
    """CREATE TABLE for ``shape`` under ``name``, compiled by SQLAlchemy's SQLite dialect."""
    from sqlalchemy import (
        Column,
        ForeignKeyConstraint,
        MetaData,
        PrimaryKeyConstraint,
        Table,
        UniqueConstraint,
        text,
    )
    from sqlalchemy.schema import CreateTable

    metadata = MetaData()
    key_columns = sorted((column for column in shape.columns if column.pk_position), key=lambda c: c.pk_position)
    single_integer_key = len(key_columns) == 1 and key_columns[0].type.upper() == "INTEGER"
    columns = [
        Column(
            ident(column.name, "sqlite"),
            sa_type(column.type or "", integer=column.type.upper() == "INTEGER"),
            nullable=not column.not_null,
            server_default=text(column.default) if column.default is not None else None,
            autoincrement=shape.autoincrement and single_integer_key and column.pk_position > 0,
        )
        for column in shape.columns
    ]
    constraints: list[object] = []
    # Liquibase recreates the table with createTable: an unnamed key gets its generated name
    pk_name = shape.primary_key_name or primary_key_name(shape.name)
    if key_columns:
        constraints.append(PrimaryKeyConstraint(*(ident(c.name, "sqlite") for c in key_columns),
                                                name=ident(pk_name, "sqlite")))
    for unique in shape.uniques:
        constraints.append(UniqueConstraint(*(ident(c, "sqlite") for c in unique.columns), name=unique.name))
    for fk in shape.foreign_keys:
        referenced = Table(ident(fk.referenced_table, "sqlite"), metadata)
        for column in fk.referenced_columns:
            if column not in referenced.c:
                referenced.append_column(Column(ident(column, "sqlite")))
        constraints.append(
            ForeignKeyConstraint(
                [ident(c, "sqlite") for c in fk.columns],
                [referenced.c[c] for c in fk.referenced_columns],
                name=fk.name,
                onupdate=fk.on_update,
                ondelete=fk.on_delete,
            )
        )
    table = Table(ident(name, "sqlite"), metadata, *columns, *constraints, sqlite_autoincrement=shape.autoincrement)
    create = compile_ddl(CreateTable(table), "sqlite")
    return name_inline_key(create, pk_name) if key_columns and shape.autoincrement else create


def primary_key_name(table: str) -> str:
    """Liquibase's name for an unnamed primary key on SQLite (``generatePrimaryKeyName``): ``PK_<TABLE>``."""
    return f"PK_{table.upper()}"


def name_inline_key(create: str, pk_name: str) -> str:
    """An AUTOINCREMENT key named as Liquibase writes it: ``id INTEGER CONSTRAINT PK_T PRIMARY KEY
    AUTOINCREMENT NOT NULL`` (SQLAlchemy writes the inline key without its name)."""
    return create.replace(" NOT NULL PRIMARY KEY AUTOINCREMENT",
                          f" CONSTRAINT {quote(pk_name, 'sqlite')} PRIMARY KEY AUTOINCREMENT NOT NULL", 1)


class RebuildNeedsDatabase(ValidationFailed):
    """A SQLite rebuild's statements were asked for without a database to read the table from."""

    def __init__(self, change_name: str, table: str) -> None:
        super().__init__(f"{change_name} on sqlite rebuilds table {table}; its statements need a live database "
                         "connection", details={"table": table, "change": change_name})
        self.table = table
        self.change_name = change_name


def rebuild(probe: DatabaseProbe | None, table: str, change_name: str, edit: Callable[[TableShape], None]) -> list[str]:
    """Statements that rebuild ``table`` with ``edit`` applied to its current shape."""
    if probe is None:
        raise RebuildNeedsDatabase(change_name, table)
    before = read_shape(probe, table)
    after = read_shape(probe, table)
    edit(after)
    temporary = f"{table}__schemashift_tmp"
    kept = [column.name for column in after.columns if any(c.name == column.name for c in before.columns)]
    column_sql = ", ".join(quote(name, "sqlite") for name in kept)
    return [
        create_statement(after, temporary),
        f"INSERT INTO {quote(temporary, 'sqlite')} ({column_sql}) SELECT {column_sql} FROM {quote(table, 'sqlite')}",
        f"DROP TABLE {quote(table, 'sqlite')}",
        f"ALTER TABLE {quote(temporary, 'sqlite')} RENAME TO {quote(table, 'sqlite')}",
        *after.index_sql,
    ]
