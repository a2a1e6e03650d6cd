"""Stored logic: createProcedure and dropProcedure (not on SQLite, as in Liquibase).

createProcedure is dbms-targeted like ``sql``: the body runs as one statement (trailing
``;`` removed, never split), and its v9 checksum joins the serialized bean (minus the body
and file settings) with a whitespace-insensitive hash of the body, expanded when read from
``path``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.sqlbuild import qualified, quote
from schemashift.changelog.checksums import compute, serialize, sql_checksum
from schemashift.changelog.model import DatabaseProbe, Dialect, dbms_matches
from schemashift.changelog.node import Node

_TRAILING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*$|/\*.*?\*/\s*$)+$", re.DOTALL)


def strip_trailing_delimiter(text: str, delimiter: str = ";") -> str:
    """``CreateProcedureGenerator.removeTrailingDelimiter``: drop end comments, whitespace and the delimiter."""
    trimmed = _strip_end(text)
    return trimmed[: -len(delimiter)] if trimmed.endswith(delimiter) else text


def _strip_end(text: str) -> str:
    while True:
        stripped = text.rstrip()
        if stripped.endswith("*/") and "/*" in stripped:
            stripped = stripped[: stripped.rindex("/*")]
        else:
            last = stripped.rsplit("\n", 1)[-1]
            if "--" in last and "'" not in last[last.index("--"):]:
                stripped = stripped[: len(stripped) - len(last) + last.index("--")]
        if stripped == text:
            return text
        text = stripped


@register
@dataclasses.dataclass(eq=False, repr=False)
class CreateProcedureChange(BeanChange):
    name: ClassVar[str] = "createProcedure"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "comments", "dbms", "encoding", "path", "procedureName", "procedureText",
        "relativeToChangelogFile", "replaceIfExists", "schemaName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    procedure_name: str | None = None
    procedure_text: str | None = None
    path: str | None = None
    relative_to_changelog_file: bool | None = None
    encoding: str | None = None
    dbms: str | None = None
    comments: str | None = None
    replace_if_exists: bool | None = None
    file_text: str | None = None
    """The contents of ``path`` (set by the parser)."""
    expanded_text: str | None = None
    """``file_text`` with ``${property}`` expanded: what runs, and what the v9 checksum hashes."""

    @property
    def is_dbms_targeted(self) -> bool:
        return True

    def applies_to(self, dialect: Dialect | None) -> bool:
        return dialect is None or dbms_matches(self.dbms, dialect)

    def checksum_excluded(self, version: int) -> tuple[str, ...]:
        if version <= 8:
            return ()
        return ("path", "dbms", "relativeToChangelogFile", "procedureText", "encoding", "comments")

    def after_load(self, node: Node, file: str | None) -> None:
        if self.procedure_text is None:
            body = node.string("procedureBody")
            self.procedure_text = body if body is not None else (node.text if node.text and node.text.strip() else None)

    def body(self) -> str | None:
        if self.path is not None:
            return self.expanded_text if self.expanded_text is not None else self.file_text
        return self.procedure_text

    def checksum(self, version: int = 9) -> str:
        bean = compute(serialize(self, version), version)
        if version <= 8:
            if self.path is None:
                return bean
            body = sql_checksum(self.file_text or "", 8, end_delimiter=";", split_statements=False)
            return compute(f"{bean}:{body}", version)
        return compute(f"{bean}:{sql_checksum(self.body() or '', version)}", version)

    def validate(self, dialect: Dialect) -> list[str]:
        if dialect == "sqlite":
            return ["createProcedure is not supported on sqlite"]
        has_text, has_path = bool((self.procedure_text or "").strip()), bool((self.path or "").strip())
        if has_text and has_path:
            return ["Cannot specify both 'path' and a nested procedure text in createProcedure"]
        if not has_text and not has_path:
            return ["Must specify either 'path' or a nested procedure text in createProcedure"]
        if has_path and self.file_text is None:
            return [f"The file {self.path} was not found"]
        if self.replace_if_exists and not self.procedure_name:
            return ["procedureName is required if replaceIfExists = true"]
        if self.replace_if_exists is not None and dialect not in ("mysql", "mariadb"):
            return [f"replaceIfExists is not allowed on {dialect}"]
        return []

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if not self.applies_to(dialect):
            return []
        statements = []
        if self.replace_if_exists:
            statements.append(f"DROP PROCEDURE IF EXISTS {quote(self.procedure_name or '', dialect)}")
        text = (self.body() or "").strip() if self.path is None else self.body()
        if text:
            statements.append(strip_trailing_delimiter(text))
        return statements


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropProcedureChange(BeanChange):
    name: ClassVar[str] = "dropProcedure"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "procedureName", "schemaName")
    catalog_name: str | None = None
    schema_name: str | None = None
    procedure_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        if dialect == "sqlite":
            return ["dropProcedure is not supported on sqlite"]
        return self.require("procedureName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return [f"DROP PROCEDURE {qualified(self.schema_name, self.procedure_name or '', dialect)}"]
