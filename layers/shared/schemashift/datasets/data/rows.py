"""Decode a ``POST .../rows`` body into Arrow record batches that conform to a table schema.

Bodies are streamed: at most ``batch_rows`` rows exist as Python objects at a time, so a large
upload costs one batch of memory, not the whole request. Column names match case-insensitively
(the schema forbids names that differ only in case). Unknown columns are rejected, missing
nullable columns are NULL, missing non-nullable columns are an error. In ``delete`` mode the
batches hold only the primary-key columns; JSON may give bare keys (``[1, 2]``), key tuples for
composite keys (``[[1, "eu"]]``) or key objects / full rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, Literal, get_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.ipc as pa_ipc
import pyarrow.parquet as pq

from schemashift.datasets.catalog.schema import TableField, TableSchema, to_arrow
from schemashift.datasets.data.coerce import build_column, row_error
from schemashift.datasets.data.json_stream import iter_json_array
from schemashift.errors import ValidationFailed

WriteMode = Literal["append", "upsert", "overwrite", "delete"]
WRITE_MODES: tuple[str, ...] = get_args(WriteMode)
DEFAULT_BATCH_ROWS = 65_536

JSON = "application/json"
CSV_TYPES = ("text/csv", "application/csv")
PARQUET_TYPES = ("application/parquet", "application/vnd.apache.parquet")
ARROW_STREAM = "application/vnd.apache.arrow.stream"
CONTENT_TYPES: tuple[str, ...] = (JSON, *CSV_TYPES, *PARQUET_TYPES, ARROW_STREAM)

Body = bytes | bytearray | memoryview | BinaryIO


def decode_rows(
    body: Body,
    content_type: str,
    schema: TableSchema,
    *,
    mode: WriteMode = "append",
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Yield batches with ``batch_schema(schema, mode)``; bad input raises ``ValidationFailed``.

    Errors surface while iterating, so a consumer that commits only at the end never stores a
    partial write.
    """
    check_mode(schema, mode)
    media_type = content_type.split(";", 1)[0].strip().lower()
    target = _target_fields(schema, mode)
    out_schema = batch_schema(schema, mode)
    if media_type == JSON:
        return _JsonRows(schema, target, out_schema, mode, batch_rows).batches(_as_stream(body))
    if media_type in CSV_TYPES:
        return _conform_batches(_csv_batches(body, batch_rows), schema, target, out_schema, from_text=True)
    if media_type in PARQUET_TYPES:
        return _conform_batches(_parquet_batches(body, batch_rows), schema, target, out_schema)
    if media_type == ARROW_STREAM:
        return _conform_batches(_ipc_batches(body, batch_rows), schema, target, out_schema)
    raise ValidationFailed(
        f"Unsupported content type {content_type!r}",
        details={"contentType": content_type, "supported": list(CONTENT_TYPES)},
        code="UNSUPPORTED_CONTENT_TYPE",
    )


def batch_schema(schema: TableSchema, mode: WriteMode) -> pa.Schema:
    """Schema of the decoded batches: every column in logical order, or only the key for delete."""
    arrow = to_arrow(schema)
    if mode == "delete":
        return pa.schema([arrow.field(name) for name in schema.primaryKeyColumns])
    return arrow


def check_mode(schema: TableSchema, mode: str) -> None:
    """Reject unknown modes and key-based modes on tables without a primary key."""
    if mode not in WRITE_MODES:
        raise ValidationFailed(
            f"Unknown write mode {mode!r}", details={"mode": mode, "supported": list(WRITE_MODES)}
        )
    if mode in ("upsert", "delete") and not schema.primaryKeyColumns:
        raise ValidationFailed(
            f"Write mode {mode!r} needs a primary key and this table has none",
            details={"mode": mode},
            code="PRIMARY_KEY_REQUIRED",
        )


def _target_fields(schema: TableSchema, mode: WriteMode) -> list[TableField]:
    if mode == "delete":
        return [schema.field(name) for name in schema.primaryKeyColumns]
    return list(schema.fields)


def _as_stream(body: Body) -> BinaryIO:
    if isinstance(body, bytes | bytearray | memoryview):
        return io.BytesIO(body)
    return body


def _as_arrow_input(body: Body) -> Any:
    if isinstance(body, bytes | bytearray | memoryview):
        return pa.BufferReader(pa.py_buffer(body))
    return body


def _rewind(body: Body) -> Any:
    if isinstance(body, bytes | bytearray | memoryview):
        return _as_arrow_input(body)
    body.seek(0)
    return body


# --- JSON --------------------------------------------------------------------------------


class _JsonRows:
    """Collects JSON elements into per-column value lists, one batch at a time."""

    def __init__(
        self, schema: TableSchema, target: list[TableField], out_schema: pa.Schema, mode: str, batch_rows: int
    ) -> None:
        self.target = target
        self.out_schema = out_schema
        self.batch_rows = batch_rows
        self.target_names = [field.name for field in target]
        self.exact_names = frozenset(self.target_names)
        self.known = {name.casefold(): name for name in schema.names}
        self.key_only = mode == "delete"

    def batches(self, stream: BinaryIO) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, Any]] = []
        first_row = 0
        exact_names = self.exact_names
        for index, element in enumerate(iter_json_array(stream)):
            if type(element) is dict and element.keys() <= exact_names:
                rows.append(element)
            else:
                rows.append(self._normalise(element, index))
            if len(rows) == self.batch_rows:
                yield self._build(rows, first_row)
                first_row = index + 1
                rows = []
        if rows:
            yield self._build(rows, first_row)

    def _normalise(self, element: Any, index: int) -> dict[str, Any]:
        """Slow path: case-insensitive names, unknown or repeated columns, bare keys for delete."""
        if isinstance(element, dict):
            row: dict[str, Any] = {}
            for key, value in element.items():
                name = self.known.get(key.casefold())
                if name is None:
                    raise row_error(index, key, value, "unknown column")
                if name in row:
                    raise row_error(index, key, value, f"column {name!r} given twice")
                row[name] = value
            return row
        if not self.key_only:
            raise row_error(index, "*", element, "each row must be a JSON object")
        key = element if isinstance(element, list) else [element]
        if len(key) != len(self.target_names):
            raise row_error(
                index, ",".join(self.target_names), element,
                f"a key needs {len(self.target_names)} value(s) in primary key order",
            )
        return dict(zip(self.target_names, key, strict=True))

    def _build(self, rows: list[dict[str, Any]], first_row: int) -> pa.RecordBatch:
        arrays = [
            build_column(
                [row.get(field.name) for row in rows], field.data_type, nullable=field.nullable,
                column=field.name, first_row=first_row,
            )
            for field in self.target
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=self.out_schema)


# --- Arrow-backed formats (CSV, Parquet, Arrow IPC) ---------------------------------------------


def _csv_batches(body: Body, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """CSV read entirely as text so that our coercion rules, not Arrow's inference, apply."""
    header = pa_csv.open_csv(_as_arrow_input(body)).schema.names
    reader = pa_csv.open_csv(
        _rewind(body),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    for batch in reader:
        yield from _slices(batch, batch_rows)


def _parquet_batches(body: Body, batch_rows: int) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(_as_arrow_input(body)).iter_batches(batch_size=batch_rows)


def _ipc_batches(body: Body, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for batch in pa_ipc.open_stream(_as_arrow_input(body)):
        yield from _slices(batch, batch_rows)


def _slices(batch: pa.RecordBatch, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, batch_rows):
        yield batch.slice(start, batch_rows)


def _conform_batches(
    source: Iterator[pa.RecordBatch],
    schema: TableSchema,
    target: list[TableField],
    out_schema: pa.Schema,
    *,
    from_text: bool = False,
) -> Iterator[pa.RecordBatch]:
    first_row = 0
    positions: list[int | None] | None = None
    try:
        for batch in source:
            if positions is None:
                positions = match_columns(batch.schema.names, schema, target)
            arrays = [
                _conform_column(batch, position, field, first_row, from_text)
                for field, position in zip(target, positions, strict=True)
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=out_schema)
            first_row += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        # Malformed files (bad CSV quoting, truncated Parquet) surface from the readers themselves.
        raise ValidationFailed(f"Unreadable body: {exc}", details={"row": first_row, "reason": str(exc)}) from None
    except UnicodeDecodeError:
        # A CSV header that is not UTF-8 (pyarrow decodes column names in Python); uploads reach here
        # without the API's own UTF-8 check.
        raise ValidationFailed("Unreadable body: the CSV header is not UTF-8 text",
                               details={"row": first_row, "reason": "not UTF-8"}) from None


def match_columns(source_names: Sequence[str], schema: TableSchema, target: list[TableField]) -> list[int | None]:
    """For each target field, the index of its source column (None when absent and nullable)."""
    known = {name.casefold(): name for name in schema.names}
    found: dict[str, int] = {}
    for index, source_name in enumerate(source_names):
        name = known.get(source_name.casefold())
        if name is None:
            raise row_error(None, source_name, None, "unknown column")
        if name in found:
            raise row_error(None, source_name, None, f"column {name!r} given twice")
        found[name] = index
    positions: list[int | None] = []
    for field in target:
        position = found.get(field.name)
        if position is None and not field.nullable:
            raise row_error(None, field.name, None, "missing non-nullable column")
        positions.append(position)
    return positions


def _conform_column(
    batch: pa.RecordBatch, position: int | None, field: TableField, first_row: int, from_text: bool
) -> pa.Array:
    data_type = field.data_type
    if position is None:
        return pa.nulls(batch.num_rows, type=data_type)
    values = batch.column(position)
    if from_text and field.nullable and _is_text_type(data_type):
        # CSV has no other way to say NULL for a text column than an empty field.
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
    return build_column(values, data_type, nullable=field.nullable, column=field.name, first_row=first_row)


def _is_text_type(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)
