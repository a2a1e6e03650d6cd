"""Bodies over the inline limit: 413 with a pointer to uploads, then the presigned-S3 upload path."""

from __future__ import annotations

import json

import pyarrow as pa
import requests
from schemashift.aws import client
from schemashift.datasets.data.uploads import MAX_INLINE_BODY_BYTES
from schemashift.settings import get_settings

from tests.datasets.api_helpers import assert_error, ids, new_table, parquet_bytes, query, write
from tests.support.client import ApiClient


def big_json_rows(min_bytes: int) -> tuple[bytes, int]:
    padding = "x" * 200
    count = min_bytes // 220 + 1
    body = json.dumps([{"id": i, "name": padding} for i in range(count)]).encode()
    assert len(body) > min_bytes
    return body, count


def upload(api: ApiClient, table_id: str, body: bytes, content_type: str) -> str:
    created = api.post(f"/dataset-tables/{table_id}/uploads", {"contentType": content_type})
    assert created.status == 201, created.json()
    ticket = created.json()
    assert ticket["method"] == "PUT" and ticket["headers"] == {"Content-Type": content_type}
    assert "X-Amz-Signature=" in ticket["uploadUrl"]  # SigV4
    put = requests.put(ticket["uploadUrl"], data=body, headers=ticket["headers"], timeout=60)
    assert put.status_code == 200, put.text
    return ticket["uploadId"]


def pending_uploads(table_id: str) -> int:
    listing = client("s3").list_objects_v2(Bucket=get_settings().bucket, Prefix=f"uploads/local/{table_id}/")
    return listing["KeyCount"]


def test_inline_body_over_the_lambda_limit_is_413(api: ApiClient) -> None:
    table_id = new_table(api)
    body, _ = big_json_rows(MAX_INLINE_BODY_BYTES + 1)
    response = write(api, table_id, "append", body=body, headers={"Content-Type": "application/json"})
    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "/uploads" in error["error"] and error["details"]["limit"] == MAX_INLINE_BODY_BYTES
    assert ids(api, table_id) == []


def test_body_over_api_gateways_limit_is_413_over_http(api: ApiClient, http_url: str) -> None:
    table_id = new_table(api)
    response = requests.post(
        f"{http_url}/dataset-tables/{table_id}/rows?mode=append",
        data=b"[" + b" " * (10 * 1024 * 1024) + b"]",
        headers={"x-api-key": "local-dev-key", "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_large_json_goes_through_an_upload(api: ApiClient) -> None:
    table_id = new_table(api)
    body, count = big_json_rows(11 * 1024 * 1024)  # over API Gateway's 10 MB
    upload_id = upload(api, table_id, body, "application/json")
    written = write(api, table_id, "append", params={"upload_id": upload_id})
    assert written.status == 200, written.json()
    assert written.json()["rows_inserted"] == count
    assert query(api, table_id, limit=0, includeTotal=True).json()["total"] == count
    assert pending_uploads(table_id) == 0  # consumed uploads are removed
    again = write(api, table_id, "append", params={"upload_id": upload_id})
    assert_error(again, 404, "NOT_FOUND")


def test_upload_write_modes_and_idempotent_retry(api: ApiClient) -> None:
    table_id = new_table(api)
    first = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "name": ["a", "b", "c"]})
    upload_id = upload(api, table_id, parquet_bytes(first), "application/parquet")
    params = {"upload_id": upload_id, "idempotency_key": "nightly-1"}
    written = write(api, table_id, "upsert", params=params).json()
    retried = write(api, table_id, "upsert", params=params).json()  # the upload is gone; the key answers
    assert retried["dataset_version"] == written["dataset_version"] and retried["rows_inserted"] == 3

    keys = pa.table({"id": pa.array([2], pa.int64())})
    delete_id = upload(api, table_id, parquet_bytes(keys), "application/parquet")
    assert write(api, table_id, "delete", params={"upload_id": delete_id}).json()["rows_deleted"] == 1
    assert ids(api, table_id) == [1, 3]


def test_uploads_are_scoped_to_their_table(api: ApiClient) -> None:
    table_id, other_table = new_table(api), new_table(api)
    upload_id = upload(api, table_id, b'[{"id": 1}]', "application/json")
    assert_error(write(api, other_table, "append", params={"upload_id": upload_id}), 404)
    assert_error(write(api, table_id, "append", params={"upload_id": "../../tables/x"}), 400)
    bad = upload(api, table_id, b'[{"id": "one"}]', "application/json")
    assert_error(write(api, table_id, "append", params={"upload_id": bad}), 400)
    assert write(api, table_id, "append", params={"upload_id": upload_id}).status == 200
    assert_error(api.post(f"/dataset-tables/{table_id}/uploads", {}), 400)
    assert ids(api, table_id) == [1]
