"""Preconditions about database objects and the session: Liquibase's snapshot-based checks.

indexExists, foreignKeyConstraintExists, uniqueConstraintExists, primaryKeyExists and
sequenceExists look the object up in the live catalog (names compared case-insensitively,
as Liquibase's ``correctObjectName`` folds unquoted names); runningAs compares the login
user; changeSetExecuted asks the run's DATABASECHANGELOG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from schemashift.changelog.model import DatabaseProbe
from schemashift.changelog.preconditions import Precondition, PreconditionFailed


def _same(left: str | None, right: str | None) -> bool:
    return (left or "").lower() == (right or "").lower()


def _columns(text: str | None) -> list[str]:
    return [part.strip().lower() for part in (text or "").split(",") if part.strip()]


def _tables(probe: DatabaseProbe, table: str | None, schema: str | None) -> list[str]:
    """The named table (as the catalog spells it), or every table of the schema when none is named."""
    names = probe.schema_inspector().get_table_names(schema=probe.probe_schema(schema))
    if not (table or "").strip():
        return list(names)
    return [name for name in names if _same(name, table.strip())]


def _matches(entry: dict[str, Any], name: str | None, columns: list[str], name_key: str = "name") -> bool:
    if name and not _same(entry.get(name_key), name.strip()):
        return False
    return not columns or [str(column).lower() for column in entry.get("column_names") or []] == columns


def _any(entries: Iterable[dict[str, Any]], name: str | None, columns: list[str]) -> bool:
    return any(_matches(entry, name, columns) for entry in entries)


@dataclass
class IndexExistsPrecondition(Precondition):
    name: ClassVar[str] = "indexExists"
    index_name: str | None = None
    table_name: str | None = None
    column_names: str | None = None
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        inspector, schema = probe.schema_inspector(), probe.probe_schema(self.schema_name)
        columns = _columns(self.column_names)
        for table in _tables(probe, self.table_name, self.schema_name):
            indexes = list(inspector.get_indexes(table, schema=schema))
            if probe.dialect == "postgresql":  # PostgreSQL backs unique constraints with indexes
                indexes += inspector.get_unique_constraints(table, schema=schema)
            primary = inspector.get_pk_constraint(table, schema=schema)
            if primary.get("name") or primary.get("constrained_columns"):
                indexes.append({"name": primary.get("name"), "column_names": primary.get("constrained_columns")})
            if _any(indexes, self.index_name, columns):
                return
        raise PreconditionFailed(f"Index {_described(self.index_name, self.table_name, self.column_names)} does not exist")


@dataclass
class ForeignKeyExistsPrecondition(Precondition):
    name: ClassVar[str] = "foreignKeyConstraintExists"
    foreign_key_name: str | None = None
    foreign_key_table_name: str | None = None
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        inspector, schema = probe.schema_inspector(), probe.probe_schema(self.schema_name)
        for table in _tables(probe, self.foreign_key_table_name, self.schema_name):
            if _any(inspector.get_foreign_keys(table, schema=schema), self.foreign_key_name, []):
                return
        raise PreconditionFailed(f"Foreign Key {self.foreign_key_name} does not exist")


@dataclass
class UniqueConstraintExistsPrecondition(Precondition):
    name: ClassVar[str] = "uniqueConstraintExists"
    constraint_name: str | None = None
    table_name: str | None = None
    column_names: str | None = None
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        inspector, schema = probe.schema_inspector(), probe.probe_schema(self.schema_name)
        columns = _columns(self.column_names)
        # As Liquibase 4.28 answers (checked against it): its SQLite snapshot has no unique constraints,
        # and on MySQL/MariaDB it finds one by name only, never by its columns alone.
        unfindable = probe.dialect == "sqlite" or (probe.dialect in ("mysql", "mariadb") and not self.constraint_name)
        tables = [] if unfindable else _tables(probe, self.table_name, self.schema_name)
        for table in tables:
            if _any(inspector.get_unique_constraints(table, schema=schema), self.constraint_name, columns):
                return
        where = _described(self.constraint_name, self.table_name, self.column_names)
        raise PreconditionFailed(f"Unique Constraint Exists Precondition: {where} does not exist")


@dataclass
class PrimaryKeyExistsPrecondition(Precondition):
    name: ClassVar[str] = "primaryKeyExists"
    primary_key_name: str | None = None
    table_name: str | None = None
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        inspector, schema = probe.schema_inspector(), probe.probe_schema(self.schema_name)
        for table in _tables(probe, self.table_name, self.schema_name):
            key = inspector.get_pk_constraint(table, schema=schema)
            if key.get("constrained_columns") and (not self.primary_key_name or _same(key.get("name"), self.primary_key_name)):
                return
        name = self.primary_key_name or self.table_name
        raise PreconditionFailed(f"Primary Key {name} does not exist")


@dataclass
class SequenceExistsPrecondition(Precondition):
    name: ClassVar[str] = "sequenceExists"
    sequence_name: str = ""
    schema_name: str | None = None

    def check(self, probe: DatabaseProbe) -> None:
        if probe.dialect != "sqlite":
            names = probe.schema_inspector().get_sequence_names(schema=probe.probe_schema(self.schema_name))
            if any(_same(name, self.sequence_name) for name in names):
                return
        qualified = f"{self.schema_name}.{self.sequence_name}" if self.schema_name else self.sequence_name
        raise PreconditionFailed(f"Sequence {qualified} does not exist")


@dataclass
class RunningAsPrecondition(Precondition):
    name: ClassVar[str] = "runningAs"
    username: str = ""

    def check(self, probe: DatabaseProbe) -> None:
        user = probe.connection_user()
        if user is not None and "@" in user:
            user = user[: user.index("@")]
        if self.username.lower() != (user or "").lower() or user is None:
            raise PreconditionFailed(f"RunningAs Precondition failed: expected {self.username}, was {user}")


@dataclass
class ChangeSetExecutedPrecondition(Precondition):
    """``changeLogFile`` defaults to the file the precondition is written in (set by the parser)."""

    name: ClassVar[str] = "changeSetExecuted"
    id: str = ""
    author: str = ""
    change_log_file: str = ""

    def check(self, probe: DatabaseProbe) -> None:
        if not probe.changeset_ran(self.change_log_file, self.id, self.author):
            raise PreconditionFailed(f"Changeset '{self.change_log_file}::{self.id}::{self.author}' has not been run")


def _described(name: str | None, table: str | None, columns: str | None) -> str:
    """How Liquibase names the object it did not find: its name, then "on <table> columns <cols>"."""
    where = name or ""
    if table:
        where += f" on {table}" + (f" columns {columns}" if columns else "")
    return where.strip()
