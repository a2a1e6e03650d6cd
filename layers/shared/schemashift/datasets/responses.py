"""Response shapes of the dataset and dataset-table routes (Catalyzed field names; ISO-8601 times)."""

from typing import Any, Literal

from pydantic import Field

from schemashift.api.models import Out


class Dataset(Out):
    datasetId: str
    org: str
    """The org/project the dataset and its tables belong to (API key scopes)."""
    project: str
    name: str
    description: str | None
    createdAt: str
    updatedAt: str
    tableCount: int


class DatasetList(Out):
    datasets: list[Dataset]
    nextCursor: str | None


class Column(Out):
    """One column: an Apache Arrow type in its text form (``int64``, ``list<string>``, ...)."""

    model_config = {"extra": "allow"}

    name: str
    arrowType: str
    nullable: bool
    metadata: dict[str, Any] | None = None


class TableSummary(Out):
    """What ``POST /dataset-tables`` answers with."""

    tableId: str
    datasetId: str
    tableName: str
    description: str | None
    createdAt: str
    updatedAt: str


class Table(TableSummary):
    fields: list[Column]
    primaryKeyColumns: list[str]
    schemaVersionId: str
    versionNumber: int


class TableList(Out):
    tables: list[Table]
    nextCursor: str | None


class SchemaVersion(Out):
    schemaVersionId: str
    versionNumber: int
    arrowSchema: str
    fields: list[Column]
    primaryKeyColumns: list[str]
    appliedAt: str
    lanceVersion: int
    description: str | None
    operationId: str | None


class SchemaVersionList(Out):
    versions: list[SchemaVersion]
    nextCursor: str | None


class IndexImpact(Out):
    indexName: str
    impact: Literal["none", "rebuild", "drop"]
    reason: str


class MigrationPlan(Out):
    """``POST .../migrations/plan``: what the migration would do, without doing it."""

    isValid: bool
    validationErrors: list[str]
    requiresRewrite: bool
    indexImpacts: list[IndexImpact]
    estimatedDurationMs: int


class WriteResult(Out):
    rows_affected: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    dataset_version: int
    duration_ms: int
    warnings: list[str]


class QueryResult(Out):
    rows: list[dict[str, Any]]
    version: int
    hasMore: bool
    total: int | None = None


class Upload(Out):
    uploadId: str
    uploadUrl: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expiresAt: str = Field(description="ISO-8601; the URL stops working then")
    maxBytes: int
