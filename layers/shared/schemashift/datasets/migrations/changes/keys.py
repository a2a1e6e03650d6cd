"""Primary key operations. Lance keeps the key as unenforced field metadata (metadata only)."""

from __future__ import annotations

from pydantic import Field

from schemashift.datasets.catalog.schema import TableSchema, primary_key_type_problem
from schemashift.datasets.migrations.changes.base import Draft, Existing, MigrationOperation, Params, replace_fields
from schemashift.datasets.migrations.dataset_info import DatasetInfo


class SetPrimaryKeyParams(Params):
    columns: list[str] = Field(min_length=1)
    enforced: bool = False


class SetPrimaryKey(MigrationOperation):
    """Declare the key ``upsert`` and ``delete`` match on; ``enforced`` first proves it unique."""

    type = "set_primary_key"
    params_model = SetPrimaryKeyParams
    params: SetPrimaryKeyParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        columns = self.params.columns
        if len(set(columns)) != len(columns):
            return ["primary key columns must not repeat"]
        unknown = [c for c in columns if not draft.has_column(c)]
        if unknown:
            return [f"unknown column {c!r}" for c in unknown]
        problems = []
        for column in columns:
            field = draft.schema.field(column)
            if field.nullable:
                problems.append(f"column {column!r} is nullable; make it non-nullable first (alter_column_nullability)")
            reason = primary_key_type_problem(field.arrowType)
            if reason:
                problems.append(f"column {column!r} {reason}")
        if problems or not self.params.enforced:
            return problems
        sources = [draft.sources[c] for c in columns]
        if not all(isinstance(s, Existing) for s in sources):
            return ["an enforced key cannot include a column this migration adds or converts; set it afterwards"]
        duplicate = info.duplicate_key([s.column for s in sources])  # type: ignore[union-attr]
        if duplicate is not None:
            count = duplicate.pop("n")
            key = dict(zip(columns, duplicate.values(), strict=True))
            return [f"primary key values are not unique: {key} occurs {count} times"]
        return []

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return replace_fields(schema, primaryKeyColumns=list(self.params.columns))


class DropPrimaryKeyParams(Params):
    pass


class DropPrimaryKey(MigrationOperation):
    type = "drop_primary_key"
    params_model = DropPrimaryKeyParams
    params: DropPrimaryKeyParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        return [] if draft.schema.primaryKeyColumns else ["the table has no primary key"]

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return replace_fields(schema, primaryKeyColumns=[])
