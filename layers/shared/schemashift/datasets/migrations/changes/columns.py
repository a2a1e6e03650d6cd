"""Column operations: add, drop, rename, change type, change nullability."""

from __future__ import annotations

from typing import Any

from schemashift.datasets.catalog.arrow_types import normalize_arrow_type, parse_arrow_type
from schemashift.datasets.catalog.schema import TableField, TableSchema, primary_key_type_problem
from schemashift.datasets.migrations.changes.base import (
    TEMP_PREFIX,
    AddedNull,
    Computed,
    Draft,
    Existing,
    MigrationOperation,
    Params,
    replace_fields,
)
from schemashift.datasets.migrations.changes.index_support import index_type_problem
from schemashift.datasets.migrations.dataset_info import DatasetInfo
from schemashift.datasets.migrations.models import ComputedColumn
from schemashift.datasets.migrations.values import cast_problem, default_scalar
from schemashift.errors import ValidationFailed


class AddColumnParams(Params):
    name: str
    dataType: str
    nullable: bool
    position: int | None = None
    defaultValue: Any = None


class AddColumn(MigrationOperation):
    """New column; existing rows get ``defaultValue`` (written per fragment) or NULL (metadata only)."""

    type = "add_column"
    params_model = AddColumnParams
    params: AddColumnParams

    @property
    def requires_rewrite(self) -> bool:
        return self.params.defaultValue is not None

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        p = self.params
        problems = _new_name_problems(draft, p.name)
        problems += _type_problems(p.dataType)
        if not p.nullable and p.defaultValue is None:
            problems.append(f"non-nullable column {p.name!r} needs a defaultValue for the existing rows")
        if p.defaultValue is not None and not _type_problems(p.dataType):
            try:
                default_scalar(p.defaultValue, parse_arrow_type(p.dataType))
            except ValueError as exc:
                problems.append(f"defaultValue {p.defaultValue!r} is not a valid {p.dataType}: {exc}")
        if p.position is not None and not 0 <= p.position <= len(draft.schema.fields):
            problems.append(f"position {p.position} is outside 0..{len(draft.schema.fields)}")
        return problems

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        p = self.params
        field = TableField(name=p.name, arrowType=p.dataType, nullable=p.nullable)
        fields = list(schema.fields)
        fields.insert(len(fields) if p.position is None else p.position, field)
        return replace_fields(schema, fields=fields)

    def apply_to_data(self, draft: Draft) -> None:
        p = self.params
        draft.added.add(p.name)
        if p.defaultValue is None:
            draft.sources[p.name] = AddedNull()
            return
        spec = ComputedColumn(
            temp_name=draft.temp_name(),
            column=p.name,
            kind="fill",
            arrow_type=normalize_arrow_type(p.dataType),
            default_value=p.defaultValue,
        )
        draft.sources[p.name] = Computed(spec)


class DropColumnParams(Params):
    name: str


class DropColumn(MigrationOperation):
    """Remove a column from the schema; its data files stay until compaction (metadata only)."""

    type = "drop_column"
    params_model = DropColumnParams
    params: DropColumnParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        name = self.params.name
        if not draft.has_column(name):
            return [f"unknown column {name!r}"]
        if name in draft.schema.primaryKeyColumns:
            return [f"column {name!r} is part of the primary key; drop or change the primary key first"]
        return []

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return replace_fields(schema, fields=[f for f in schema.fields if f.name != self.params.name])

    def apply_to_data(self, draft: Draft) -> None:
        name = self.params.name
        del draft.sources[name]
        draft.added.discard(name)
        for index in draft.indexes_on(name):
            draft.drop_index(index, f"column {name!r} is dropped")


class RenameColumnParams(Params):
    oldName: str
    newName: str


class RenameColumn(MigrationOperation):
    """Rename in place: data and indexes follow the column (metadata only)."""

    type = "rename_column"
    params_model = RenameColumnParams
    params: RenameColumnParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        old, new = self.params.oldName, self.params.newName
        if not draft.has_column(old):
            return [f"unknown column {old!r}"]
        return _new_name_problems(draft, new, ignoring=old)

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        old, new = self.params.oldName, self.params.newName
        keys = [new if c == old else c for c in schema.primaryKeyColumns]
        return _update_field(schema, old, {"name": new}, primaryKeyColumns=keys)

    def apply_to_data(self, draft: Draft) -> None:
        old, new = self.params.oldName, self.params.newName
        draft.sources = {(new if name == old else name): source for name, source in draft.sources.items()}
        if old in draft.added:
            draft.added.remove(old)
            draft.added.add(new)
        for index in draft.indexes_on(old):
            index.column = new
            if index.existing and index.name not in draft.impacts:
                draft.record_impact(index, "none", f"follows the renamed column {new!r}")


class ChangeColumnTypeParams(Params):
    name: str
    newType: str
    oldType: str | None = None


class ChangeColumnType(MigrationOperation):
    """Cast every value (fragment by fragment); one value that does not convert fails the migration."""

    type = "change_column_type"
    params_model = ChangeColumnTypeParams
    params: ChangeColumnTypeParams

    @property
    def requires_rewrite(self) -> bool:
        return True

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        p = self.params
        if not draft.has_column(p.name):
            return [f"unknown column {p.name!r}"]
        if p.name in draft.added:
            return [f"column {p.name!r} is added by this migration; give add_column the type instead"]
        problems = _type_problems(p.newType)
        current = draft.schema.field(p.name).arrowType
        if p.oldType is not None:
            old_problems = _type_problems(p.oldType)
            problems += old_problems
            if not old_problems and normalize_arrow_type(p.oldType) != current:
                problems.append(f"column {p.name!r} has type {current}, not {normalize_arrow_type(p.oldType)}")
        if problems:
            return problems
        target = parse_arrow_type(p.newType)
        reason = cast_problem(parse_arrow_type(current), target)
        if reason:
            return [f"cannot change column {p.name!r} from {current} to {normalize_arrow_type(p.newType)}: {reason}"]
        if p.name in draft.schema.primaryKeyColumns:
            key_problem = primary_key_type_problem(p.newType)
            if key_problem:
                problems.append(f"primary key column {p.name!r} {key_problem}")
        for index in draft.indexes_on(p.name):
            if not index.existing and index_type_problem(index.kind, index.index_type, target):
                problems.append(f"index {index.name!r} added earlier in this migration does not support {p.newType}")
        return problems

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return _update_field(schema, self.params.name, {"arrowType": normalize_arrow_type(self.params.newType)})

    def apply_to_data(self, draft: Draft) -> None:
        p = self.params
        source = draft.sources[p.name]
        # Two casts of one column in one request collapse into one cast from the stored data.
        origin = source.column if isinstance(source, Existing) else source.spec.source_column  # type: ignore[union-attr]
        spec = ComputedColumn(
            temp_name=draft.temp_name(),
            column=p.name,
            kind="cast",
            arrow_type=normalize_arrow_type(p.newType),
            source_column=origin,
        )
        draft.sources[p.name] = Computed(spec)
        target = parse_arrow_type(p.newType)
        for index in draft.indexes_on(p.name):
            if index.kind == "scalar" and not index_type_problem(index.kind, index.index_type, target):
                index.needs_build = True
                if index.existing:
                    draft.record_impact(index, "rebuild", f"column {p.name!r} changes type to {spec.arrow_type}")
            else:
                del draft.indexes[index.name]
                draft.record_impact(
                    index, "drop", f"a {index.index_type} index cannot follow {p.name!r} to {spec.arrow_type}"
                )


class AlterColumnNullabilityParams(Params):
    name: str
    nullable: bool


class AlterColumnNullability(MigrationOperation):
    """Allow or forbid NULLs; forbidding them needs a column that holds none."""

    type = "alter_column_nullability"
    params_model = AlterColumnNullabilityParams
    params: AlterColumnNullabilityParams

    def validate(self, draft: Draft, info: DatasetInfo) -> list[str]:
        p = self.params
        if not draft.has_column(p.name):
            return [f"unknown column {p.name!r}"]
        if p.nullable and p.name in draft.schema.primaryKeyColumns:
            return [f"primary key column {p.name!r} must stay non-nullable; drop the primary key first"]
        if not p.nullable and draft.schema.field(p.name).nullable:
            nulls = draft.null_count(p.name, info)
            if nulls:
                return [f"column {p.name!r} holds {nulls} NULL value(s); it cannot become non-nullable"]
        return []

    def apply_to_schema(self, schema: TableSchema) -> TableSchema:
        return _update_field(schema, self.params.name, {"nullable": self.params.nullable})


def _update_field(schema: TableSchema, name: str, update: dict[str, Any], **changes: Any) -> TableSchema:
    """``schema`` with ``update`` applied to the field ``name`` (and ``changes`` to the schema)."""
    fields = [TableField.model_validate({**f.model_dump(), **update}) if f.name == name else f for f in schema.fields]
    return replace_fields(schema, fields=fields, **changes)


def _new_name_problems(draft: Draft, name: str, *, ignoring: str | None = None) -> list[str]:
    if name.startswith(TEMP_PREFIX):
        return [f"column names starting with {TEMP_PREFIX!r} are reserved"]
    clash = draft.clashing_column(name, ignoring=ignoring)
    if clash is not None:
        return [f"column {clash!r} already exists" + ("" if clash == name else f" (names ignore case: {name!r})")]
    return []


def _type_problems(type_name: str) -> list[str]:
    try:
        parse_arrow_type(type_name)
    except ValidationFailed as exc:
        return [exc.message]
    return []
