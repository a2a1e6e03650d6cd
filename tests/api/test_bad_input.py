"""Every kind of bad input the fuzz run turned into a 500, through the gateway: each is now a 4xx in the
route's envelope, with a short message and nothing half done."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.support.client import ApiClient, ApiResponse
from tests.support.deployments import wait_for

HARNESS = {"message"}
CATALYZED = {"error", "code", "details", "retryable"}


def _refused(response: ApiResponse, status: int | tuple[int, ...] = 400, envelope: set[str] = HARNESS) -> dict:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status in statuses, (response.status, response.body[:500])
    body = response.json()
    assert set(body) == envelope, body
    assert len(response.body) < 10_000, "long input echoed back"
    text = response.body.decode()
    assert "Traceback" not in text and "s3://" not in text and "/work/" not in text and ".rs:" not in text
    return body


@pytest.fixture(scope="module")
def base(api: ApiClient) -> str:
    base = f"/v1/orgs/bad{uuid.uuid4().hex[:6]}/projects/input"
    assert api.post(f"{base}/dbschema", {"identifier": "s", "name": "s"}).status == 201
    changelog = ("-- liquibase formatted sql\n\n-- changeset a:1\nCREATE TABLE t1 (id INT);\n--rollback DROP TABLE t1;\n\n"
                 "-- changeset a:2\nCREATE TABLE t2 (id INT);\n--rollback DROP TABLE t2;\n")
    assert api.put(f"{base}/dbschema/s/changelog", {"rootFile": "c.sql", "files": {"c.sql": changelog}}).status == 200
    assert api.post(f"{base}/dbschema/s/instance", {"identifier": "i", "name": "i",
                                                    "url": f"sqlite:///{uuid.uuid4().hex[:8]}.db"}).status == 201
    return base


@pytest.fixture(scope="module")
def table(api: ApiClient) -> str:
    dataset = api.post("/datasets", {"name": "bad-input"}).json()["datasetId"]
    created = api.post("/dataset-tables", {"datasetId": dataset, "tableName": "t", "primaryKeyColumns": ["id"],
                                           "fields": [{"name": "id", "arrowType": "int64", "nullable": False},
                                                      {"name": "v", "arrowType": "utf8"}]})
    assert created.status == 201, created.json()
    return created.json()["tableId"]


def test_deeply_nested_and_undecodable_bodies(api: ApiClient, base: str, table: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    _refused(api.request("POST", f"{base}/dbschema", body=deep, headers={"Content-Type": "application/json"}))
    _refused(api.request("POST", f"{base}/dbschema", body='{"a":' * 70 + "1" + "}" * 70,
                         headers={"Content-Type": "application/json"}))
    _refused(api.request("POST", f"/dataset-tables/{table}/query", body=deep,
                         headers={"Content-Type": "application/json"}), envelope=CATALYZED)
    _refused(api.request("POST", f"/dataset-tables/{table}/rows", params={"mode": "append"},
                         body=b'[{"id": 1, "v": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]",
                         headers={"Content-Type": "application/json"}), envelope=CATALYZED)
    invalid_utf8 = b'{"identifier": "\xff\xfe", "name": "x"}'
    _refused(api.request("POST", f"{base}/dbschema", body=invalid_utf8, headers={"Content-Type": "application/json"}))
    _refused(api.request("POST", f"/dataset-tables/{table}/query", body=b"\xc3\x28",
                         headers={"Content-Type": "application/json"}), envelope=CATALYZED)


def test_long_path_segments_and_huge_strings(api: ApiClient, base: str, table: str) -> None:
    long = "x" * 5000
    _refused(api.get(f"/v1/orgs/{long}/projects/p/dbschema"))
    _refused(api.get(f"{base}/dbschema/{long}"))
    _refused(api.get(f"/dataset-tables/{long}"), envelope=CATALYZED)
    _refused(api.get(f"/datasets/{long}"), envelope=CATALYZED)
    megabyte = "a" * 1_000_000
    for field in ("context", "labels"):
        _refused(api.put(f"{base}/dbschema/s/instance/i", {field: megabyte}))
        _refused(api.post(f"{base}/dbschema/s/instance/i/apply", {field if field == "labels" else "contexts": megabyte}))
    body = _refused(api.post(f"{base}/dbschema", {"identifier": megabyte, "name": "x"}))
    assert len(body["message"]) < 2500
    _refused(api.post(f"{base}/dbschema", {"identifier": "t", "name": "t", "tags": {"k": megabyte}}))


def test_invalid_context_and_label_expressions(api: ApiClient, base: str) -> None:
    for bad in ("((((", "a)(", "prod; drop"):
        _refused(api.put(f"{base}/dbschema/s/instance/i", {"context": bad}))
        _refused(api.post(f"{base}/dbschema/s/instance/i/apply", {"labels": bad}))
    assert api.put(f"{base}/dbschema/s/instance/i", {"context": "(dev or test) and !prod"}).status == 200
    assert api.put(f"{base}/dbschema/s/instance/i", {"context": ""}).status == 200


@pytest.mark.parametrize("value", [1e20, 9223372036854775808, -1, 2**53 + 1])
def test_numbers_out_of_range(api: ApiClient, table: str, value: float) -> None:
    _refused(api.post(f"/dataset-tables/{table}/query", {"offset": value}), envelope=CATALYZED)
    _refused(api.post(f"/dataset-tables/{table}/query", {"version": value}), envelope=CATALYZED)
    _refused(api.post(f"/dataset-tables/{table}/restore", {"versionNumber": value}), envelope=CATALYZED)


def test_huge_offsets_inside_the_range_answer_empty(api: ApiClient, table: str) -> None:
    response = api.post(f"/dataset-tables/{table}/query", {"offset": 2**53})
    assert response.status == 200 and response.json()["rows"] == []


@pytest.mark.parametrize("arrow_type", ["fixed_size_list[2]<list<int8>>", "fixed_size_list[99999999999]<int8>",
                                        "list<" * 40 + "int8" + ">" * 40, "fixed_size_list[²]<int8>",
                                        "timestamp[xs]", "decimal128(10,2)", "\x00", "list<>"])
def test_odd_arrow_types(api: ApiClient, arrow_type: str) -> None:
    dataset = api.post("/datasets", {"name": "types"}).json()["datasetId"]
    body = {"datasetId": dataset, "tableName": "t", "fields": [{"name": "x", "arrowType": arrow_type}]}
    _refused(api.post("/dataset-tables", body), envelope=CATALYZED)


def test_too_many_fields_and_bad_column_names(api: ApiClient, table: str) -> None:
    dataset = api.post("/datasets", {"name": "fields"}).json()["datasetId"]
    many = [{"name": f"c{i}", "arrowType": "int32"} for i in range(10_000)]
    _refused(api.post("/dataset-tables", {"datasetId": dataset, "tableName": "wide", "fields": many}),
             envelope=CATALYZED)
    for name in ("a\x00b", "line\nbreak", "x" * 300):
        _refused(api.post("/dataset-tables", {"datasetId": dataset, "tableName": "n", "fields": [
            {"name": name, "arrowType": "int32"}]}), envelope=CATALYZED)
        plan = api.post(f"/dataset-tables/{table}/migrations/plan", {"operations": [
            {"type": "add_column", "params": {"name": name, "dataType": "utf8", "nullable": True}}]})
        assert plan.status == 200 and plan.json()["isValid"] is False, plan.json()
    metadata = {"k": "v" * 10_000}
    _refused(api.post("/dataset-tables", {"datasetId": dataset, "tableName": "m", "fields": [
        {"name": "a", "arrowType": "int32", "metadata": metadata}]}), envelope=CATALYZED)
    ops = [{"type": "drop_column", "params": {"name": "v"}}] * 2001
    _refused(api.post(f"/dataset-tables/{table}/migrations/plan", {"operations": ops}), envelope=CATALYZED)


def test_changelogs_that_are_bombs_or_too_deep(api: ApiClient, base: str) -> None:
    bomb = "databaseChangeLog:\n- a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"- a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]\n" for i in range(1, 9))
    deep_yaml = "databaseChangeLog: " + "[" * 3000 + "]" * 3000
    deep_json = '{"databaseChangeLog": ' + "[" * 3000 + "]" * 3000 + "}"
    for name, text in (("c.yaml", bomb), ("c.yaml", deep_yaml), ("c.json", deep_json)):
        _refused(api.put(f"{base}/dbschema/s/changelog", {"rootFile": name, "files": {name: text}}))
    assert api.get(f"{base}/dbschema/s").json()["changelog"]["rootFile"] == "c.sql"


def test_unknown_secret_on_sync_and_dry_run_with_count(api: ApiClient, base: str) -> None:
    from schemashift.credentials import secret_name

    missing = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{secret_name('local', 'missing')}-AbCdEf"
    assert api.post(f"{base}/dbschema/s/instance", {"identifier": "pg", "name": "pg", "secretArn": missing,
                                                    "url": "postgresql://127.0.0.1:5432/x"}).status == 201
    _refused(api.post(f"{base}/dbschema/s/instance/pg/sync"))
    started = api.post(f"{base}/dbschema/s/instance/i/apply", {"dryRun": True, "count": 1})
    assert started.status == 202, started.json()
    done = wait_for(api, base, started.json()["executionId"])
    assert done["status"] == "SUCCESS", done["error"]
    assert any("CREATE TABLE t1" in s for s in done["sql"]) and not any("CREATE TABLE t2" in s for s in done["sql"])


def test_idempotent_writes_after_an_index_and_a_compaction(api: ApiClient, table: str) -> None:
    from tests.datasets.jobs.helpers import migrate, wait

    for i in range(3):
        assert api.post(f"/dataset-tables/{table}/rows", [{"id": 100 + i, "v": "x"}], params={"mode": "append"}
                        ).status == 200
    migrate(api, table, {"type": "add_scalar_index", "params": {"column": "id", "indexType": "btree"}})
    compact = api.post(f"/dataset-tables/{table}/compact", {})
    assert compact.status == 202
    assert wait(api, table, compact.json()["operationId"])["status"] == "completed"
    params = {"mode": "upsert", "idempotency_key": "after-compact"}
    first = api.post(f"/dataset-tables/{table}/rows", [{"id": 200, "v": "y"}], params=params)
    assert first.status == 200, first.json()
    again = api.post(f"/dataset-tables/{table}/rows", [{"id": 200, "v": "y"}], params=params)
    assert again.status == 200, again.json()
    assert again.json()["dataset_version"] == first.json()["dataset_version"]
    assert json.dumps(again.json()["warnings"]).count("idempotent replay") == 1


def test_csv_bodies_that_are_not_utf8(api: ApiClient, table: str) -> None:
    """Found by tests/datasets/data/test_data_fuzzing.py: a CSV header that is not UTF-8 was a 500."""
    for body in (b"\x80", b"id,\xff\xfe\n1,a\n", b"id,v\n1,\xc3\x28\n"):
        body_json = _refused(api.request("POST", f"/dataset-tables/{table}/rows", params={"mode": "append"}, body=body,
                                         headers={"Content-Type": "text/csv"}), envelope=CATALYZED)
        assert "UTF-8" in body_json["error"] or "Unreadable" in body_json["error"], body_json
    assert api.post(f"/dataset-tables/{table}/query", {"filters": [{"field": "id", "op": "eq", "value": 1}]}
                    ).json()["rows"] == []
