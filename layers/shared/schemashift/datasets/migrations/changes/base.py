"""The shape every migration operation has, and the draft they are applied to.

Operations of one request are applied in order to a ``Draft``: the table schema as it will
be, where each column's data comes from, and which indexes exist. Each operation validates
itself against the draft left by the operations before it, so ``rename a -> b`` followed by
``drop_column b`` is fine and every problem of the request is reported at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from schemashift.datasets.catalog.schema import TableSchema
from schemashift.datasets.migrations.dataset_info import DatasetInfo
from schemashift.datasets.migrations.models import ComputedColumn, IndexImpact, IndexKind

TEMP_PREFIX = "__schemashift_"


class Params(BaseModel):
    """Base of every operation's ``params``: unknown keys are mistakes worth reporting."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


@dataclass(frozen=True)
class Existing:
    """Data already in the dataset under ``column`` (its name at the plan's read version)."""

    column: str


@dataclass(frozen=True)
class Computed:
    """Data each fragment task writes."""

    spec: ComputedColumn


@dataclass(frozen=True)
class AddedNull:
    """A new column with no data: every existing row reads NULL (a metadata-only change)."""


Source = Existing | Computed | AddedNull


@dataclass
class DraftIndex:
    name: str
    column: str
    kind: IndexKind
    index_type: str
    existing: bool
    needs_build: bool = False
    metric: str | None = None
    num_partitions: int | None = None
    num_sub_vectors: int | None = None


@dataclass
class Draft:
    schema: TableSchema
    sources: dict[str, Source]
    indexes: dict[str, DraftIndex]
    impacts: dict[str, IndexImpact] = field(default_factory=dict)
    added: set[str] = field(default_factory=set)  # current names of columns this migration adds
    _temp_names: int = 0

    @classmethod
    def start(cls, schema: TableSchema, info: DatasetInfo) -> Draft:
        indexes = {
            index.name: DraftIndex(index.name, index.column, index.kind, index.index_type, existing=True)
            for index in info.indexes
        }
        return cls(schema=schema, sources={name: Existing(name) for name in schema.names}, indexes=indexes)

    def temp_name(self) -> str:
        self._temp_names += 1
        return f"{TEMP_PREFIX}{self._temp_names}"

    def has_column(self, name: str) -> bool:
        return name in self.sources

    def clashing_column(self, name: str, *, ignoring: str | None = None) -> str | None:
        """An existing column whose name equals ``name`` ignoring case (CSV headers are matched so)."""
        folded = name.casefold()
        return next((c for c in self.sources if c.casefold() == folded and c != ignoring), None)

    def indexes_on(self, column: str) -> list[DraftIndex]:
        return [index for index in self.indexes.values() if index.column == column]

    def record_impact(self, index: DraftIndex, impact: str, reason: str) -> None:
        self.impacts[index.name] = IndexImpact(indexName=index.name, impact=impact, reason=reason)

    def drop_index(self, index: DraftIndex, reason: str) -> None:
        """Remove ``index``: one the table has is reported dropped, one this migration added is forgotten."""
        del self.indexes[index.name]
        if index.existing:
            self.record_impact(index, "drop", reason)
        else:
            self.impacts.pop(index.name, None)

    def null_count(self, column: str, info: DatasetInfo) -> int:
        """NULLs the column will hold once migrated, from data at the read version."""
        source = self.sources[column]
        if isinstance(source, AddedNull):
            return info.total_rows
        if isinstance(source, Computed):
            if source.spec.kind == "fill":
                return 0 if source.spec.default_value is not None else info.total_rows
            column = source.spec.source_column or column
        else:
            column = source.column
        return info.null_count(column)


class MigrationOperation(ABC):
    """One change of a migration request, Liquibase-change style: validate, then apply."""

    type: ClassVar[str]
    params_model: ClassVar[type[Params]]

    def __init__(self, params: Params) -> None:
        self.params = params

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> MigrationOperation:
        return cls(cls.params_model.model_validate(params))

    @property
    def requires_rewrite(self) -> bool:
        """Whether fragment tasks must write data for this operation."""
        return False

    @abstractmethod
    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        """Problems with applying this operation to ``draft`` (empty when it applies cleanly)."""

    @abstractmethod
    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        """The table schema after this operation (may raise pydantic's ValidationError)."""

    def apply(self, draft: Draft) -> None:
        """Apply to the whole draft: schema, column sources and index impacts."""
        draft.schema = self.apply_to_schema(draft.schema)
        self.apply_to_data(draft)

    def apply_to_data(self, draft: Draft) -> None:  # noqa: B027 - an optional hook, not abstract
        """Update column sources and indexes; schema-only operations keep the default."""


def replace_fields(schema: TableSchema, **changes: Any) -> TableSchema:
    """A validated copy of ``schema`` with top-level attributes replaced.

    Fields that are already ``TableField`` objects are not validated again (only the schema-wide
    rules run), so each operation of a long migration costs O(columns), not O(columns) validations."""
    data: dict[str, Any] = {"fields": list(schema.fields), "primaryKeyColumns": list(schema.primaryKeyColumns)}
    data.update(changes)
    return TableSchema.model_validate(data)
