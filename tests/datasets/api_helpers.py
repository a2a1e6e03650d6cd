"""Small builders for the dataset-table API tests: every test makes its own dataset and tables."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pyarrow as pa
import pyarrow.ipc as pa_ipc
import pyarrow.parquet as pq

from tests.support.client import ApiClient, ApiResponse

ORDERS_FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "name", "arrowType": "string"},
    {"name": "amount", "arrowType": "float64"},
    {"name": "placed", "arrowType": "timestamp[ms]"},
]
ERROR_KEYS = {"error", "code", "details", "retryable"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_dataset(api: ApiClient, name: str | None = None) -> str:
    response = api.post("/datasets", {"name": name or unique("ds")})
    assert response.status == 201, response.json()
    return response.json()["datasetId"]


def new_table(
    api: ApiClient,
    dataset_id: str | None = None,
    *,
    fields: list[dict[str, Any]] | None = None,
    primary_key: list[str] | None = None,
    name: str | None = None,
) -> str:
    response = api.post(
        "/dataset-tables",
        {
            "datasetId": dataset_id or new_dataset(api),
            "tableName": name or unique("tbl"),
            "fields": fields or ORDERS_FIELDS,
            "primaryKeyColumns": ["id"] if primary_key is None else primary_key,
        },
    )
    assert response.status == 201, response.json()
    return response.json()["tableId"]


def write(api: ApiClient, table_id: str, mode: str, rows: Any = None, **kwargs: Any) -> ApiResponse:
    params = {"mode": mode, **kwargs.pop("params", {})}
    if rows is not None:
        return api.post(f"/dataset-tables/{table_id}/rows", rows, params=params, **kwargs)
    return api.request("POST", f"/dataset-tables/{table_id}/rows", params=params, **kwargs)


def query(api: ApiClient, table_id: str, **body: Any) -> ApiResponse:
    return api.post(f"/dataset-tables/{table_id}/query", body)


def ids(api: ApiClient, table_id: str, **body: Any) -> list[int]:
    response = query(api, table_id, columns=["id"], **body)
    assert response.status == 200, response.json()
    return sorted(row["id"] for row in response.json()["rows"])


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def arrow_stream_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa_ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def assert_error(response: ApiResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """The Catalyzed envelope with the expected status (and code)."""
    body = response.json()
    assert response.status == status, body
    assert set(body) == ERROR_KEYS, body
    if code is not None:
        assert body["code"] == code, body
    return body
