"""Step 1: validate a migration request against one Lance version and fix what each step does."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemashift.datasets.catalog.schema import TableSchema, from_arrow
from schemashift.datasets.migrations.changes import parse_operation
from schemashift.datasets.migrations.changes.base import AddedNull, Computed, Draft, DraftIndex, Existing
from schemashift.datasets.migrations.dataset_info import DatasetInfo
from schemashift.datasets.migrations.models import (
    ColumnSource,
    ComputedColumn,
    IndexBuild,
    IndexImpact,
    MigrationPlan,
)
from schemashift.errors import Conflict, ValidationFailed

DEFAULT_BATCH_ROWS = 65536

#: Rough single-process costs from ``bench/table_migrations.py`` (10M rows, 2 cores); an estimate only.
#: The vector figure is a guess: it depends on dimension and partitions far more than on rows.
_COMMIT_MS = 50
_REWRITE_NS_PER_ROW = {"fill": 15, "cast": 70, "copy": 70}
_INDEX_NS_PER_ROW = {"scalar": 200, "vector": 4000}

_ROWS_PER_PARTITION = 4096
_LANCE_INDEX_TYPES = {"btree": "BTREE", "bitmap": "BITMAP", "label_list": "LABEL_LIST", "inverted": "INVERTED"}


def plan_migration(
    uri: str,
    storage_options: dict[str, str] | None,
    schema: TableSchema,
    operations: list[dict[str, Any]],
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> MigrationPlan:
    """Validate ``operations`` against the latest version of the dataset at ``uri``.

    Every problem of the request is listed in ``validationErrors``; an invalid plan is
    returned, not raised, so ``POST .../migrations/plan`` can show it. ``schema`` is the
    table's current schema as the service records it and must describe the dataset.
    """
    info = DatasetInfo.open(uri, storage_options)
    _check_schema_describes_dataset(schema, info)
    draft = Draft.start(schema, info)
    problems: list[str] = []
    if not operations:
        problems.append("a migration needs at least one operation")
    for position, entry in enumerate(operations):
        operation, parse_problems = parse_operation(entry)
        label = f"operations[{position}]" + (f" ({entry['type']})" if operation else "")
        op_problems = parse_problems or operation.validate(draft, info)  # type: ignore[union-attr]
        if not op_problems:
            try:
                operation.apply(draft)  # type: ignore[union-attr]
            except (ValidationError, ValidationFailed) as exc:
                op_problems = _schema_messages(exc)
        problems += [f"{label}: {problem}" for problem in op_problems]

    plan = MigrationPlan(
        isValid=not problems,
        validationErrors=problems,
        uri=uri,
        storage_options=dict(storage_options or {}),
        read_version=info.version,
        base_schema=schema,
        operations=list(operations),
        total_rows=info.total_rows,
        batch_rows=batch_rows,
    )
    if problems:
        return plan
    _rewrite_columns_changing_nullability(draft, schema)
    computed = [source.spec for source in draft.sources.values() if isinstance(source, Computed)]
    builds = [
        _index_build(index, draft.schema, info.total_rows) for index in draft.indexes.values() if index.needs_build
    ]
    plan.new_schema = draft.schema
    plan.columns = [_column_source(name, draft.sources[name]) for name in draft.schema.names]
    plan.computed_columns = computed
    plan.requiresRewrite = bool(computed)
    plan.metadataOnly = not computed and not builds
    plan.fragment_ids = [f.fragment_id for f in info.fragments] if computed else []
    plan.index_builds = builds
    plan.index_drops = [
        index.name for index in info.indexes if index.name not in draft.indexes or draft.indexes[index.name].needs_build
    ]
    plan.indexImpacts = _impacts(draft, info)
    plan.estimatedDurationMs = _estimate_ms(info.total_rows, computed, builds)
    return plan


def _check_schema_describes_dataset(schema: TableSchema, info: DatasetInfo) -> None:
    try:
        actual = from_arrow(info.arrow_schema, schema.names)
    except ValidationFailed as exc:
        actual, detail = None, exc.details
    else:
        detail = {"dataset": actual.model_dump(), "table": schema.model_dump()}
    if actual != schema:
        raise Conflict(
            f"The table schema does not describe dataset version {info.version}",
            code="SCHEMA_MISMATCH",
            details=detail,
        )


def _rewrite_columns_changing_nullability(draft: Draft, base: TableSchema) -> None:
    """A Lance ``Merge`` keeps existing fields' nullability, so when the migration writes data
    (and so commits as a ``Merge``) a column whose nullability changes is copied to a new field."""
    if not any(isinstance(source, Computed) for source in draft.sources.values()):
        return
    for field in draft.schema.fields:
        source = draft.sources[field.name]
        if not isinstance(source, Existing) or base.field(source.column).nullable == field.nullable:
            continue
        draft.sources[field.name] = Computed(
            ComputedColumn(
                temp_name=draft.temp_name(),
                column=field.name,
                kind="copy",
                arrow_type=field.arrowType,
                source_column=source.column,
                required=not field.nullable,
            )
        )
        for index in draft.indexes_on(field.name):
            index.needs_build = True
            if index.existing:
                draft.record_impact(index, "rebuild", f"column {field.name!r} is rewritten to change nullability")


def _column_source(name: str, source: Existing | Computed | AddedNull) -> ColumnSource:
    if isinstance(source, Existing):
        return ColumnSource(name=name, kind="existing", source_column=source.column)
    if isinstance(source, Computed):
        return ColumnSource(name=name, kind="computed", temp_name=source.spec.temp_name)
    return ColumnSource(name=name, kind="added_null")


def _index_build(index: DraftIndex, schema: TableSchema, rows: int) -> IndexBuild:
    if index.kind == "scalar":
        return IndexBuild(
            name=index.name, column=index.column, kind="scalar", index_type=_LANCE_INDEX_TYPES[index.index_type]
        )
    # Lance needs both sizes for IVF builds; these defaults follow its guidance of a few
    # thousand rows per partition and PQ sub-vectors of 8 or 16 dimensions.
    dimension = schema.field(index.column).data_type.list_size
    sub_vectors = index.num_sub_vectors
    if index.index_type == "IVF_PQ" and sub_vectors is None:
        sub_vectors = dimension // 16 if dimension % 16 == 0 else dimension // 8 if dimension % 8 == 0 else 1
    return IndexBuild(
        name=index.name,
        column=index.column,
        kind="vector",
        index_type=index.index_type,
        metric=index.metric,
        num_partitions=index.num_partitions or max(1, min(256, rows // _ROWS_PER_PARTITION)),
        num_sub_vectors=sub_vectors,
    )


def _impacts(draft: Draft, info: DatasetInfo) -> list[IndexImpact]:
    impacts = dict(draft.impacts)
    for index in info.indexes:
        impacts.setdefault(index.name, IndexImpact(indexName=index.name, impact="none", reason="not affected"))
    return sorted(impacts.values(), key=lambda impact: impact.indexName)


def _estimate_ms(rows: int, computed: list[ComputedColumn], builds: list[IndexBuild]) -> int:
    work_ns = sum(rows * _REWRITE_NS_PER_ROW[column.kind] for column in computed)
    work_ns += sum(rows * _INDEX_NS_PER_ROW[build.kind] for build in builds)
    return _COMMIT_MS + work_ns // 1_000_000


def _schema_messages(exc: ValidationError | ValidationFailed) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [exc.message]
    return [error["msg"].removeprefix("Value error, ") for error in exc.errors()]
