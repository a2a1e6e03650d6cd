"""Compaction and time-travel restore as operations: TableMaintenance (real ASL) over the local stack."""

from __future__ import annotations

from typing import Any

from tests.datasets.api_helpers import assert_error, new_table, write
from tests.datasets.jobs.helpers import dataset, migrate, op, rows, schema, wait
from tests.support.client import ApiClient

FIELDS = [{"name": "id", "arrowType": "int64", "nullable": False}, {"name": "price", "arrowType": "string"}]


def fill(api: ApiClient, table_id: str, ids: range, **extra: Any) -> None:
    assert write(api, table_id, "append", [{"id": i, "price": str(i), **extra} for i in ids]).status == 200


def run(api: ApiClient, table_id: str, route: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"/dataset-tables/{table_id}/{route}", body)
    assert response.status == 202, response.json()
    assert response.json()["status"] == "pending"
    return wait(api, table_id, response.json()["operationId"])


def test_compact_merges_fragments_and_keeps_the_rows(api: ApiClient) -> None:
    table_id = new_table(api, fields=FIELDS)
    for start in range(0, 80, 10):
        fill(api, table_id, range(start, start + 10))
    assert write(api, table_id, "delete", [{"id": 3}, {"id": 41}]).status == 200
    before = rows(api, table_id)
    version = schema(api, table_id)["versionNumber"]
    assert len(dataset(table_id).get_fragments()) == 8

    final = run(api, table_id, "compact", {"description": "nightly"})
    assert final["status"] == "completed" and final["progressPercent"] == 100
    assert final["operationType"] == "compact" and final["description"] == "nightly"
    assert final["progressMessage"] == "completed: 8 fragments rewritten as 1"
    assert len(dataset(table_id).get_fragments()) == 1
    assert rows(api, table_id) == before and len(before) == 78
    assert schema(api, table_id)["versionNumber"] == version  # data layout only, same schema
    assert_error(api.post(f"/dataset-tables/{table_id}/compact", {"targetRowsPerFragment": 0}), 400)
    assert_error(api.post("/dataset-tables/nope/compact", {}), 404)


def test_restore_brings_back_a_schema_version_with_its_data(api: ApiClient) -> None:
    table_id = new_table(api, fields=FIELDS)
    fill(api, table_id, range(0, 30))
    v1_rows = rows(api, table_id)
    migrate(
        api,
        table_id,
        op("change_column_type", name="price", newType="int32"),
        op("add_column", name="status", dataType="string", nullable=False, defaultValue="new"),
    )
    fill(api, table_id, range(30, 40), status="late")
    v2_schema, v2_rows = schema(api, table_id), rows(api, table_id)
    assert len(v2_rows) == 40 and v2_rows[0] == {"id": 0, "price": 0, "status": "new"}

    back = run(api, table_id, "restore", {"versionNumber": 1})
    assert back["status"] == "completed" and back["operationType"] == "restore"
    assert back["progressMessage"] == "completed: schema version 1 restored as version 3"
    current = schema(api, table_id)
    first = api.get(f"/dataset-tables/{table_id}/schema/versions", params={"limit": 100}).json()["versions"][
        -1
    ]
    assert current["versionNumber"] == 3 and current["operationId"] == back["operationId"]
    assert current["fields"] == first["fields"] and current["description"] == "restore schema version 1"
    assert rows(api, table_id) == v1_rows  # the data as it last was under version 1

    forward = run(api, table_id, "restore", {"versionNumber": 2})
    assert forward["status"] == "completed"
    assert schema(api, table_id)["fields"] == v2_schema["fields"]
    assert rows(api, table_id) == v2_rows  # including the rows written under version 2

    assert_error(
        api.post(f"/dataset-tables/{table_id}/restore", {"versionNumber": 4}), 400, "VALIDATION_ERROR"
    )
    assert_error(api.post(f"/dataset-tables/{table_id}/restore", {"versionNumber": 99}), 404, "NOT_FOUND")
    assert_error(api.post(f"/dataset-tables/{table_id}/restore", {}), 400)
    history = api.get(f"/dataset-tables/{table_id}/operations", params={"type": "restore"}).json()[
        "operations"
    ]
    assert [o["operationId"] for o in history] == [forward["operationId"], back["operationId"]]
