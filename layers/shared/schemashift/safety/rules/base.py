"""What every lint rule is, and what a rule can ask about the changelog so far.

A rule is one small class: an id, a category, a default severity, a fix hint, the dialects it
applies to, and one or more checks that return a message (or None). ``@register`` adds it to
the registry the linter runs; adding a rule touches one file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from schemashift.safety.findings import Category, Severity
from schemashift.safety.sql.model import Analyzed, Op, OpKind, SqlType, bare
from schemashift.safety.units import LintUnit

RULES: dict[str, type[Rule]] = {}
_IS_NULL = re.compile(r"([\w.\"`]+)\s+is\s+null\b", re.I)
_R = TypeVar("_R", bound="type[Rule]")


def register(cls: _R) -> _R:
    if cls.id in RULES:
        raise ValueError(f"lint rule {cls.id} registered twice")
    RULES[cls.id] = cls
    return cls


class Rule:
    id: ClassVar[str]
    category: ClassVar[Category]
    also: ClassVar[tuple[Category, ...]] = ()
    """Further categories the rule belongs to (a dropped column is destructive and backward-incompatible)."""
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    fix: ClassVar[str]
    dialects: ClassVar[tuple[str, ...] | None] = None
    """None: every dialect."""
    kinds: ClassVar[frozenset[OpKind]] = frozenset()
    """The operation kinds ``check_op`` is called for."""

    def check_op(self, op: Op, statement: Analyzed, scope: Scope) -> str | None:
        return None

    def check_statement(self, statement: Analyzed, scope: Scope) -> str | None:
        return None

    def check_unit(self, scope: Scope) -> Iterable[str]:
        return ()

    @classmethod
    def applies_to(cls, dialect: str) -> bool:
        return cls.dialects is None or dialect in cls.dialects

    @classmethod
    def describe(cls) -> dict[str, object]:
        return {"id": cls.id, "category": cls.category, "categories": [cls.category, *cls.also],
                "severity": cls.severity, "summary": cls.summary, "fix": cls.fix,
                "dialects": list(cls.dialects) if cls.dialects else ["postgresql", "mysql", "mariadb", "sqlite"]}


@dataclass
class KnownColumn:
    type: SqlType | None
    not_null: bool


@dataclass
class Knowledge:
    """The schema as the changelog has built it so far (tables it created, their columns)."""

    dialect: str
    tables: dict[str, dict[str, KnownColumn]] = field(default_factory=dict)

    def column(self, table: str | None, column: str | None) -> KnownColumn | None:
        return self.tables.get(bare(table), {}).get(bare(column))

    def apply(self, op: Op) -> None:
        table = bare(op.table)
        columns = self.tables.get(table)
        if op.kind == "create_table":
            self.tables[table] = {name: KnownColumn(kind, not_null) for name, (kind, not_null) in op.columns.items()}
        elif op.kind == "drop_table":
            self.tables.pop(table, None)
        elif op.kind == "rename_table" and columns is not None:
            self.tables[bare(op.new_name)] = self.tables.pop(table)
        elif columns is None:
            return
        elif op.kind == "add_column":
            columns[bare(op.column)] = KnownColumn(op.type, op.not_null)
        elif op.kind == "drop_column":
            columns.pop(bare(op.column), None)
        elif op.kind == "rename_column" and bare(op.column) in columns:
            columns[bare(op.new_name)] = columns.pop(bare(op.column))
        elif op.kind == "alter_type":
            known = columns.setdefault(bare(op.column), KnownColumn(None, False))
            known.type = op.type
            if self.dialect in ("mysql", "mariadb"):  # MODIFY redefines the column, nullability included
                known.not_null = op.not_null
        elif op.kind in ("set_not_null", "drop_not_null"):
            columns.setdefault(bare(op.column), KnownColumn(None, False)).not_null = op.kind == "set_not_null"


@dataclass
class Scope:
    """What a rule sees: the changeset, the dialect, and what came before."""

    unit: LintUnit
    knowledge: Knowledge
    statements: list[Analyzed] = field(default_factory=list)
    created_here: set[str] = field(default_factory=set)
    """Tables created earlier in this changeset: empty, so no lock or data concern applies to them."""
    filled: set[tuple[str, str]] = field(default_factory=set)
    """(table, column) pairs an UPDATE earlier in this changeset set (backfills before NOT NULL)."""
    added_here: set[tuple[str, str]] = field(default_factory=set)
    """(table, column) pairs added earlier in this changeset: they hold only NULLs or their default."""

    @property
    def dialect(self) -> str:
        return self.unit.dialect

    def existing(self, table: str | None) -> bool:
        """Whether ``table`` may hold rows: anything this changeset did not create itself."""
        return bare(table) not in self.created_here

    def unit_rest(self, statement: Analyzed) -> list[Analyzed]:
        """The statements of this changeset after ``statement``."""
        for index, candidate in enumerate(self.statements):
            if candidate is statement:
                return self.statements[index + 1 :]
        return []

    def note(self, op: Op) -> None:
        """Record ``op`` after the rules have seen it."""
        if op.kind == "create_table":
            self.created_here.add(bare(op.table))
        elif op.kind == "rename_table" and bare(op.table) in self.created_here:
            self.created_here.add(bare(op.new_name))
        elif op.kind == "update":
            self.filled |= {(bare(op.table), column) for column in op.set_columns}
        elif op.kind == "delete":  # DELETE ... WHERE col IS NULL leaves no NULL in col
            self.filled |= {(bare(op.table), bare(column)) for column in _IS_NULL.findall(op.where)}
        elif op.kind == "add_column":
            self.added_here.add((bare(op.table), bare(op.column)))
        self.knowledge.apply(op)
