"""``modifySql``: edits applied to every generated statement of a changeset (append, prepend, replace).

They take part in the changeset checksum (each visitor's serialized form, then ``;``), so
they are modelled even though they only rewrite SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from schemashift.changelog.expressions import _expression_matches_any, _split_list, parse_runtime
from schemashift.changelog.model import Dialect, dbms_matches


@dataclass
class SqlVisitor:
    name: ClassVar[str]
    dbms: tuple[str, ...] = ()
    apply_to_rollback: bool = False
    contexts: str | None = None
    labels: str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {}

    def checksum_fields(self) -> dict[str, Any]:
        return {
            "applicableDbms": sorted(self.dbms) or None,
            "applyToRollback": self.apply_to_rollback,
            "contextFilter": self.contexts,
            "labels": ",".join(label.lower() for label in _split_list(self.labels)) or None,
            **self.own_fields(),
        }

    def checksum_excluded(self, version: int) -> tuple[str, ...]:
        return () if version <= 8 else ("applicableDbms", "contextFilter", "labels")

    def checksum(self, version: int = 9) -> str:
        from schemashift.changelog.checksums import compute, serialize

        return compute(serialize(self, version), version)  # type: ignore[arg-type]

    def applies(
        self,
        dialect: Dialect | None,
        contexts: Sequence[str] | str | None = None,
        labels: str | None = None,
        *,
        rollback: bool = False,
    ) -> bool:
        if rollback and not self.apply_to_rollback:
            return False
        if dialect is not None and not dbms_matches(",".join(self.dbms), dialect):
            return False
        if self.contexts and not _expression_matches_any(self.contexts, parse_runtime(contexts)):
            return False
        own_labels = [label.lower() for label in _split_list(self.labels)]
        return not own_labels or _expression_matches_any((labels or "").replace("\\", ""), own_labels)

    def modify(self, sql: str) -> str:
        raise NotImplementedError


@dataclass
class AppendSqlVisitor(SqlVisitor):
    name: ClassVar[str] = "append"
    value: str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {"value": self.value}

    def modify(self, sql: str) -> str:
        return sql + (self.value or "")


@dataclass
class PrependSqlVisitor(SqlVisitor):
    name: ClassVar[str] = "prepend"
    value: str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {"value": self.value}

    def modify(self, sql: str) -> str:
        return (self.value or "") + sql


@dataclass
class ReplaceSqlVisitor(SqlVisitor):
    name: ClassVar[str] = "replace"
    replace: str | None = None
    with_: str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {"replace": self.replace, "with": self.with_}

    def modify(self, sql: str) -> str:
        return sql.replace(self.replace or "", self.with_ or "")


@dataclass
class RegExpReplaceSqlVisitor(ReplaceSqlVisitor):
    name: ClassVar[str] = "regExpReplace"

    def modify(self, sql: str) -> str:
        replacement = re.sub(r"\$(\d+)", r"\\g<\1>", self.with_ or "")  # Java's $1 is Python's \g<1>
        return re.sub(self.replace or "", replacement, sql)


VISITORS: dict[str, type[SqlVisitor]] = {
    visitor.name: visitor
    for visitor in (AppendSqlVisitor, PrependSqlVisitor, ReplaceSqlVisitor, RegExpReplaceSqlVisitor)
}


def apply_sql_visitors(
    statements: list[str],
    visitors: Sequence[SqlVisitor],
    dialect: Dialect,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    *,
    rollback: bool = False,
) -> list[str]:
    """Each statement passed through every applicable visitor, in order (Liquibase ``applyVisitors``)."""
    active = [visitor for visitor in visitors if visitor.applies(dialect, contexts, labels, rollback=rollback)]
    if not active:
        return statements
    modified: list[str] = []
    for statement in statements:
        for visitor in active:
            statement = visitor.modify(statement)
        modified.append(statement)
    return modified
