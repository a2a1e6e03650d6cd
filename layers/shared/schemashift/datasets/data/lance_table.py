"""One dataset table's rows in a Lance dataset: create, write, query, versions, delete.

Every write is built as an uncommitted Lance transaction and then committed with the write's
idempotency key and result in the transaction properties. Building first means the data is
written once even when the commit must retry, and the stored result lets a retried request get
the original answer back without writing again. Lance commits by conditional put and rebases
compatible concurrent commits (appends, disjoint upserts), so concurrent writers all land.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import lance
import pyarrow as pa
from lance.fragment import write_fragments

from schemashift.datasets.catalog.schema import TableSchema, from_arrow, to_arrow
from schemashift.datasets.data.filters import QueryFilter, compile_filters
from schemashift.datasets.data.lance_errors import translate_lance_error
from schemashift.datasets.data.rows import WriteMode, check_mode
from schemashift.datasets.data.values import table_to_rows
from schemashift.datasets.data.write_feed import BatchFeed
from schemashift.errors import Conflict, NotFound, ValidationFailed

IDEMPOTENCY_KEY_PROPERTY = "schemashift.idempotency-key"
WRITE_RESULT_PROPERTY = "schemashift.write-result"
DEFAULT_IDEMPOTENCY_WINDOW = 16  # each version checked costs one small object read
DEFAULT_QUERY_LIMIT = 1_000
MAX_QUERY_LIMIT = 10_000
COMMIT_RETRIES = 20


@dataclasses.dataclass(frozen=True)
class WriteResult:
    """The ``POST .../rows`` response body (field names as the API spells them)."""

    rows_affected: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    dataset_version: int
    duration_ms: int
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class QueryResult:
    rows: list[dict[str, Any]]
    version: int
    hasMore: bool
    total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class VersionInfo:
    version: int
    timestamp: dt.datetime
    rowCount: int | None


class LanceTable:
    """The Lance dataset at ``uri`` (``s3://...`` with ``storage_options``, or a local path)."""

    def __init__(
        self,
        uri: str,
        storage_options: Mapping[str, str] | None = None,
        *,
        idempotency_window: int = DEFAULT_IDEMPOTENCY_WINDOW,
    ) -> None:
        self.uri = uri
        self.storage_options = dict(storage_options or {})
        self.idempotency_window = idempotency_window

    # --- lifecycle -----------------------------------------------------------------------

    def create(self, schema: TableSchema) -> int:
        """Create the empty dataset (version 1); ``Conflict`` if one already exists."""
        try:
            dataset = lance.write_dataset(
                to_arrow(schema).empty_table(), self.uri, mode="create", storage_options=self.storage_options
            )
        except (OSError, ValueError) as exc:
            if "already exists" in str(exc).lower():
                raise Conflict(f"A dataset already exists at {self.uri}", details={"uri": self.uri}) from None
            raise translate_lance_error(exc) from exc
        return dataset.version

    def delete(self) -> None:
        """Remove the dataset and all its versions; a missing dataset is not an error."""
        lance.LanceDataset.drop(self.uri, storage_options=self.storage_options, ignore_not_found=True)

    def dataset(self, version: int | None = None) -> lance.LanceDataset:
        """The Lance dataset at ``version`` (latest when None); ``NotFound`` if absent."""
        try:
            return lance.dataset(self.uri, version=version, storage_options=self.storage_options)
        except (OSError, ValueError) as exc:
            if "not found" in str(exc).lower() or "does not exist" in str(exc).lower():
                what = f"Version {version} of the table" if version is not None else "The table's dataset"
                raise NotFound(f"{what} was not found", details={"uri": self.uri, "version": version}) from None
            raise translate_lance_error(exc) from exc

    def table_schema(self, logical_order: Sequence[str] | None = None, version: int | None = None) -> TableSchema:
        return from_arrow(self.dataset(version).schema, logical_order)

    def versions(self) -> list[VersionInfo]:
        return [_version_info(entry) for entry in self.dataset().versions()]

    # --- writes --------------------------------------------------------------------------

    def write(
        self, mode: WriteMode, batches: Iterable[pa.RecordBatch], *, idempotency_key: str | None = None
    ) -> WriteResult:
        """Apply one write; errors raised by ``batches`` propagate unchanged and nothing is committed."""
        started = time.perf_counter()
        dataset = self.dataset()
        if idempotency_key:
            replay = self._find_replay(dataset, idempotency_key, mode, started)
            if replay is not None:
                return replay
        table_schema = from_arrow(dataset.schema)
        check_mode(table_schema, mode)
        keys = table_schema.primaryKeyColumns if mode in ("upsert", "delete") else ()
        feed = BatchFeed(batches, _write_schema(dataset.schema, table_schema, mode), key_columns=keys)
        if feed.is_empty():
            return WriteResult(
                0, 0, 0, 0, dataset.version, _elapsed_ms(started), ["the request contained no rows; nothing was written"]
            )
        try:
            transaction, counts = self._prepare(dataset, mode, feed, table_schema.primaryKeyColumns)
        except Exception as exc:
            feed.raise_source_error()
            raise translate_lance_error(exc) from exc
        feed.check_unique_keys()
        result = WriteResult(**counts, dataset_version=0, duration_ms=_elapsed_ms(started), warnings=[])
        properties = {WRITE_RESULT_PROPERTY: json.dumps({"mode": mode, **counts})}
        if idempotency_key:
            properties[IDEMPOTENCY_KEY_PROPERTY] = idempotency_key
        committed = self._commit(dataclasses.replace(transaction, transaction_properties=properties))
        return dataclasses.replace(result, dataset_version=committed.version, duration_ms=_elapsed_ms(started))

    def _prepare(
        self, dataset: lance.LanceDataset, mode: WriteMode, feed: BatchFeed, primary_key: list[str]
    ) -> tuple[Any, dict[str, int]]:
        """Write the data files and return the uncommitted transaction with the row counts."""
        if mode in ("append", "overwrite"):
            replaced = dataset.count_rows() if mode == "overwrite" else 0
            transaction = write_fragments(
                feed.reader(), dataset, mode=mode, return_transaction=True, storage_options=self.storage_options
            )
            return transaction, _counts(inserted=feed.rows, deleted=replaced, affected=feed.rows)
        builder = dataset.merge_insert(primary_key)
        if mode == "upsert":
            builder = builder.when_matched_update_all().when_not_matched_insert_all()
        else:
            builder = builder.when_matched_delete()
        transaction, stats = builder.execute_uncommitted(feed.reader())
        inserted, updated, deleted = (
            stats["num_inserted_rows"], stats["num_updated_rows"], stats["num_deleted_rows"]
        )
        return transaction, _counts(
            inserted=inserted, updated=updated, deleted=deleted, affected=inserted + updated + deleted
        )

    def _commit(self, transaction: Any) -> lance.LanceDataset:
        try:
            return lance.LanceDataset.commit(
                self.uri,
                transaction,
                read_version=transaction.read_version,
                storage_options=self.storage_options,
                max_retries=COMMIT_RETRIES,
            )
        except (OSError, ValueError, RuntimeError) as exc:
            raise translate_lance_error(exc) from exc

    def _find_replay(
        self, dataset: lance.LanceDataset, key: str, mode: str, started: float
    ) -> WriteResult | None:
        """The original result of a write with ``key`` among the recent versions, if any."""
        latest = dataset.version
        for version in range(latest, max(latest - self.idempotency_window, 0), -1):
            try:
                transaction = dataset.read_transaction(version)
            except (TypeError, ValueError, OSError, RuntimeError):
                # pylance cannot rebuild some transactions (a compaction that rewrote an index);
                # those are maintenance, never a write carrying an idempotency key.
                continue
            properties = (transaction.transaction_properties or {}) if transaction else {}
            if properties.get(IDEMPOTENCY_KEY_PROPERTY) != key:
                continue
            stored = json.loads(properties[WRITE_RESULT_PROPERTY])
            if stored.pop("mode") != mode:
                raise Conflict(
                    f"Idempotency key {key!r} was already used for a {mode!r} write",
                    details={"idempotency_key": key, "dataset_version": version},
                    code="IDEMPOTENCY_KEY_REUSED",
                )
            return WriteResult(
                **stored,
                dataset_version=version,
                duration_ms=_elapsed_ms(started),
                warnings=["idempotent replay: this key was already applied; returning the original result"],
            )
        return None

    # --- reads ---------------------------------------------------------------------------

    def query(
        self,
        columns: Sequence[str] | None = None,
        filters: Sequence[QueryFilter | Mapping[str, Any]] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        version: int | None = None,
        logical_order: Sequence[str] | None = None,
        *,
        include_total: bool = False,
    ) -> QueryResult:
        """Read rows (filters pushed down to Lance), columns in logical order, values JSON-safe."""
        limit = DEFAULT_QUERY_LIMIT if limit is None else limit
        offset = offset or 0
        if not 0 <= limit <= MAX_QUERY_LIMIT or offset < 0:
            raise ValidationFailed(
                f"limit must be within 0..{MAX_QUERY_LIMIT} and offset must not be negative",
                details={"limit": limit, "offset": offset},
            )
        dataset = self.dataset(version)
        output = _output_columns(dataset.schema.names, columns, logical_order)
        predicate = compile_filters(filters or [], dataset.schema)
        try:
            table = dataset.to_table(
                columns=output, filter=predicate, limit=limit + 1, offset=offset, scan_in_order=True
            )
            total = dataset.count_rows(filter=predicate) if include_total else None
        except (OSError, ValueError) as exc:
            raise translate_lance_error(exc) from exc
        return QueryResult(
            rows=table_to_rows(table.slice(0, limit), output),
            version=dataset.version,
            hasMore=table.num_rows > limit,
            total=total,
        )


def _write_schema(physical: pa.Schema, table_schema: TableSchema, mode: str) -> pa.Schema:
    """What each write batch must look like: the dataset's physical columns, or just its key."""
    if mode == "delete":
        return pa.schema([physical.field(name) for name in table_schema.primaryKeyColumns])
    return physical


def _output_columns(
    physical: list[str], columns: Sequence[str] | None, logical_order: Sequence[str] | None
) -> list[str]:
    # Time travel can reach versions with fewer columns than the current logical order lists.
    order = [name for name in logical_order or () if name in physical]
    order += [name for name in physical if name not in order]
    if columns is None:
        return order
    folded = {name.casefold(): name for name in physical}
    wanted = set()
    for requested in columns:
        name = requested if requested in physical else folded.get(requested.casefold())
        if name is None:
            raise ValidationFailed(f"Unknown column {requested!r}", details={"column": requested})
        wanted.add(name)
    if not wanted:
        raise ValidationFailed("columns must name at least one column", details={"columns": list(columns)})
    return [name for name in order if name in wanted]


def _counts(*, inserted: int = 0, updated: int = 0, deleted: int = 0, affected: int) -> dict[str, int]:
    return {
        "rows_affected": affected,
        "rows_inserted": inserted,
        "rows_updated": updated,
        "rows_deleted": deleted,
    }


def _version_info(entry: Mapping[str, Any]) -> VersionInfo:
    timestamp = entry["timestamp"]
    if timestamp.tzinfo is None:
        timestamp = timestamp.astimezone(dt.UTC)  # Lance reports local wall-clock time
    total_rows = (entry.get("metadata") or {}).get("total_rows")
    return VersionInfo(
        version=entry["version"], timestamp=timestamp, rowCount=int(total_rows) if total_rows else None
    )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

