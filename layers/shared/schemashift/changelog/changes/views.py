"""View changes: createView, dropView and renameView.

createView's v9 checksum combines the serialized bean (minus the query) with a
whitespace-insensitive hash of the select query, as Liquibase does.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from schemashift.changelog.changes.base import BeanChange, register
from schemashift.changelog.changes.sqlbuild import qualified, quote
from schemashift.changelog.checksums import compute, serialize, sql_checksum
from schemashift.changelog.model import Change, DatabaseProbe, Dialect
from schemashift.changelog.node import Node


@register
@dataclasses.dataclass(eq=False, repr=False)
class CreateViewChange(BeanChange):
    name: ClassVar[str] = "createView"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "encoding", "fullDefinition", "path", "relativeToChangelogFile", "remarks",
        "replaceIfExists", "schemaName", "selectQuery", "viewName",
    )  # fmt: skip
    catalog_name: str | None = None
    schema_name: str | None = None
    view_name: str | None = None
    select_query: str | None = None
    replace_if_exists: bool | None = None
    full_definition: bool | None = None
    path: str | None = None
    relative_to_changelog_file: bool | None = None
    encoding: str | None = None
    remarks: str | None = None
    file_text: str | None = None
    """The contents of ``path`` when the query comes from a file (set by the parser)."""
    expanded_text: str | None = None
    """``file_text`` with ``${property}`` expanded: what runs, and what the v9 checksum hashes."""

    def checksum_excluded(self, version: int) -> tuple[str, ...]:
        return () if version <= 8 else ("path", "relativeToChangelogFile", "selectQuery", "encoding")

    def checksum(self, version: int = 9) -> str:
        bean = compute(serialize(self, version), version)
        if version <= 8:
            if self.path is None:
                return bean
            query = sql_checksum(self.file_text or "", 8, end_delimiter=";", split_statements=False)
            return compute(f"{bean}:{query}", version)
        query_text = self.file_query() if self.path is not None else (self.select_query or "")
        return compute(f"{bean}:{sql_checksum(query_text or '', version)}", version)

    def after_load(self, node: Node, file: str | None) -> None:
        if self.select_query is None and node.text and node.text.strip():
            self.select_query = node.text.strip()

    def file_query(self) -> str:
        return (self.expanded_text if self.expanded_text is not None else self.file_text) or ""

    def query(self) -> str:
        return (self.file_query() if self.path is not None else self.select_query) or ""

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("viewName")
        if not self.query().strip():
            problems.append("selectQuery is required for createView")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        query = self.query().strip().rstrip(";")
        if self.full_definition:
            return [query]
        view = qualified(self.schema_name, self.view_name or "", dialect)
        if self.replace_if_exists and dialect == "sqlite":
            return [f"DROP VIEW IF EXISTS {view}", f"CREATE VIEW {view} AS {query}"]
        create = "CREATE OR REPLACE VIEW" if self.replace_if_exists else "CREATE VIEW"
        return [f"{create} {view} AS {query}"]

    def inverse(self) -> list[Change]:
        return [DropViewChange(view_name=self.view_name, schema_name=self.schema_name)]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropViewChange(BeanChange):
    name: ClassVar[str] = "dropView"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "ifExists", "schemaName", "viewName")
    catalog_name: str | None = None
    schema_name: str | None = None
    view_name: str | None = None
    if_exists: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("viewName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        exists = "IF EXISTS " if self.if_exists else ""
        return [f"DROP VIEW {exists}{qualified(self.schema_name, self.view_name or '', dialect)}"]


@register
@dataclasses.dataclass(eq=False, repr=False)
class RenameViewChange(BeanChange):
    name: ClassVar[str] = "renameView"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "newViewName", "oldViewName", "schemaName")
    catalog_name: str | None = None
    schema_name: str | None = None
    old_view_name: str | None = None
    new_view_name: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return self.require("oldViewName", "newViewName")

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        """``RenameViewGenerator``: RENAME TABLE on MySQL, ALTER TABLE on PostgreSQL, RENAME elsewhere."""
        old = qualified(self.schema_name, self.old_view_name or "", dialect)
        if dialect in ("mysql", "mariadb"):
            return [f"RENAME TABLE {old} TO {qualified(self.schema_name, self.new_view_name or '', dialect)}"]
        if dialect == "postgresql":
            return [f"ALTER TABLE {old} RENAME TO {quote(self.new_view_name or '', dialect)}"]
        return [f"RENAME {old} TO {quote(self.new_view_name or '', dialect)}"]

    def inverse(self) -> list[Change]:
        return [RenameViewChange(old_view_name=self.new_view_name, new_view_name=self.old_view_name)]
