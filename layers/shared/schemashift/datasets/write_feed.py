"""Feed write batches to Lance while keeping our own errors intact.

Lance consumes a ``RecordBatchReader`` in Rust; an exception raised by the Python source comes
back as an ``OSError`` carrying only text. The feed remembers the original so the caller's
``ValidationFailed`` (with its row and column details) survives the trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

from schemashift.datasets.coerce import build_column
from schemashift.errors import ValidationFailed


class BatchFeed:
    """Projects batches onto ``schema`` (by column name), counts rows, captures source errors."""

    def __init__(self, batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> None:
        self.schema = schema
        self.rows = 0
        self._source = iter(batches)
        self._error: BaseException | None = None
        self._first = self._next_non_empty()

    def is_empty(self) -> bool:
        return self._first is None

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def raise_source_error(self) -> None:
        """Re-raise the source's own exception if that is what stopped Lance."""
        if self._error is not None:
            raise self._error

    def _batches(self) -> Iterator[pa.RecordBatch]:
        batch = self._first
        while batch is not None:
            yield batch
            batch = self._next_non_empty()

    def _next_non_empty(self) -> pa.RecordBatch | None:
        try:
            for batch in self._source:
                if batch.num_rows:
                    projected = self._project(batch)
                    self.rows += batch.num_rows
                    return projected
            return None
        except BaseException as exc:
            self._error = exc
            raise

    def _project(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        names = batch.schema.names
        arrays = []
        for field in self.schema:
            if field.name not in names:
                raise ValidationFailed(
                    f"Write batch lacks column {field.name!r}", details={"column": field.name, "columns": names}
                )
            arrays.append(
                build_column(
                    batch.column(field.name), field.type, nullable=field.nullable, column=field.name,
                    first_row=self.rows,
                )
            )
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
