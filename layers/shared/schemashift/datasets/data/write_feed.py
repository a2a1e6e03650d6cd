"""Feed write batches to Lance while keeping our own errors intact.

Lance consumes a ``RecordBatchReader`` in Rust; an exception raised by the Python source comes
back as an ``OSError`` carrying only text. The feed remembers the original so the caller's
``ValidationFailed`` (with its row and column details) survives the trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from schemashift.datasets.data.coerce import build_column
from schemashift.errors import ValidationFailed


class BatchFeed:
    """Projects batches onto ``schema`` (by column name), counts rows, captures source errors.

    With ``key_columns`` it also keeps the key values it has seen (a few bytes per row) so that
    a request naming one key twice can be refused before commit; Lance would otherwise insert
    both rows, or reject the request only when the key already exists.
    """

    def __init__(
        self, batches: Iterable[pa.RecordBatch], schema: pa.Schema, *, key_columns: Sequence[str] = ()
    ) -> None:
        self.schema = schema
        self.rows = 0
        self._key_columns = list(key_columns)
        self._keys: list[pa.RecordBatch] = []
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

    def check_unique_keys(self) -> None:
        """Raise ``ValidationFailed`` naming the first key that the consumed batches repeat."""
        if not self._key_columns or not self._keys:
            return
        counts = pa.Table.from_batches(self._keys).group_by(self._key_columns).aggregate([([], "count_all")])
        repeated = counts.filter(pc.field("count_all") > 1)
        if repeated.num_rows:
            key = {name: repeated.column(name)[0].as_py() for name in self._key_columns}
            raise ValidationFailed(
                f"The request holds more than one row for primary key {key}",
                details={"key": key, "rows": repeated.column("count_all")[0].as_py()},
                code="DUPLICATE_PRIMARY_KEY",
            )

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
                    if self._key_columns:
                        self._keys.append(projected.select(self._key_columns))
                    return projected
            return None
        except BaseException as exc:
            self._error = exc
            raise

    def _project(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        names = batch.schema.names
        arrays = []
        for field in self.schema:
            if field.name in names:
                values = batch.column(field.name)
            elif field.nullable:
                values = pa.nulls(batch.num_rows, field.type)
            else:
                raise ValidationFailed(
                    f"Write batch lacks column {field.name!r}", details={"column": field.name, "columns": names}
                )
            arrays.append(
                build_column(values, field.type, nullable=field.nullable, column=field.name, first_row=self.rows)
            )
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
