"""Sequence changes (PostgreSQL and MariaDB; MySQL and SQLite have no sequences)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.datatypes import to_sql_type
from schemashift.changelog.changes.sqlbuild import qualified, quote
from schemashift.changelog.model import Change, DatabaseProbe, Dialect

_SUPPORTED = ("postgresql", "mariadb")


def _unsupported(name: str, dialect: Dialect) -> list[str]:
    return [] if dialect in _SUPPORTED else [f"{name} is not supported on {dialect}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class CreateSequenceChange(BeanChange):
    name: ClassVar[str] = "createSequence"
    bean: ClassVar[tuple[str, ...]] = (
        "cacheSize", "catalogName", "cycle", "dataType", "incrementBy", "maxValue", "minValue", "ordered",
        "schemaName", "sequenceName", "startValue",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    sequence_name: str | None = None
    start_value: int | None = None
    increment_by: int | None = None
    max_value: int | None = None
    min_value: int | None = None
    ordered: bool | None = None
    cycle: bool | None = None
    cache_size: int | None = None
    data_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("sequenceName") + _unsupported(self.name, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        sql = f"CREATE SEQUENCE {qualified(self.schema_name, self.sequence_name or '', dialect)}"
        if self.data_type and dialect == "postgresql":
            sql += f" AS {to_sql_type(self.data_type, dialect)}"
        if self.start_value is not None:
            sql += f" START WITH {self.start_value}"
        if self.increment_by is not None:
            sql += f" INCREMENT BY {self.increment_by}"
        if self.min_value is not None:
            sql += f" MINVALUE {self.min_value}"
        if self.max_value is not None:
            sql += f" MAXVALUE {self.max_value}"
        if self.cache_size is not None:
            sql += f" CACHE {self.cache_size}"
        if self.cycle is not None:
            sql += " CYCLE" if self.cycle else " NO CYCLE"
        return [sql]

    def inverse(self) -> list[Change]:
        return [DropSequenceChange(sequence_name=self.sequence_name, schema_name=self.schema_name)]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropSequenceChange(BeanChange):
    name: ClassVar[str] = "dropSequence"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "schemaName", "sequenceName")
    catalog_name: str | None = None
    schema_name: str | None = None
    sequence_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("sequenceName") + _unsupported(self.name, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return [f"DROP SEQUENCE {qualified(self.schema_name, self.sequence_name or '', dialect)}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class AlterSequenceChange(BeanChange):
    name: ClassVar[str] = "alterSequence"
    bean: ClassVar[tuple[str, ...]] = (
        "cacheSize", "catalogName", "cycle", "dataType", "incrementBy", "maxValue", "minValue", "ordered",
        "schemaName", "sequenceName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    sequence_name: str | None = None
    increment_by: int | None = None
    max_value: int | None = None
    min_value: int | None = None
    ordered: bool | None = None
    cache_size: int | None = None
    cycle: bool | None = None
    data_type: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("sequenceName") + _unsupported(self.name, dialect)
        if self.data_type is not None and dialect in ("mysql", "mariadb"):
            problems.append(f"dataType is not allowed on {dialect}")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """``AlterSequenceGenerator``, spaces included (ORDER/CACHE/CYCLE carry a trailing one)."""
        sql = f"ALTER SEQUENCE {qualified(self.schema_name, self.sequence_name or '', dialect)}"
        if self.data_type is not None:
            sql += f" AS {self.data_type}"
        if self.increment_by is not None:
            sql += f" INCREMENT BY {self.increment_by}"
        if self.min_value is not None:
            sql += f" MINVALUE {self.min_value}"
        if self.max_value is not None:
            sql += f" MAXVALUE {self.max_value}"
        if self.ordered is not None:
            sql += " ORDER " if self.ordered else " NOORDER "
        if self.cache_size is not None:
            sql += " NOCACHE " if self.cache_size == 0 else f" CACHE {self.cache_size}"
        if self.cycle is not None:
            sql += " CYCLE " if self.cycle else (" NOCYCLE " if dialect == "mariadb" else " NO CYCLE ")
        return [sql.rstrip()]


@register
@dataclasses.dataclass(eq=False, repr=False)
class RenameSequenceChange(BeanChange):
    name: ClassVar[str] = "renameSequence"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "newSequenceName", "oldSequenceName", "schemaName")
    catalog_name: str | None = None
    schema_name: str | None = None
    old_sequence_name: str | None = None
    new_sequence_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("oldSequenceName", "newSequenceName") + _unsupported(self.name, dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        old = qualified(self.schema_name, self.old_sequence_name or "", dialect)
        return [f"ALTER SEQUENCE {old} RENAME TO {quote(self.new_sequence_name or '', dialect)}"]

    def inverse(self) -> list[Change]:
        return [RenameSequenceChange(schema_name=self.schema_name, old_sequence_name=self.new_sequence_name,
                                     new_sequence_name=self.old_sequence_name)]
