"""The routes that touch table data: create a table, write rows, query rows.

Each joins the catalog (who owns the table, its logical schema) with the table's Lance dataset
(``LanceTable``). This module imports pyarrow and Lance, so only the container-image functions
load it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, cast

from schemashift.datasets.catalog import Catalog, NewSchema
from schemashift.datasets.idempotency import run_once
from schemashift.datasets.lance_table import LanceTable
from schemashift.datasets.records import Table
from schemashift.datasets.requests import CreateTable, QueryRows
from schemashift.datasets.rows import Body, WriteMode, decode_rows
from schemashift.datasets.schema import TableSchema, arrow_schema_text, build_schema
from schemashift.datasets.storage import DataBucket
from schemashift.datasets.uploads import discard_upload, open_upload
from schemashift.errors import ValidationFailed
from schemashift.ids import new_id
from schemashift.observability import logger


def create_table(
    catalog: Catalog,
    bucket: DataBucket,
    storage_options: Mapping[str, str],
    account: str,
    request: CreateTable,
) -> Table:
    """Create the empty Lance dataset, then register the table with schema version 1.

    Data first: a table that callers can see always has its dataset. If registering fails (the
    name is taken, the dataset vanished), the new dataset is removed again.
    """
    schema = build_schema(request.fields, request.primaryKeyColumns)
    catalog.get_dataset(account, request.datasetId)
    table_id = new_id()
    location = bucket.table_uri(account, table_id)
    lance_version = LanceTable(location, storage_options).create(schema)
    first = NewSchema(
        fields=[field.model_dump() for field in schema.fields],
        primaryKeyColumns=list(schema.primaryKeyColumns),
        arrowSchema=arrow_schema_text(schema),
        lanceVersion=lance_version,
        description="table created",
    )
    try:
        return catalog.create_table(
            account, table_id, request.datasetId, request.tableName, request.description, location, first
        )
    except Exception:
        bucket.delete_table_data(account, table_id)
        raise


def table_schema(table: Table) -> TableSchema:
    return build_schema(table.fields, table.primaryKeyColumns)


def write_rows(
    catalog: Catalog,
    bucket: DataBucket,
    storage_options: Mapping[str, str],
    account: str,
    table_id: str,
    *,
    mode: str | None,
    body: Body | None = None,
    content_type: str | None = None,
    upload_id: str | None = None,
    idempotency_key: str | None = None,
    idempotency_table: str | None = None,
    lambda_context: Any = None,
) -> dict[str, Any]:
    """``POST .../rows``: the body is inline or a finished upload; the answer is the write result."""
    if not mode:
        raise ValidationFailed(
            "query parameter 'mode' is required (append, upsert, overwrite or delete)",
            details={"field": "mode"},
        )
    if (body is None) == (upload_id is None):
        raise ValidationFailed(
            "send the rows as the request body or name an upload_id, not both", details={"field": "upload_id"}
        )
    write_mode = cast(WriteMode, mode)
    table = catalog.get_table(account, table_id)
    lance_table = LanceTable(table.location, storage_options)

    def write() -> dict[str, Any]:
        if upload_id is None:
            assert body is not None
            return _write(lance_table, table, write_mode, body, content_type or "", idempotency_key)
        upload = open_upload(bucket, account, table_id, upload_id)
        try:
            result = _write(lance_table, table, write_mode, upload.body, upload.content_type, idempotency_key)
        finally:
            upload.close()
        discard_upload(bucket, upload)
        logger.info("upload written", extra={"tableId": table_id, "uploadId": upload_id, "size": upload.size})
        return result

    if not idempotency_key:
        return write()
    return run_once(
        idempotency_table or "",
        account=account,
        table_id=table_id,
        key=idempotency_key,
        fingerprint=_fingerprint(mode, content_type, body, upload_id),
        write=write,
        lambda_context=lambda_context,
    )


def query_rows(
    catalog: Catalog, storage_options: Mapping[str, str], account: str, table_id: str, request: QueryRows
) -> dict[str, Any]:
    """``POST .../query``: filters run inside Lance; ``version`` reads an earlier data version."""
    table = catalog.get_table(account, table_id)
    result = LanceTable(table.location, storage_options).query(
        columns=request.columns,
        filters=request.filters,
        limit=request.limit,
        offset=request.offset,
        version=request.version,
        logical_order=[field["name"] for field in table.fields],
        include_total=request.includeTotal,
    )
    return result.to_dict()


def _write(
    lance_table: LanceTable, table: Table, mode: WriteMode, body: Body, content_type: str, key: str | None
) -> dict[str, Any]:
    batches = decode_rows(body, content_type, table_schema(table), mode=mode)
    return lance_table.write(mode, batches, idempotency_key=key).to_dict()


def _fingerprint(mode: str, content_type: str | None, body: Body | None, upload_id: str | None) -> str:
    digest = hashlib.sha256(f"{mode}\n{content_type or ''}\n{upload_id or ''}\n".encode())
    if isinstance(body, bytes | bytearray | memoryview):
        digest.update(body)
    return digest.hexdigest()
