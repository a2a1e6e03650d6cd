"""Raw SQL changes: ``sql`` (inline and every formatted-SQL changeset), ``sqlFile`` and ``empty``.

Their checksum is taken of the SQL text itself (whitespace-insensitive in v9), not of a
serialized bean, and they are dbms-targeted: a ``dbms`` that excludes the database makes
them produce no statements (and, in v9, drop out of the changeset checksum).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.checksums import sql_checksum
from schemashift.changelog.model import DatabaseProbe, Dialect, dbms_matches
from schemashift.changelog.node import Node
from schemashift.changelog.splitting import split_statements as split_sql


@dataclasses.dataclass(eq=False, repr=False)
class AbstractSqlChange(BeanChange):
    dbms: str | None = None
    strip_comments: bool = False
    split_statements: bool = True
    end_delimiter: str | None = None

    @property
    def is_dbms_targeted(self) -> bool:
        return True

    def applies_to(self, dialect: Dialect | None) -> bool:
        return dialect is None or dbms_matches(self.dbms, dialect)

    def sql_text(self) -> str:
        """The SQL that runs (properties expanded)."""
        raise NotImplementedError

    def checksum_text(self) -> str:
        """The SQL the checksum is taken of."""
        return self.sql_text()

    def checksum(self, version: int = 9) -> str:
        return sql_checksum(
            self.checksum_text(),
            version,
            end_delimiter=self.end_delimiter,
            split_statements=self.split_statements,
            strip_comments=self.strip_comments,
        )

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if not self.applies_to(dialect):
            return []
        return split_sql(
            self.sql_text(),
            split=self.split_statements,
            end_delimiter=self.end_delimiter,
            strip_comments=self.strip_comments,
            dialect=dialect,
        )

    def after_load(self, node: Node, file: str | None) -> None:
        self.strip_comments = bool(self.strip_comments)
        self.split_statements = True if self.split_statements is None else self.split_statements


@register
@dataclasses.dataclass(eq=False, repr=False)
class RawSqlChange(AbstractSqlChange):
    """``sql``: inline SQL; also the single change of each formatted-SQL changeset."""

    name: ClassVar[str] = "sql"
    liquibase_class: ClassVar[str] = "liquibase.change.core.RawSQLChange"
    bean: ClassVar[tuple[str, ...]] = ("comment", "dbms", "endDelimiter", "splitStatements", "sql", "stripComments")
    sql: str | None = None
    comment: str | None = None

    def sql_text(self) -> str:
        return self.sql or ""

    def after_load(self, node: Node, file: str | None) -> None:
        super().after_load(node, file)
        if self.sql is None:
            self.sql = (node.text or "").strip() or None
        elif isinstance(self.sql, str):
            self.sql = self.sql.strip() or None

    def validate(self, dialect: Dialect) -> list[str]:
        return [] if self.sql else ["sql is required for sql"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class SqlFileChange(AbstractSqlChange):
    """``sqlFile``: SQL read from a file. The checksum uses the raw file (no property expansion)."""

    name: ClassVar[str] = "sqlFile"
    liquibase_class: ClassVar[str] = "liquibase.change.core.SQLFileChange"
    bean: ClassVar[tuple[str, ...]] = (
        "dbms", "encoding", "endDelimiter", "path", "relativeToChangelogFile", "splitStatements", "stripComments",
    )  # fmt: skip
    path: str | None = None
    encoding: str | None = None
    relative_to_changelog_file: bool | None = None
    file_text: str | None = None
    """The file's contents as read (set by the parser, which knows where files come from)."""
    expanded_text: str | None = None
    """The contents with ``${property}`` expanded: what runs."""

    def sql_text(self) -> str:
        return self.expanded_text if self.expanded_text is not None else (self.file_text or "")

    def checksum_text(self) -> str:
        return self.file_text or ""

    def validate(self, dialect: Dialect) -> list[str]:
        if not self.path:
            return ["'path' is required"]
        return [] if self.file_text is not None else [f"The file {self.path} was not found"]


@dataclasses.dataclass(eq=False, repr=False)
class EmptyChange(BeanChange):
    """``empty``: an explicit no-op rollback."""

    name: ClassVar[str] = "empty"
    liquibase_class: ClassVar[str] = "liquibase.change.core.EmptyChange"

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return []

    def inverse(self) -> list[Any]:
        return []
