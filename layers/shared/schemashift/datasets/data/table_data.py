"""The routes that touch table data: create a table, write rows, query rows.

Each joins the catalog (who owns the table, its logical schema) with the table's Lance dataset
(``LanceTable``). This module imports pyarrow and Lance, so only the container-image functions
load it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from schemashift.datasets.catalog.fence import FENCE_SECONDS, wait_for_fence
from schemashift.datasets.catalog.records import Table
from schemashift.datasets.catalog.schema import TableSchema, arrow_schema_text, build_schema
from schemashift.datasets.catalog.store import Catalog, NewSchema
from schemashift.datasets.data.lance_table import LanceTable
from schemashift.datasets.data.rows import Body, WriteMode, decode_rows
from schemashift.datasets.data.storage import DataBucket
from schemashift.datasets.data.uploads import discard_upload, open_upload
from schemashift.datasets.errors import WriteConflict
from schemashift.datasets.requests import CreateTable, QueryRows
from schemashift.datasets.responses import QueryResult, WriteResult
from schemashift.errors import ValidationFailed
from schemashift.idempotency import run_once
from schemashift.ids import new_id
from schemashift.observability import logger

WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class RowsRequest:
    """``POST .../rows``: the rows come inline (``body``) or from a finished upload (``upload_id``)."""

    mode: str | None
    body: Body | None = None
    content_type: str | None = None
    upload_id: str | None = None
    idempotency_key: str | None = None

    def checked_mode(self) -> WriteMode:
        if not self.mode:
            raise ValidationFailed(
                "query parameter 'mode' is required (append, upsert, overwrite or delete)",
                details={"field": "mode"},
            )
        if (self.body is None) == (self.upload_id is None):
            raise ValidationFailed(
                "send the rows as the request body or name an upload_id, not both",
                details={"field": "upload_id"},
            )
        return cast(WriteMode, self.mode)  # decode_rows rejects unknown modes with the supported list

    def fingerprint(self) -> str:
        """What makes two requests with one idempotency key the same request."""
        digest = hashlib.sha256(f"{self.mode}\n{self.content_type or ''}\n{self.upload_id or ''}\n".encode())
        if isinstance(self.body, bytes | bytearray | memoryview):
            digest.update(self.body)
        return digest.hexdigest()


REPLAY_WARNING = "idempotent replay: this key was already applied; returning the original result"


def mark_replay(response: Any) -> Any:
    """A replayed write says so in its warnings."""
    if isinstance(response, dict):
        warnings = [w for w in response.get("warnings", []) if w != REPLAY_WARNING]
        return {**response, "warnings": [*warnings, REPLAY_WARNING]}
    return response


@dataclass(frozen=True)
class TableData:
    """The stores a data route needs: metadata, the bucket, Lance's object-store options."""

    catalog: Catalog
    bucket: DataBucket
    storage_options: Mapping[str, str]
    idempotency_table: str

    def create_table(self, account: str, request: CreateTable) -> Table:
        """Create the empty Lance dataset, then register the table with schema version 1.

        Data first: a table that callers can see always has its dataset. If registering fails
        (the name is taken, the dataset vanished), the new dataset is removed again.
        """
        schema = build_schema(request.fields, request.primaryKeyColumns)
        dataset = self.catalog.get_dataset(account, request.datasetId)
        table_id = new_id()
        location = self.bucket.table_uri(account, table_id)
        lance_version = LanceTable(location, self.storage_options).create(schema)
        first = NewSchema(
            fields=[field.model_dump() for field in schema.fields],
            primaryKeyColumns=list(schema.primaryKeyColumns),
            arrowSchema=arrow_schema_text(schema),
            lanceVersion=lance_version,
            description="table created",
        )
        try:
            return self.catalog.create_table(
                account, table_id, request.datasetId, request.tableName, request.description, location, first,
                org=dataset.org, project=dataset.project,
            )
        except Exception:
            self.bucket.delete_table_data(account, table_id)
            raise

    def write_rows(self, account: str, table_id: str, request: RowsRequest) -> WriteResult:
        """Apply one write; with an idempotency key, at most once per key and body."""
        mode = request.checked_mode()
        table = self.catalog.get_table(account, table_id)

        def write() -> dict[str, Any]:
            if request.upload_id is None:
                assert request.body is not None
                return self._write(
                    table, mode, request.body, request.content_type or "", request.idempotency_key
                )
            upload = open_upload(self.bucket, account, table_id, request.upload_id)
            try:
                result = self._write(table, mode, upload.body, upload.content_type, request.idempotency_key)
            finally:
                upload.close()
            discard_upload(self.bucket, upload)
            logger.info("upload written", extra={"tableId": table_id, "uploadId": request.upload_id})
            return result

        if not request.idempotency_key:
            return WriteResult.model_validate(write())
        return WriteResult.model_validate(run_once(
            request.idempotency_key,
            f"{account}#{table_id}#rows",
            request.fingerprint(),
            write,
            table=self.idempotency_table,
            on_replay=mark_replay,
            key_name="idempotency_key",
        ))

    def query_rows(self, account: str, table_id: str, request: QueryRows) -> QueryResult:
        """Filters run inside Lance; ``version`` reads an earlier data version."""
        table = self.catalog.get_table(account, table_id)
        result = LanceTable(table.location, self.storage_options).query(
            columns=request.columns,
            filters=request.filters,
            limit=request.limit,
            offset=request.offset,
            version=request.version,
            logical_order=[field["name"] for field in table.fields],
            include_total=request.includeTotal,
        )
        return QueryResult.model_validate(result.to_dict())

    def _write(self, table: Table, mode: WriteMode, body: Body, content_type: str, key: str | None) -> dict:
        """A write whose commit lost to an incompatible one (a migration's schema change committed
        meanwhile) changed nothing: it is redone against the new version, so writes keep working
        during a migration. While the migration's commit holds writes back (``catalog.fence``) the
        write waits first, at most ``FENCE_SECONDS`` over all its attempts."""
        lance_table = LanceTable(table.location, self.storage_options)
        fence_deadline = time.monotonic() + FENCE_SECONDS
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            table = wait_for_fence(self.catalog, table, fence_deadline)
            batches = decode_rows(body, content_type, table_schema(table), mode=mode)
            try:
                return lance_table.write(mode, batches, idempotency_key=key).to_dict()
            except WriteConflict:
                if attempt == WRITE_ATTEMPTS or not _rewind(body):
                    raise
                logger.info("write redone after a concurrent commit", extra={"tableId": table.tableId})
                table = self.catalog.get_table(table.account, table.tableId)
        raise AssertionError("unreachable")


def _rewind(body: Body) -> bool:
    """Whether ``body`` can be read again from its start (bytes always; a seekable upload stream)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return True
    if body.seekable():
        body.seek(0)
        return True
    return False


def table_schema(table: Table) -> TableSchema:
    """The table's logical schema as recorded in the catalog (the order users see)."""
    return build_schema(table.fields, table.primaryKeyColumns)


def default_table_data() -> TableData:
    from schemashift.aws import lance_storage_options
    from schemashift.datasets.catalog.store import default_catalog
    from schemashift.datasets.data.storage import default_bucket
    from schemashift.settings import get_settings

    return TableData(
        default_catalog(), default_bucket(), lance_storage_options(), get_settings().idempotency_table
    )
