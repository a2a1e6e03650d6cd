"""``flyway_schema_history``: created, read and written exactly as Flyway 10/11 does.

The DDL is Flyway's per dialect (``PostgreSQLDatabase``, ``MySQLDatabase``/``MariaDBDatabase``,
``SQLiteDatabase.getRawCreateScript``), the INSERT names the same nine columns (``installed_on``
takes the column default), and runs are serialised with the same lock Flyway takes (a
PostgreSQL advisory lock / MySQL named lock keyed on the quoted table name), so Flyway and
schemashift can take turns on one database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemashift.errors import Conflict
from schemashift.flyway.versions import Version
from schemashift.targets.connection import Target
from schemashift.targets.tracking_sql import TrackingSql

_PG_LOCK_MAGIC = (0x46 << 40) + (0x6C << 32) + (0x79 << 24) + (0x77 << 16) + (0x61 << 8) + 0x79
NO_DESCRIPTION = "<< no description >>"


class HistoryLocked(Conflict):
    code = "FLYWAY_LOCKED"
    retryable = True


@dataclass(frozen=True)
class AppliedMigration:
    """One row of ``flyway_schema_history``."""

    installed_rank: int
    version: Version | None
    description: str
    type: str
    script: str
    checksum: int | None
    installed_by: str
    installed_on: datetime | None
    execution_time: int
    success: bool

    @property
    def versioned(self) -> bool:
        return self.version is not None

    @property
    def synthetic(self) -> bool:
        return self.type in ("SCHEMA", "BASELINE", "DELETE")

    @property
    def undo(self) -> bool:
        return self.type in ("UNDO_SQL", "UNDO_SCRIPT")

    @property
    def baseline(self) -> bool:
        return self.type in ("BASELINE", "SQL_BASELINE", "JDBC_BASELINE")

    def as_dict(self) -> dict[str, Any]:
        return {
            "installedRank": self.installed_rank, "version": str(self.version) if self.version else None,
            "description": self.description, "type": self.type, "script": self.script,
            "checksum": self.checksum, "installedBy": self.installed_by,
            "installedOn": self.installed_on.isoformat(sep=" ") if self.installed_on else None,
            "executionTime": self.execution_time, "success": self.success,
        }


def java_hash(text: str) -> int:
    """Java's ``String.hashCode`` (Flyway derives its lock ids from it)."""
    value = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        value = (31 * value + int(unit, 16)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


class SchemaHistory:
    """The history table of one run against one target."""

    def __init__(self, target: Target, table: str = "flyway_schema_history", schema: str | None = None) -> None:
        self.target = target
        self.dialect = target.dialect
        self.table_name = table
        if self.dialect == "sqlite":
            self.schema = "main"
        else:
            self.schema = schema or target.default_schema or self._current_schema()
        self._sql = TrackingSql(self.dialect)
        self.table = f"{self.quote(self.schema)}.{self.quote(table)}"
        self._rows: list[AppliedMigration] | None = None
        self._installed_by: str | None = None

    # -- names and values -------------------------------------------------------------------

    def quote(self, name: str) -> str:
        if self.dialect in ("mysql", "mariadb"):
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def literal(self, value: str | int | bool | None) -> str:
        return self._sql.literal(value)

    def _current_schema(self) -> str:
        query = "SELECT current_schema()" if self.dialect == "postgresql" else "SELECT DATABASE()"
        return str(self.target.query_scalar(query))

    def installed_by(self, configured: str | None = None) -> str:
        """``installedBy`` when configured, else the database user as Flyway reads it."""
        if configured is not None:
            return configured
        if self._installed_by is None:
            if self.dialect == "postgresql":
                self._installed_by = str(self.target.query_scalar("SELECT current_user"))
            elif self.dialect in ("mysql", "mariadb"):
                self._installed_by = str(self.target.query_scalar("SELECT SUBSTRING_INDEX(USER(),'@',1)"))
            else:
                self._installed_by = ""
        return self._installed_by

    # -- table ------------------------------------------------------------------------------

    def exists(self) -> bool:
        return bool(self.target.columns(self.table_name, None if self.dialect == "sqlite" else self.schema))

    def create_statements(self) -> list[str]:
        """Flyway's create script for this dialect, statement by statement."""
        q = self.quote
        if self.dialect == "postgresql":
            return [
                f"CREATE TABLE {self.table} (\n"
                '    "installed_rank" INT NOT NULL,\n'
                '    "version" VARCHAR(50),\n'
                '    "description" VARCHAR(200) NOT NULL,\n'
                '    "type" VARCHAR(20) NOT NULL,\n'
                '    "script" VARCHAR(1000) NOT NULL,\n'
                '    "checksum" INTEGER,\n'
                '    "installed_by" VARCHAR(100) NOT NULL,\n'
                '    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),\n'
                '    "execution_time" INTEGER NOT NULL,\n'
                '    "success" BOOLEAN NOT NULL\n'
                ")",
                f'ALTER TABLE {self.table} ADD CONSTRAINT {q(self.table_name + "_pk")} PRIMARY KEY ("installed_rank")',
                f'CREATE INDEX {q(self.table_name + "_s_idx")} ON {self.table} ("success")',
            ]
        if self.dialect in ("mysql", "mariadb"):
            constraint = "" if self.dialect == "mariadb" else q(self.table_name + "_pk")
            return [
                f"CREATE TABLE {self.table} (\n"
                "    `installed_rank` INT NOT NULL,\n"
                "    `version` VARCHAR(50),\n"
                "    `description` VARCHAR(200) NOT NULL,\n"
                "    `type` VARCHAR(20) NOT NULL,\n"
                "    `script` VARCHAR(1000) NOT NULL,\n"
                "    `checksum` INT,\n"
                "    `installed_by` VARCHAR(100) NOT NULL,\n"
                "    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
                "    `execution_time` INT NOT NULL,\n"
                "    `success` BOOL NOT NULL,\n"
                f"    CONSTRAINT {constraint} PRIMARY KEY (`installed_rank`)\n"
                ") ENGINE=InnoDB",
                f"CREATE INDEX {q(self.table_name + '_s_idx')} ON {self.table} (`success`)",
            ]
        return [
            f"CREATE TABLE {self.table} (\n"
            '    "installed_rank" INT NOT NULL PRIMARY KEY,\n'
            '    "version" VARCHAR(50),\n'
            '    "description" VARCHAR(200) NOT NULL,\n'
            '    "type" VARCHAR(20) NOT NULL,\n'
            '    "script" VARCHAR(1000) NOT NULL,\n'
            '    "checksum" INT,\n'
            '    "installed_by" VARCHAR(100) NOT NULL,\n'
            "    \"installed_on\" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),\n"
            '    "execution_time" INT NOT NULL,\n'
            '    "success" BOOLEAN NOT NULL\n'
            ")",
            f'CREATE INDEX {q(self.schema)}.{q(self.table_name + "_s_idx")} ON {q(self.table_name)} ("success")',
        ]

    def create(self, baseline_row: tuple[Version, str] | None = None, installed_by: str | None = None) -> None:
        """Create the table (with Flyway's baseline marker row when ``baseline_row`` is given)."""
        statements = self.create_statements()
        if baseline_row is not None:
            version, description = baseline_row
            statements.insert(1, self._insert_sql(1, version, description, "BASELINE", description, None,
                                                  self.installed_by(installed_by), 0, True))
        with self.target.transaction():
            for statement in statements:
                self.target.execute(statement)
        self._rows = None

    # -- rows -------------------------------------------------------------------------------

    def rows(self) -> list[AppliedMigration]:
        """Every row, ``ORDER BY installed_rank`` (read once, then kept in step with our writes)."""
        if self._rows is None:
            self._rows = [self._row(row) for row in self.target.query_dicts(self._select())] if self.exists() else []
        return list(self._rows)

    def refresh(self) -> list[AppliedMigration]:
        self._rows = None
        return self.rows()

    def _select(self) -> str:
        columns = ",".join(self.quote(name) for name in (
            "installed_rank", "version", "description", "type", "script", "checksum", "installed_on",
            "installed_by", "execution_time", "success"))
        return f"SELECT {columns} FROM {self.table} ORDER BY {self.quote('installed_rank')}"

    @staticmethod
    def _row(row: dict[str, Any]) -> AppliedMigration:
        version = row.get("VERSION")
        checksum = row.get("CHECKSUM")
        return AppliedMigration(
            installed_rank=int(row["INSTALLED_RANK"]),
            version=Version.parse(str(version)) if version is not None else None,
            description=str(row.get("DESCRIPTION") or ""),
            type=str(row["TYPE"]),
            script=str(row.get("SCRIPT") or ""),
            checksum=int(checksum) if checksum is not None else None,
            installed_by=str(row.get("INSTALLED_BY") or ""),
            installed_on=_as_datetime(row.get("INSTALLED_ON")),
            execution_time=int(row.get("EXECUTION_TIME") or 0),
            success=_as_bool(row.get("SUCCESS")),
        )

    def next_rank(self) -> int:
        rows = self.rows()
        return rows[-1].installed_rank + 1 if rows else 1

    def insert_statement(self, version: Version | None, description: str, type_: str, script: str,
                         checksum: int | None, execution_time: int, success: bool,
                         installed_by: str | None = None) -> str:
        """The INSERT for the next row (description/script abbreviated as Flyway does)."""
        return self._insert_sql(self.next_rank(), version, _abbreviate_description(description), type_,
                                _abbreviate_script(script), checksum, self.installed_by(installed_by),
                                execution_time, success)

    def _insert_sql(self, rank: int, version: Version | None, description: str, type_: str, script: str,
                    checksum: int | None, installed_by: str, execution_time: int, success: bool) -> str:
        columns = ", ".join(self.quote(name) for name in (
            "installed_rank", "version", "description", "type", "script", "checksum", "installed_by",
            "execution_time", "success"))
        values = ", ".join((
            str(rank), self.literal(str(version) if version is not None else None), self.literal(description),
            self.literal(type_), self.literal(script), self.literal(checksum), self.literal(installed_by),
            str(execution_time), self.literal(success)))
        return f"INSERT INTO {self.table} ({columns}) VALUES ({values})"

    def update_statement(self, rank: int, description: str, type_: str, checksum: int | None) -> str:
        q = self.quote
        return (f"UPDATE {self.table} SET {q('description')}={self.literal(description)} , {q('type')}="
                f"{self.literal(type_)} , {q('checksum')}={self.literal(checksum)} WHERE {q('installed_rank')}={rank}")

    def delete_failed_statement(self, row: AppliedMigration) -> str:
        q = self.quote
        column, value = ("version", str(row.version)) if row.version is not None else ("description", row.description)
        return (f"DELETE FROM {self.table} WHERE {q('success')} = {self.literal(False)} AND "
                f"{q(column)} = {self.literal(value)}")

    def invalidate(self) -> None:
        self._rows = None

    # -- lock -------------------------------------------------------------------------------

    @contextmanager
    def lock(self, wait_seconds: float = 60.0) -> Iterator[None]:
        """Flyway's lock on this history table: PostgreSQL advisory lock, MySQL named lock."""
        key = java_hash(self.table)
        deadline = time.monotonic() + wait_seconds
        if self.dialect == "postgresql":
            number = _PG_LOCK_MAGIC + key
            while not self.target.query_scalar(f"SELECT pg_try_advisory_lock({number})"):
                if time.monotonic() > deadline:
                    raise HistoryLocked(f"Another migration holds the lock on {self.table}")
                time.sleep(1.0)
            try:
                yield
            finally:
                self.target.rollback()
                self.target.query_scalar(f"SELECT pg_advisory_unlock({number})")
        elif self.dialect in ("mysql", "mariadb"):
            name = f"Flyway-{key}"
            while self.target.query_scalar(f"SELECT GET_LOCK('{name}', 10)") != 1:
                if time.monotonic() > deadline:
                    raise HistoryLocked(f"Another migration holds the lock on {self.table}")
            try:
                yield
            finally:
                self.target.rollback()
                self.target.query_scalar(f"SELECT RELEASE_LOCK('{name}')")
        else:
            yield


def _abbreviate_description(description: str) -> str:
    return description if len(description) <= 200 else description[:197] + "..."


def _abbreviate_script(script: str) -> str:
    return script if len(script) <= 1000 else "..." + script[3:1000]


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t")
    return bool(value)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip().replace("T", " "))
    except ValueError:
        return None
