"""Placeholders for Liquibase elements schemashift parses but cannot run.

Liquibase only validates the changesets it is about to run, so a known element that we do
not support must not reject a whole changelog: the parser keeps a placeholder, and the
engine refuses the changeset only when it would run (validation names the element, the
changeset and the file). Its checksum cannot be computed, so asking for it raises the same
error; a name Liquibase itself does not know is still rejected while parsing.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.model import Change, ChangelogError, DatabaseProbe, Dialect, RollbackImpossible

LIQUIBASE_CHANGE_TYPES = frozenset({
    "addAutoIncrement", "addColumn", "addDefaultValue", "addForeignKeyConstraint", "addLookupTable",
    "addNotNullConstraint", "addPrimaryKey", "addUniqueConstraint", "alterSequence", "createIndex",
    "createProcedure", "createSequence", "createTable", "createView", "customChange", "delete",
    "dropAllForeignKeyConstraints", "dropColumn", "dropDefaultValue", "dropForeignKeyConstraint", "dropIndex",
    "dropNotNullConstraint", "dropPrimaryKey", "dropProcedure", "dropSequence", "dropTable",
    "dropUniqueConstraint", "dropView", "empty", "executeCommand", "insert", "loadData", "loadUpdateData",
    "mergeColumns", "modifyDataType", "output", "renameColumn", "renameSequence", "renameTable", "renameView",
    "setColumnRemarks", "setTableRemarks", "sql", "sqlFile", "stop", "tagDatabase", "update",
})  # fmt: skip
"""Every change type of Liquibase 4.28 OSS (``liquibase.change.core`` plus ``customChange``)."""


class UnsupportedElement(ChangelogError):
    """A Liquibase element schemashift does not support, met where it would matter (it runs)."""

    code = "CHANGELOG_UNSUPPORTED"


@dataclasses.dataclass(eq=False, repr=False)
class UnsupportedChange(Change):
    """A Liquibase change type we cannot run; harmless until its changeset would run."""

    name: ClassVar[str] = "unsupported"
    element: str = ""
    file: str | None = None
    line: int | None = None
    reason: str = "is not supported by schemashift"

    def problem(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"change type '{self.element}' ({where}) {self.reason}"

    def error(self) -> UnsupportedElement:
        return UnsupportedElement(self.problem())

    def validate(self, dialect: Dialect) -> list[str]:
        return [self.problem()]

    def unsupported_problems(self) -> list[str]:
        return [self.problem()]

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        raise self.error()

    def checksum(self, version: int = 9) -> str:
        raise self.error()

    def description(self) -> str:
        return self.element

    def inverse(self) -> list[Change]:
        raise RollbackImpossible(self.problem())

    def __repr__(self) -> str:
        return f"<unsupported {self.element}>"
