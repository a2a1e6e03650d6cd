"""The JSON payloads passed between the plan, fragment and commit steps.

Step Functions hands these from one Lambda to the next, so they are plain pydantic models
that round-trip through ``model_dump(mode="json")`` / ``model_validate``. API-facing fields use
the Catalyzed spelling (``isValid``, ``indexImpacts``); step plumbing uses snake_case.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from schemashift.datasets.catalog.schema import TableSchema

IndexKind = Literal["scalar", "vector"]


class IndexImpact(BaseModel):
    """What the migration does to one index (``rebuild`` also covers an index it creates)."""

    indexName: str
    impact: Literal["none", "rebuild", "drop"]
    reason: str


class ComputedColumn(BaseModel):
    """A column whose values each fragment task writes, under a temporary name until the commit."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    temp_name: str
    column: str  # the column's name as the request refers to it (for error messages)
    kind: Literal["fill", "cast", "copy"]
    arrow_type: str
    source_column: str | None = None  # column name at the plan's read version (cast, copy)
    default_value: Any = None  # fill only
    required: bool = False  # copy/cast: fail on a NULL (the column becomes non-nullable)


class ColumnSource(BaseModel):
    """Where one column of the new schema gets its data (in the new schema's order)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    kind: Literal["existing", "computed", "added_null"]
    source_column: str | None = None  # existing: name at the read version
    temp_name: str | None = None  # computed


class IndexBuild(BaseModel):
    """An index to (re)build after the schema change is committed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    column: str  # name in the new schema
    kind: IndexKind
    index_type: str  # Lance spelling: BTREE, BITMAP, LABEL_LIST, INVERTED, IVF_PQ, IVF_HNSW_SQ
    metric: str | None = None
    num_partitions: int | None = None
    num_sub_vectors: int | None = None


class MigrationPlan(BaseModel):
    """Everything the fragment and commit steps need, fixed against one Lance version."""

    isValid: bool
    validationErrors: list[str] = Field(default_factory=list)
    requiresRewrite: bool = False
    metadataOnly: bool = True
    indexImpacts: list[IndexImpact] = Field(default_factory=list)
    estimatedDurationMs: int = 0
    new_schema: TableSchema | None = Field(default=None, alias="schema")  # None when invalid

    plan_id: str = Field(default_factory=lambda: uuid4().hex)  # marks its commits, so a retried commit is a no-op
    uri: str
    storage_options: dict[str, str] = Field(default_factory=dict)
    read_version: int
    base_schema: TableSchema
    operations: list[dict[str, Any]]
    total_rows: int = 0
    fragment_ids: list[int] = Field(default_factory=list)
    columns: list[ColumnSource] = Field(default_factory=list)
    computed_columns: list[ComputedColumn] = Field(default_factory=list)
    index_drops: list[str] = Field(default_factory=list)
    index_builds: list[IndexBuild] = Field(default_factory=list)
    batch_rows: int = 65536

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class FragmentResult(BaseModel):
    """One fragment's new metadata (its data files plus the computed columns' file)."""

    fragment_id: int
    fragment: dict[str, Any]  # FragmentMetadata.to_json()
    rows_processed: int
    new_field_ids: dict[str, list[int]]  # temp column name -> its Lance field ids, depth first
    new_files: list[str]  # data file paths (relative to data/) written for this result


class CommitResult(BaseModel):
    lance_version: int
    table_schema: TableSchema = Field(alias="schema")
    indexes: list[str] = Field(default_factory=list)  # index names after the migration
    attempts: int = 1  # Lance commits the schema change took (more when row writes raced it)

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
