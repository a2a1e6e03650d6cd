"""Datasets and dataset tables through API Gateway events on the local stack (authorizer first).

Rows, queries and uploads have their own files under ``tests/datasets/api/``.
"""

from __future__ import annotations

import pytest
import requests
from schemashift.auth.keys import create_api_key
from schemashift.aws import client
from schemashift.settings import get_settings

from tests.datasets.api_helpers import (
    ORDERS_FIELDS,
    assert_error,
    ids,
    new_dataset,
    new_table,
    unique,
    write,
)
from tests.support.client import ApiClient


def table_objects(account: str, table_id: str) -> int:
    listing = client("s3").list_objects_v2(
        Bucket=get_settings().bucket, Prefix=f"tables/{account}/{table_id}/"
    )
    return listing["KeyCount"]


def test_dataset_create_get_list_paged_and_delete(api: ApiClient) -> None:
    created = api.post("/datasets", {"name": "  sales  ", "description": "orders and refunds"})
    assert created.status == 201
    dataset = created.json()
    assert dataset["name"] == "sales" and dataset["description"] == "orders and refunds"
    assert dataset["tableCount"] == 0 and dataset["createdAt"] == dataset["updatedAt"]
    assert api.get(f"/datasets/{dataset['datasetId']}").json() == dataset

    mine = {dataset["datasetId"], new_dataset(api), new_dataset(api)}
    seen, cursor, pages = set(), None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/datasets", params=params).json()
        assert len(page["datasets"]) <= 2
        seen |= {d["datasetId"] for d in page["datasets"]}
        pages += 1
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert mine <= seen and pages >= 2

    assert api.delete(f"/datasets/{dataset['datasetId']}").status == 204
    assert_error(api.get(f"/datasets/{dataset['datasetId']}"), 404, "NOT_FOUND")
    assert_error(api.delete(f"/datasets/{dataset['datasetId']}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "a", "color": "red"}, "color"),
    ],
)
def test_dataset_bodies_are_validated(api: ApiClient, body: dict, field: str) -> None:
    error = assert_error(api.post("/datasets", body), 400, "VALIDATION_ERROR")
    assert field in error["error"]


def test_listing_parameters_are_validated(api: ApiClient) -> None:
    assert_error(api.get("/datasets", params={"limit": 0}), 400)
    assert_error(api.get("/datasets", params={"limit": "ten"}), 400)
    assert_error(api.get("/datasets", params={"cursor": "not-a-cursor"}), 400)
    assert_error(api.get("/dataset-tables"), 400)  # datasetId is required
    assert_error(api.delete(f"/datasets/{new_dataset(api)}", params={"force": "maybe"}), 400)


def test_table_create_get_list_patch_schema_and_delete(api: ApiClient) -> None:
    dataset_id = new_dataset(api)
    created = api.post(
        "/dataset-tables",
        {
            "datasetId": dataset_id,
            "tableName": "orders",
            "description": "all orders",
            "fields": [*ORDERS_FIELDS[:1], {"name": "name", "arrowType": "STRING"}],
            "primaryKeyColumns": ["id"],
        },
    )
    assert created.status == 201
    table = created.json()
    assert set(table) == {"tableId", "datasetId", "tableName", "description", "createdAt", "updatedAt"}
    assert (table["datasetId"], table["tableName"], table["description"]) == (
        dataset_id,
        "orders",
        "all orders",
    )
    table_id = table["tableId"]

    detail = api.get(f"/dataset-tables/{table_id}").json()
    assert detail["fields"] == [
        {"name": "id", "arrowType": "int64", "nullable": False, "metadata": {}},
        {"name": "name", "arrowType": "utf8", "nullable": True, "metadata": {}},
    ]
    assert detail["primaryKeyColumns"] == ["id"] and detail["versionNumber"] == 1

    schema = api.get(f"/dataset-tables/{table_id}/schema").json()
    assert schema["versionNumber"] == 1 and schema["lanceVersion"] == 1
    assert schema["schemaVersionId"] == detail["schemaVersionId"] and schema["fields"] == detail["fields"]
    assert schema["arrowSchema"] == "id: int64 not null primary key(1)\nname: utf8"
    versions = api.get(f"/dataset-tables/{table_id}/schema/versions").json()
    assert [v["versionNumber"] for v in versions["versions"]] == [1] and versions["nextCursor"] is None

    other_id = new_table(api, dataset_id, name="refunds")
    listing = api.get("/dataset-tables", params={"datasetId": dataset_id, "limit": 1}).json()
    assert [t["tableName"] for t in listing["tables"]] == ["orders"]  # by name
    rest = api.get(
        "/dataset-tables", params={"datasetId": dataset_id, "cursor": listing["nextCursor"]}
    ).json()
    assert [t["tableId"] for t in rest["tables"]] == [other_id]
    assert api.get(f"/datasets/{dataset_id}").json()["tableCount"] == 2

    renamed = api.patch(f"/dataset-tables/{table_id}", {"tableName": "orders_v2", "description": None})
    assert renamed.status == 200
    assert (renamed.json()["tableName"], renamed.json()["description"]) == ("orders_v2", None)
    assert renamed.json()["updatedAt"] > table["updatedAt"]
    # The old name is free again, the new one is taken.
    assert new_table(api, dataset_id, name="orders")
    assert_error(
        api.patch(f"/dataset-tables/{other_id}", {"tableName": "orders_v2"}), 409, "TABLE_NAME_TAKEN"
    )
    assert_error(api.patch(f"/dataset-tables/{table_id}", {}), 400)

    assert write(api, table_id, "append", [{"id": 1, "name": "a"}]).status == 200
    assert table_objects("local", table_id) > 0
    assert api.delete(f"/dataset-tables/{table_id}").status == 204
    assert table_objects("local", table_id) == 0
    for path in ("", "/schema", "/schema/versions"):
        assert_error(api.get(f"/dataset-tables/{table_id}{path}"), 404, "NOT_FOUND")
    assert api.get(f"/datasets/{dataset_id}").json()["tableCount"] == 2


def test_table_names_are_unique_per_dataset(api: ApiClient) -> None:
    first, second = new_dataset(api), new_dataset(api)
    new_table(api, first, name="events")
    new_table(api, second, name="events")  # another dataset: fine
    duplicate = api.post(
        "/dataset-tables", {"datasetId": first, "tableName": "events", "fields": ORDERS_FIELDS}
    )
    error = assert_error(duplicate, 409, "TABLE_NAME_TAKEN")
    assert error["details"] == {"datasetId": first, "tableName": "events"}
    assert api.get(f"/datasets/{first}").json()["tableCount"] == 1


@pytest.mark.parametrize(
    ("fields", "primary_key", "message"),
    [
        ([{"name": "id", "arrowType": "int128"}], [], "int128"),
        ([{"name": "id", "arrowType": "list<>"}], [], "list<>"),
        ([{"name": "a", "arrowType": "int64"}, {"name": "A", "arrowType": "utf8"}], [], "duplicate column"),
        ([{"name": "id", "arrowType": "int64"}], ["id"], "non-nullable"),
        ([{"name": "id", "arrowType": "float64", "nullable": False}], ["id"], "floating-point"),
        ([{"name": "id", "arrowType": "int64"}], ["missing"], "not a column"),
        ([], [], "fields"),
    ],
)
def test_bad_table_schemas_are_400(api: ApiClient, fields: list, primary_key: list, message: str) -> None:
    dataset_id = new_dataset(api)
    response = api.post(
        "/dataset-tables",
        {"datasetId": dataset_id, "tableName": "t", "fields": fields, "primaryKeyColumns": primary_key},
    )
    assert message in assert_error(response, 400)["error"]
    assert api.get(f"/datasets/{dataset_id}").json()["tableCount"] == 0


def test_table_in_missing_dataset_is_404(api: ApiClient) -> None:
    response = api.post("/dataset-tables", {"datasetId": "nope", "tableName": "t", "fields": ORDERS_FIELDS})
    assert assert_error(response, 404)["details"] == {"datasetId": "nope"}


def test_dataset_with_tables_needs_force(api: ApiClient) -> None:
    dataset_id = new_dataset(api)
    tables = [new_table(api, dataset_id), new_table(api, dataset_id)]
    write(api, tables[0], "append", [{"id": 1}])
    error = assert_error(api.delete(f"/datasets/{dataset_id}"), 409, "DATASET_NOT_EMPTY")
    assert error["details"]["tableCount"] == 2
    assert api.delete(f"/datasets/{dataset_id}", params={"force": "true"}).status == 204
    assert_error(api.get(f"/datasets/{dataset_id}"), 404)
    for table_id in tables:
        assert_error(api.get(f"/dataset-tables/{table_id}"), 404)
        assert table_objects("local", table_id) == 0


def test_missing_tables_are_404_on_every_route(api: ApiClient) -> None:
    table = "no-such-table"
    calls = [
        api.get(f"/dataset-tables/{table}"),
        api.patch(f"/dataset-tables/{table}", {"description": "x"}),
        api.delete(f"/dataset-tables/{table}"),
        api.get(f"/dataset-tables/{table}/schema"),
        api.get(f"/dataset-tables/{table}/schema/versions"),
        write(api, table, "append", [{"id": 1}]),
        api.post(f"/dataset-tables/{table}/query", {}),
        api.post(f"/dataset-tables/{table}/uploads", {"contentType": "text/csv"}),
        api.get("/dataset-tables", params={"datasetId": "no-such-dataset"}),
    ]
    for response in calls:
        assert_error(response, 404, "NOT_FOUND")


def test_another_account_sees_nothing(api: ApiClient) -> None:
    """Keys are partitioned by account: every route answers 404 to a key of another account."""
    dataset_id = new_dataset(api)
    table_id = new_table(api, dataset_id)
    write(api, table_id, "append", [{"id": 1, "name": "secret"}])
    key, _ = create_api_key(unique("intruder"), ["*/*"])
    other = api.with_key(key)

    calls = [
        other.get(f"/datasets/{dataset_id}"),
        other.delete(f"/datasets/{dataset_id}", params={"force": "true"}),
        other.get("/dataset-tables", params={"datasetId": dataset_id}),
        other.get(f"/dataset-tables/{table_id}"),
        other.patch(f"/dataset-tables/{table_id}", {"tableName": "mine"}),
        other.get(f"/dataset-tables/{table_id}/schema"),
        other.get(f"/dataset-tables/{table_id}/schema/versions"),
        write(other, table_id, "overwrite", [{"id": 2}]),
        other.post(f"/dataset-tables/{table_id}/query", {}),
        other.post(f"/dataset-tables/{table_id}/uploads", {"contentType": "application/json"}),
        other.delete(f"/dataset-tables/{table_id}"),
        other.post("/dataset-tables", {"datasetId": dataset_id, "tableName": "x", "fields": ORDERS_FIELDS}),
    ]
    for response in calls:
        assert_error(response, 404, "NOT_FOUND")
    assert dataset_id not in {
        d["datasetId"] for d in other.get("/datasets", params={"limit": 100}).json()["datasets"]
    }
    # A cursor from one account cannot walk another account's keys.
    cursor = api.get("/datasets", params={"limit": 1}).json()["nextCursor"]
    assert_error(other.get("/datasets", params={"cursor": cursor}), 400)
    # And the owner's data is untouched.
    assert ids(api, table_id) == [1]
    assert api.get(f"/datasets/{dataset_id}").json()["tableCount"] == 1


def test_over_http_with_the_dev_key(http_url: str) -> None:
    headers = {"x-api-key": "local-dev-key"}
    dataset = requests.post(
        f"{http_url}/datasets", json={"name": unique("http")}, headers=headers, timeout=30
    )
    assert dataset.status_code == 201
    table = requests.post(
        f"{http_url}/dataset-tables",
        json={
            "datasetId": dataset.json()["datasetId"],
            "tableName": "t",
            "fields": ORDERS_FIELDS,
            "primaryKeyColumns": ["id"],
        },
        headers=headers,
        timeout=30,
    )
    assert table.status_code == 201
    table_id = table.json()["tableId"]
    written = requests.post(
        f"{http_url}/dataset-tables/{table_id}/rows?mode=append",
        data=b"id,name,amount\n1,ann,9.5\n2,bob,\n",
        headers={**headers, "Content-Type": "text/csv"},
        timeout=30,
    )
    assert written.status_code == 200 and written.json()["rows_affected"] == 2
    rows = requests.post(
        f"{http_url}/dataset-tables/{table_id}/query",
        json={"filters": [{"field": "amount", "op": "is_null"}]},
        headers=headers,
        timeout=30,
    ).json()["rows"]
    assert rows == [{"id": 2, "name": "bob", "amount": None, "placed": None}]
    unauthorized = requests.get(f"{http_url}/dataset-tables/{table_id}", timeout=30)
    assert unauthorized.status_code == 401 and set(unauthorized.json()) >= {
        "error",
        "code",
        "details",
        "retryable",
    }
