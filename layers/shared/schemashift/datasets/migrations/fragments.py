"""Step 2: write one fragment's computed columns, streaming Arrow batches.

``LanceFragment.merge_columns`` reads the source columns batch by batch, calls our transform
and writes the results as one new data file of the fragment, so memory stays at one batch.
Nothing is visible until the commit step; when the transform raises, Lance removes the
partly written file itself.
"""

from __future__ import annotations

from collections.abc import Callable

import lance
import pyarrow as pa
import pyarrow.compute as pc
from lance.udf import BatchUDF

from schemashift.datasets.catalog.arrow_types import parse_arrow_type
from schemashift.datasets.errors import MigrationCancelled, MigrationFailed
from schemashift.datasets.migrations.lance_schema import field_ids
from schemashift.datasets.migrations.models import ComputedColumn, FragmentResult, MigrationPlan
from schemashift.datasets.migrations.values import BadValue, checked_cast, default_scalar, fill_array
from schemashift.errors import ValidationFailed

_ROW_ADDRESS = "_rowaddr"


def run_fragment(
    plan: MigrationPlan,
    fragment_id: int,
    *,
    on_rows: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    storage_options: dict[str, str] | None = None,
) -> FragmentResult:
    """Compute ``fragment_id``'s new columns at the plan's read version (one Map item)."""
    require_valid(plan)
    if fragment_id not in plan.fragment_ids:
        raise ValidationFailed(f"Fragment {fragment_id} has no work in this plan", details={"fragmentId": fragment_id})
    options = storage_options if storage_options is not None else plan.storage_options
    dataset = lance.dataset(plan.uri, version=plan.read_version, storage_options=options or None)
    return compute_fragment(dataset, plan, fragment_id, on_rows=on_rows, should_cancel=should_cancel)


def compute_fragment(
    dataset: lance.LanceDataset,
    plan: MigrationPlan,
    fragment_id: int,
    *,
    on_rows: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> FragmentResult:
    """The work of ``run_fragment`` on an already opened version (the commit step reuses it)."""
    fragment = dataset.get_fragment(fragment_id)
    if fragment is None:
        raise MigrationFailed(f"Fragment {fragment_id} no longer exists", code="FRAGMENT_MISSING")
    transform = FragmentTransform(plan.computed_columns, on_rows=on_rows, should_cancel=should_cancel)
    existing_files = {data_file.path for data_file in fragment.metadata.data_files()}
    try:
        metadata, schema = fragment.merge_columns(
            BatchUDF(transform, output_schema=transform.output_schema),
            columns=transform.read_columns,
            batch_size=plan.batch_rows,
        )
    except Exception as exc:
        if transform.failure is not None:
            transform.failure.details = {**(transform.failure.details or {}), "fragmentId": fragment_id}
            raise transform.failure from None
        raise MigrationFailed(
            f"Fragment {fragment_id} could not be rewritten: {exc}", details={"fragmentId": fragment_id}
        ) from exc
    ids = field_ids(schema)
    return FragmentResult(
        fragment_id=fragment_id,
        fragment=metadata.to_json(),
        rows_processed=transform.rows,
        new_field_ids={column.temp_name: ids[column.temp_name] for column in plan.computed_columns},
        new_files=[f.path for f in metadata.data_files() if f.path not in existing_files],
    )


class FragmentTransform:
    """Batch in, computed columns out; remembers the domain error Lance would otherwise wrap."""

    def __init__(
        self,
        columns: list[ComputedColumn],
        *,
        on_rows: Callable[[int], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> None:
        self.columns = columns
        self.on_rows = on_rows
        self.should_cancel = should_cancel
        self.rows = 0
        self.failure: MigrationFailed | None = None
        self.types = {c.temp_name: parse_arrow_type(c.arrow_type) for c in columns}
        self.defaults = {
            c.temp_name: default_scalar(c.default_value, self.types[c.temp_name]) for c in columns if c.kind == "fill"
        }
        self.output_schema = pa.schema([pa.field(c.temp_name, self.types[c.temp_name]) for c in columns])
        sources = sorted({c.source_column for c in columns if c.source_column is not None})
        # Row addresses only locate a bad value for the error message; fills read nothing at all.
        self.read_columns = [*sources, _ROW_ADDRESS] if sources else []

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if self.should_cancel is not None and self.should_cancel():
            self.failure = MigrationCancelled("The migration was cancelled")
            raise self.failure
        try:
            arrays = [self._compute(column, batch) for column in self.columns]
        except MigrationFailed as exc:
            self.failure = exc
            raise
        self.rows += batch.num_rows
        if self.on_rows is not None:
            self.on_rows(batch.num_rows)
        return pa.RecordBatch.from_arrays(arrays, schema=self.output_schema)

    def _compute(self, column: ComputedColumn, batch: pa.RecordBatch) -> pa.Array:
        if column.kind == "fill":
            return fill_array(self.defaults[column.temp_name], batch.num_rows)
        values = batch.column(column.source_column)
        if column.kind == "cast":
            try:
                values = checked_cast(values, self.types[column.temp_name])
            except BadValue as bad:
                raise self._bad_value(column, batch, bad.index, bad.value, bad.reason) from None
        if column.required and values.null_count:
            index = pc.index(pc.is_null(values), True).as_py()
            raise self._bad_value(column, batch, index, None, "NULL value in a column that becomes non-nullable")
        return values

    def _bad_value(
        self, column: ComputedColumn, batch: pa.RecordBatch, index: int, value: object, reason: str
    ) -> MigrationFailed:
        address = batch.column(_ROW_ADDRESS)[index].as_py()
        code = "CAST_FAILED" if column.kind == "cast" else "NULL_VALUE"
        return MigrationFailed(
            f"Column {column.column!r}: value {value!r} at row offset {address & 0xFFFFFFFF} of fragment "
            f"{address >> 32} cannot become {column.arrow_type}: {reason}",
            code=code,
            details={
                "column": column.column,
                "row": {"fragmentId": address >> 32, "offset": address & 0xFFFFFFFF},
                "value": _jsonable(value),
                "targetType": column.arrow_type,
                "reason": reason,
            },
        )


def require_valid(plan: MigrationPlan) -> None:
    if not plan.isValid:
        raise ValidationFailed("The migration plan is not valid", details=plan.validationErrors)


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
