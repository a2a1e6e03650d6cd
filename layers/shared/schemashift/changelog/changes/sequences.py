"""Sequence changes (PostgreSQL and MariaDB; MySQL and SQLite have no sequences)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.datatypes import to_sql_type
from schemashift.changelog.changes.sqlbuild import qualified
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
