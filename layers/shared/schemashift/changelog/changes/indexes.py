"""Index changes: createIndex (compiled by SQLAlchemy) and dropIndex."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from schemashift.changelog.changes.base import AddColumnConfig, BeanChange, ColumnConfig, register
from schemashift.changelog.changes.sqlbuild import compile_ddl, ident, qualified, quote
from schemashift.changelog.model import Change, DatabaseProbe, Dialect


@register
@dataclasses.dataclass(eq=False, repr=False)
class CreateIndexChange(BeanChange):
    name: ClassVar[str] = "createIndex"
    bean: ClassVar[tuple[str, ...]] = (
        "associatedWith", "catalogName", "clustered", "columns", "indexName", "schemaName", "tableName",
        "tablespace", "unique",
    )  # fmt: skip
    excluded: ClassVar[tuple[str, ...]] = ("associatedWith",)
    column_class: ClassVar[type[ColumnConfig]] = AddColumnConfig
    index_name: str | None = None
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    tablespace: str | None = None
    unique: bool | None = None
    associated_with: str | None = None
    clustered: bool | None = None
    columns: list[AddColumnConfig] = dataclasses.field(default_factory=list)

    def checksum_fields(self) -> dict[str, Any]:
        """Liquibase serializes index columns without their type, value and constraint settings."""
        fields = super().checksum_fields()
        fields["columns"] = [
            dataclasses.replace(
                column,
                type=None,
                auto_increment=None,
                constraints=None,
                default_value=None,
                value=None,
                start_with=None,
                increment_by=None,
                encoding=None,
                remarks=None,
            )
            for column in self.columns
        ]
        return fields

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName")
        if not self.columns:
            problems.append("columns is required for createIndex")
        if dialect in ("mysql", "mariadb", "sqlite") and not self.index_name:
            problems.append(f"indexName is required for createIndex on {dialect}")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        from sqlalchemy import Column, Index, MetaData, Table, literal_column
        from sqlalchemy.schema import CreateIndex

        table = Table(
            ident(self.table_name or "", dialect),
            MetaData(),
            *(Column(ident(c.name or "", dialect)) for c in self.columns if not c.computed),
            schema=ident(self.schema_name, dialect) if self.schema_name else None,
        )
        expressions: list[Any] = []
        for column in self.columns:
            expression: Any = literal_column(column.name or "") if column.computed else table.c[column.name or ""]
            expressions.append(expression.desc() if column.descending else expression)
        index = Index(ident(self.index_name or "", dialect), *expressions, unique=bool(self.unique))
        return [compile_ddl(CreateIndex(index), dialect)]

    def inverse(self) -> list[Change]:
        return [DropIndexChange(schema_name=self.schema_name, table_name=self.table_name, index_name=self.index_name)]


@register
@dataclasses.dataclass(eq=False, repr=False)
class DropIndexChange(BeanChange):
    name: ClassVar[str] = "dropIndex"
    bean: ClassVar[tuple[str, ...]] = ("catalogName", "indexName", "schemaName", "tableName")
    catalog_name: str | None = None
    schema_name: str | None = None
    index_name: str | None = None
    table_name: str | None = None
    associated_with: str | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("indexName")
        if dialect in ("mysql", "mariadb") and not self.table_name:
            problems.append(f"tableName is required for dropIndex on {dialect}")
        return problems

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        if dialect in ("mysql", "mariadb"):
            table = qualified(self.schema_name, self.table_name or "", dialect)
            return [f"DROP INDEX {quote(self.index_name or '', dialect)} ON {table}"]
        return [f"DROP INDEX {qualified(self.schema_name, self.index_name or '', dialect)}"]
