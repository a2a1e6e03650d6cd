"""Index operations: scalar (btree, bitmap, label_list, inverted) and vector (IVF_PQ, IVF_HNSW_SQ).

They change no column: each records the index to build or drop, and the commit step builds
the new indexes against the committed data, then publishes all index changes in one commit.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pyarrow as pa
from pydantic import Field

from schemashift.datasets.catalog.schema import TableSchema
from schemashift.datasets.migrations.changes.base import Draft, DraftIndex, MigrationOperation, Params
from schemashift.datasets.migrations.changes.index_support import index_type_problem
from schemashift.datasets.migrations.dataset_info import DatasetInfo
from schemashift.datasets.migrations.models import IndexKind


class _IndexOperation(MigrationOperation):
    """An index operation: the schema stays as it is."""

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return schema


class _AddIndex(_IndexOperation):
    """A new index on one column, of a type that column's data type supports."""

    kind: ClassVar[IndexKind]
    params: AddScalarIndexParams | AddVectorIndexParams

    @property
    def index_name(self) -> str:
        return self.params.name or f"{self.params.column}_idx"

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        p = self.params
        if not draft.has_column(p.column):
            return [f"unknown column {p.column!r}"]
        problems = _new_index_problems(draft, self.index_name)
        data_type = draft.schema.field(p.column).data_type
        reason = index_type_problem(self.kind, p.indexType, data_type)
        if reason:
            return [*problems, f"column {p.column!r}: {reason}"]
        return problems + self.option_problems(data_type, info)

    def option_problems(self, data_type: pa.DataType, info: DatasetInfo) -> list[str]:
        """Problems with the index options, once the column is known to support the index type."""
        return []


class AddScalarIndexParams(Params):
    column: str
    indexType: Literal["btree", "bitmap", "label_list", "inverted"]
    name: str | None = None


class AddScalarIndex(_AddIndex):
    type = "add_scalar_index"
    kind = "scalar"
    params_model = AddScalarIndexParams
    params: AddScalarIndexParams

    def apply_to_data(self, draft: Draft) -> None:
        index = DraftIndex(
            self.index_name, self.params.column, "scalar", self.params.indexType, existing=False, needs_build=True
        )
        _add(draft, index, f"new {index.index_type} index on {index.column!r}")


class AddVectorIndexParams(Params):
    column: str
    metric: Literal["l2", "cosine", "dot"] = "l2"
    indexType: Literal["IVF_PQ", "IVF_HNSW_SQ"] = "IVF_PQ"
    name: str | None = None
    numPartitions: int | None = Field(default=None, ge=1)
    numSubVectors: int | None = Field(default=None, ge=1)


class AddVectorIndex(_AddIndex):
    type = "add_vector_index"
    kind = "vector"
    params_model = AddVectorIndexParams
    params: AddVectorIndexParams

    def option_problems(self, data_type: pa.DataType, info: DatasetInfo) -> list[str]:
        p = self.params
        problems = []
        if p.numSubVectors is not None:
            if p.indexType != "IVF_PQ":
                problems.append("numSubVectors applies to IVF_PQ only")
            elif data_type.list_size % p.numSubVectors:
                problems.append(f"numSubVectors {p.numSubVectors} must divide the dimension {data_type.list_size}")
        if info.total_rows == 0:
            problems.append("a vector index is trained on the data; the table has no rows")
        elif p.numPartitions is not None and p.numPartitions > info.total_rows:
            problems.append(f"numPartitions {p.numPartitions} exceeds the {info.total_rows} rows of the table")
        return problems

    def apply_to_data(self, draft: Draft) -> None:
        p = self.params
        index = DraftIndex(
            self.index_name,
            p.column,
            "vector",
            p.indexType,
            existing=False,
            needs_build=True,
            metric=p.metric,
            num_partitions=p.numPartitions,
            num_sub_vectors=p.numSubVectors,
        )
        _add(draft, index, f"new {p.indexType} index ({p.metric}) on {p.column!r}")


class DropIndexParams(Params):
    name: str


class _DropIndex(_IndexOperation):
    kind: ClassVar[IndexKind]
    params_model = DropIndexParams
    params: DropIndexParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        index = draft.indexes.get(self.params.name)
        if index is None:
            return [f"unknown index {self.params.name!r}"]
        if index.kind != self.kind:
            other = "drop_vector_index" if index.kind == "vector" else "drop_scalar_index"
            return [f"index {index.name!r} is a {index.kind} index; use {other}"]
        return []

    def apply_to_data(self, draft: Draft) -> None:
        draft.drop_index(draft.indexes[self.params.name], "dropped by this migration")


class DropScalarIndex(_DropIndex):
    type = "drop_scalar_index"
    kind = "scalar"


class DropVectorIndex(_DropIndex):
    type = "drop_vector_index"
    kind = "vector"


def _new_index_problems(draft: Draft, name: str) -> list[str]:
    if name in draft.indexes:
        return [f"index {name!r} already exists"]
    return []


def _add(draft: Draft, index: DraftIndex, reason: str) -> None:
    draft.indexes[index.name] = index
    draft.record_impact(index, "rebuild", reason)
