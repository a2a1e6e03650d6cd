"""Writing and reading rows through API Gateway events: every write mode in every content type,
every filter op, time travel, bad input, idempotency and concurrent writers."""

from __future__ import annotations

import base64
import importlib.util
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from schemashift.local.lambdas import LocalLambdaContext

from tests.datasets.api_helpers import (
    ERROR_KEYS,
    arrow_stream_bytes,
    assert_error,
    ids,
    new_table,
    parquet_bytes,
    query,
    write,
)
from tests.support.client import ApiClient

ROOT = Path(__file__).resolve().parents[3]
ARROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("amount", pa.float64()),
        pa.field("placed", pa.timestamp("ms")),
    ]
)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    names = list(rows[0])
    lines = [",".join(names)] + [",".join("" if r[n] is None else str(r[n]) for n in names) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([ARROW_SCHEMA.field(name) for name in rows[0]])
    return pa.Table.from_pylist(rows, schema=schema)


# content type -> (encode rows, encode keys for delete)
ENCODERS: dict[str, tuple[Callable[[list[dict]], bytes], Callable[[list[int]], bytes]]] = {
    "application/json": (lambda rows: json.dumps(rows).encode(), lambda keys: json.dumps(keys).encode()),
    "text/csv": (_csv, lambda keys: _csv([{"id": k} for k in keys])),
    "application/parquet": (
        lambda rows: parquet_bytes(_arrow(rows)),
        lambda keys: parquet_bytes(_arrow([{"id": k} for k in keys])),
    ),
    "application/vnd.apache.arrow.stream": (
        lambda rows: arrow_stream_bytes(_arrow(rows)),
        lambda keys: arrow_stream_bytes(_arrow([{"id": k} for k in keys])),
    ),
}


def send(api: ApiClient, table_id: str, mode: str, body: bytes, content_type: str, **params: str):
    return write(api, table_id, mode, body=body, headers={"Content-Type": content_type}, params=params)


def rows_by_id(api: ApiClient, table_id: str, **body: Any) -> dict[int, dict[str, Any]]:
    response = query(api, table_id, **body)
    assert response.status == 200, response.json()
    return {row["id"]: row for row in response.json()["rows"]}


@pytest.mark.parametrize("content_type", list(ENCODERS))
def test_every_write_mode_in_every_content_type(api: ApiClient, content_type: str) -> None:
    encode_rows, encode_keys = ENCODERS[content_type]
    table_id = new_table(api)
    first = [
        {"id": 1, "name": "ann", "amount": 1.5, "placed": None},
        {"id": 2, "name": "bob", "amount": None, "placed": None},
    ]
    appended = send(api, table_id, "append", encode_rows(first), content_type)
    assert appended.status == 200, appended.json()
    assert appended.json()["rows_inserted"] == 2 and appended.json()["dataset_version"] == 2

    upsert = [
        {"id": 2, "name": "bobby", "amount": 7.0, "placed": None},
        {"id": 3, "name": "cy", "amount": 3.0, "placed": None},
    ]
    upserted = send(api, table_id, "upsert", encode_rows(upsert), content_type).json()
    assert (upserted["rows_updated"], upserted["rows_inserted"], upserted["dataset_version"]) == (1, 1, 3)
    assert rows_by_id(api, table_id)[2] == {"id": 2, "name": "bobby", "amount": 7.0, "placed": None}

    deleted = send(api, table_id, "delete", encode_keys([1, 3, 99]), content_type).json()
    assert (deleted["rows_deleted"], deleted["rows_affected"]) == (2, 2)
    assert ids(api, table_id) == [2]

    replacement = [{"id": 10, "name": "new", "amount": 0.5, "placed": None}]
    overwritten = send(api, table_id, "overwrite", encode_rows(replacement), content_type).json()
    assert overwritten["rows_inserted"] == 1 and overwritten["dataset_version"] == 5
    assert rows_by_id(api, table_id) == {10: {"id": 10, "name": "new", "amount": 0.5, "placed": None}}


SEED = [
    {"id": 1, "name": "ann", "amount": 10.0, "placed": "2024-01-01T00:00:00Z"},
    {"id": 2, "name": "bob", "amount": 20.5, "placed": "2024-02-01T00:00:00Z"},
    {"id": 3, "name": "o'brien", "amount": None, "placed": "2024-03-01T00:00:00Z"},
    {"id": 4, "name": "50% off", "amount": 5.0, "placed": None},
    {"id": 5, "name": None, "amount": 30.0, "placed": "2024-05-01T12:30:00.250Z"},
]


@pytest.fixture(scope="module")
def seeded(api: ApiClient) -> str:
    table_id = new_table(api)
    assert write(api, table_id, "append", SEED).status == 200
    return table_id


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("name", "eq", "ann", [1]),
        ("name", "neq", "ann", [2, 3, 4]),  # SQL semantics: NULL is neither equal nor unequal
        ("amount", "gt", 10, [2, 5]),
        ("amount", "gte", 10, [1, 2, 5]),
        ("amount", "lt", 10, [4]),
        ("amount", "lte", "10", [1, 4]),  # values are coerced like row values
        ("id", "in", [1, 3, 99], [1, 3]),
        ("id", "not_in", [1, 3], [2, 4, 5]),
        ("name", "like", "o'%", [3]),
        ("name", "like", "%\\% off", [4]),
        ("amount", "is_null", None, [3]),
        ("placed", "is_not_null", None, [1, 2, 3, 5]),
        ("placed", "gte", "2024-02-01T00:00:00Z", [2, 3, 5]),
        ("PLACED", "lt", "2024-02-01", [1]),  # column names are case-insensitive
    ],
)
def test_filter_ops(
    api: ApiClient, seeded: str, field: str, op: str, value: Any, expected: list[int]
) -> None:
    assert ids(api, seeded, filters=[{"field": field, "op": op, "value": value}]) == expected


def test_query_shapes_columns_paging_and_values(api: ApiClient, seeded: str) -> None:
    body = query(
        api, seeded, columns=["placed", "id"], filters=[{"field": "id", "op": "gte", "value": 4}]
    ).json()
    assert body["rows"] == [
        {"id": 4, "placed": None},
        {"id": 5, "placed": "2024-05-01T12:30:00.250"},
    ]  # logical column order, timestamps at the column's precision
    assert body["version"] == 2 and body["hasMore"] is False
    page = query(api, seeded, columns=["id"], limit=2, offset=1, includeTotal=True).json()
    assert [r["id"] for r in page["rows"]] == [2, 3] and page["hasMore"] is True and page["total"] == 5
    both = [{"field": "amount", "op": "gte", "value": 10}, {"field": "name", "op": "is_not_null"}]
    assert ids(api, seeded, filters=both) == [1, 2]


def test_time_travel_reads_earlier_versions(api: ApiClient) -> None:
    table_id = new_table(api)
    write(api, table_id, "append", [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])  # version 2
    write(api, table_id, "upsert", [{"id": 2, "name": "B"}])  # version 3
    write(api, table_id, "delete", [1])  # version 4
    assert rows_by_id(api, table_id, columns=["id", "name"], version=2) == {
        1: {"id": 1, "name": "a"},
        2: {"id": 2, "name": "b"},
    }
    assert rows_by_id(api, table_id, columns=["id", "name"], version=3)[2]["name"] == "B"
    latest = query(api, table_id, columns=["id", "name"]).json()
    assert latest["rows"] == [{"id": 2, "name": "B"}] and latest["version"] == 4
    assert query(api, table_id, version=1).json()["rows"] == []
    assert_error(query(api, table_id, version=99), 404)
    assert_error(query(api, table_id, version=0), 400)


@pytest.mark.parametrize(
    ("content_type", "body", "row", "column"),
    [
        ("application/json", b'[{"id": 1}, {"id": "seven"}]', 1, "id"),
        ("application/json", b'[{"id": 1}, {"id": 2, "amount": "lots"}]', 1, "amount"),
        ("application/json", b'[{"id": 1}, {"name": "no id"}]', 1, "id"),
        ("application/json", b'[{"id": 1, "colour": "red"}]', 0, "colour"),
        ("application/json", b'[{"id": 1}, {"id": 2, "placed": "yesterday"}]', 1, "placed"),
        ("text/csv", b"id,amount\n1,2.5\n2,abc\n", 1, "amount"),
        ("text/csv", b"id,amount\n1,2.5\n,3\n", 1, "id"),
    ],
)
def test_bad_rows_are_400_naming_row_and_column(
    api: ApiClient, seeded: str, content_type: str, body: bytes, row: int, column: str
) -> None:
    error = assert_error(send(api, seeded, "append", body, content_type), 400)
    assert error["details"]["column"] == column and error["details"]["row"] == row
    assert f"column {column!r}" in error["error"]
    assert query(api, seeded).json()["version"] == 2  # nothing was committed


def test_bad_requests_are_400_never_500(api: ApiClient, seeded: str) -> None:
    keyless = new_table(api, primary_key=[], fields=[{"name": "id", "arrowType": "int64"}])
    cases = [
        (write(api, seeded, "", [{"id": 1}]), None),
        (write(api, seeded, "merge", [{"id": 1}]), None),
        (write(api, keyless, "upsert", [{"id": 1}]), "PRIMARY_KEY_REQUIRED"),
        (write(api, keyless, "delete", [1]), "PRIMARY_KEY_REQUIRED"),
        (write(api, seeded, "upsert", [{"id": 7}, {"id": 7}]), None),
        (send(api, seeded, "append", b"[{", "application/json"), None),
        (send(api, seeded, "append", b'{"id": 1}', "application/json"), None),
        (send(api, seeded, "append", b"id\n1\n", "text/plain"), "UNSUPPORTED_CONTENT_TYPE"),
        (send(api, seeded, "append", b"PAR1 not really", "application/parquet"), None),
        (send(api, seeded, "append", b"\xff\xfe", "application/vnd.apache.arrow.stream"), None),
        (write(api, seeded, "append"), None),  # no body and no upload_id
        (write(api, seeded, "append", [{"id": 1}], params={"upload_id": "upl_x"}), None),
        (query(api, seeded, columns=["nope"]), None),
        (query(api, seeded, filters=[{"field": "id", "op": "between", "value": 1}]), None),
        (query(api, seeded, filters=[{"field": "id", "op": "eq", "value": "abc"}]), None),
        (query(api, seeded, filters=[{"field": "ghost", "op": "eq", "value": 1}]), None),
        (query(api, seeded, filters=[{"field": "id", "op": "in", "value": 3}]), None),
        (query(api, seeded, limit=10_001), None),
        (query(api, seeded, sort="id"), None),
        (
            api.post(
                f"/dataset-tables/{seeded}/query",
                body=b"not json",
                headers={"Content-Type": "application/json"},
            ),
            None,
        ),
    ]
    for response, code in cases:
        body = assert_error(response, 400, code)
        assert body["error"] and body["retryable"] is False
    assert ids(api, seeded) == [1, 2, 3, 4, 5]


def test_empty_write_commits_nothing(api: ApiClient, seeded: str) -> None:
    result = write(api, seeded, "append", []).json()
    assert result["rows_affected"] == 0 and result["dataset_version"] == 2 and result["warnings"]


def test_idempotency_key_replays_the_first_result(api: ApiClient) -> None:
    table_id = new_table(api)
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    first = write(api, table_id, "append", rows, params={"idempotency_key": "load-1"}).json()
    again = write(api, table_id, "append", rows, params={"idempotency_key": "load-1"}).json()
    assert again["dataset_version"] == first["dataset_version"] == 2
    assert again["rows_inserted"] == 2 and any("replay" in w for w in again["warnings"])
    assert ids(api, table_id) == [1, 2]  # written once

    other_rows = write(api, table_id, "append", [{"id": 3}], params={"idempotency_key": "load-1"})
    assert assert_error(other_rows, 409, "IDEMPOTENCY_KEY_REUSED")["details"] == {"idempotency_key": "load-1"}
    other_mode = write(api, table_id, "upsert", rows, params={"idempotency_key": "load-1"})
    assert_error(other_mode, 409, "IDEMPOTENCY_KEY_REUSED")
    # A failed write does not use up its key.
    assert_error(write(api, table_id, "append", [{"id": "x"}], params={"idempotency_key": "load-2"}), 400)
    assert write(api, table_id, "append", [{"id": 3}], params={"idempotency_key": "load-2"}).status == 200
    assert ids(api, table_id) == [1, 2, 3]


def _rows_handler(instance: int) -> Callable[[dict, Any], dict]:
    """A separate copy of the rows function, as a second Lambda container would hold."""
    path = ROOT / "functions" / "table_rows" / "app.py"
    spec = importlib.util.spec_from_file_location(f"table_rows_container_{instance}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def _rows_event(api: ApiClient, table_id: str, rows: list[dict]) -> dict:
    event = json.loads((ROOT / "events" / "table_rows_upsert.json").read_text())
    event["path"] = f"/dataset-tables/{table_id}/rows"
    event["pathParameters"] = {"tableId": table_id}
    event["queryStringParameters"] = {"mode": "append"}
    event["multiValueQueryStringParameters"] = {"mode": ["append"]}
    event["body"] = json.dumps(rows)
    return event


def test_concurrent_appends_all_land(stack, api: ApiClient) -> None:
    """Four containers append at the same moment: Lance rebases the commits, nothing is lost."""
    table_id = new_table(api)
    writers = 4
    handlers = [_rows_handler(i) for i in range(writers)]
    barrier = threading.Barrier(writers)
    results: list[dict] = [{} for _ in range(writers)]

    def append(i: int) -> None:
        event = _rows_event(api, table_id, [{"id": i * 100 + n, "name": f"w{i}"} for n in range(50)])
        context = LocalLambdaContext(f"rows-{i}", f"arn:aws:lambda:::function:rows-{i}", 2048, 29, str(i))
        barrier.wait()
        results[i] = handlers[i](event, context)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bodies = [json.loads(r["body"]) for r in results]
    assert [r["statusCode"] for r in results] == [200] * writers, bodies
    assert sorted(b["dataset_version"] for b in bodies) == [2, 3, 4, 5]
    assert query(api, table_id, limit=0, includeTotal=True).json()["total"] == 50 * writers


def test_binary_bodies_arrive_base64_encoded(stack, api: ApiClient) -> None:
    """The rows function decodes API Gateway's base64 body for binary media types."""
    table_id = new_table(api)
    event = _rows_event(api, table_id, [])
    event["headers"]["Content-Type"] = "application/parquet"
    event["multiValueHeaders"]["Content-Type"] = ["application/parquet"]
    event["body"] = base64.b64encode(parquet_bytes(_arrow([{"id": 1, "name": "p"}]))).decode()
    event["isBase64Encoded"] = True
    response = stack.invoke("WriteRowsFunction", event)
    assert response["statusCode"] == 200 and set(json.loads(response["body"])) - ERROR_KEYS
    assert ids(api, table_id) == [1]
