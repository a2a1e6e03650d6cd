"""Faults at the AWS edge during table migrations and maintenance (real ASL through moto's Step
Functions): DynamoDB throttling, S3 500s (boto3 and Lance's own object store), each task Lambda
crashing before or after its work. Every operation completes or fails cleanly, and afterwards the
catalog (DynamoDB) and the Lance dataset agree: every row there once, converted once, no stray
data file, one new schema version."""

from __future__ import annotations

import pytest

from tests.datasets.api_helpers import new_table, write
from tests.datasets.jobs.helpers import data_files, dataset, referenced_files, rows, schema, start, wait
from tests.datasets.jobs.test_failures import CAST_AND_FILL, FRAGMENTS, ROWS, assert_migrated, make_table
from tests.support.client import ApiClient
from tests.support.faults import aws_errors, http_errors, lambda_crashes

MIGRATION_TASKS = ["TableMigrationPlanFunction", "TableMigrationFragmentFunction", "TableMigrationCommitFunction",
                   "TableOperationFinishFunction"]


def _migrate(api: ApiClient, table_id: str) -> dict:
    return wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"], timeout=300)


def _assert_one_new_version(api: ApiClient, table_id: str, before: int) -> None:
    assert schema(api, table_id)["versionNumber"] == before + 1  # the catalog recorded it once
    assert {f["name"] for f in schema(api, table_id)["fields"]} == {"id", "price", "qty", "status"}


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("function", MIGRATION_TASKS)
def test_migration_survives_a_task_lambda_crash(api: ApiClient, stack, function: str, when: str) -> None:
    table_id = make_table(api)
    version = schema(api, table_id)["versionNumber"]
    with lambda_crashes(stack, function, when=when) as seen:
        final = _migrate(api, table_id)
    assert seen["crashed"] == 1, f"{function} was never invoked"
    assert final["status"] == "completed", (function, when, final)
    assert_migrated(api, table_id, list(range(ROWS)))
    assert len(dataset(table_id).get_fragments()) == FRAGMENTS
    _assert_one_new_version(api, table_id, version)


def test_migration_whose_commit_keeps_crashing_fails_cleanly(api: ApiClient, stack) -> None:
    table_id = make_table(api)
    before = rows(api, table_id)
    version = schema(api, table_id)["versionNumber"]
    files = data_files(table_id)
    with lambda_crashes(stack, "TableMigrationCommitFunction", when="before", times=10) as seen:
        final = _migrate(api, table_id)
    assert seen["crashed"] == 3  # the first try and the ASL's two retries
    assert final["status"] == "failed" and final["error"]["code"] == "Runtime.ExitError", final
    assert rows(api, table_id) == before and schema(api, table_id)["versionNumber"] == version
    assert data_files(table_id) == files == referenced_files(table_id)  # the abort removed what workers wrote


@pytest.mark.parametrize("service", ["dynamodb", "s3"])
def test_migration_rides_out_throttling_and_server_errors(api: ApiClient, stack, service: str) -> None:
    table_id = make_table(api)
    version = schema(api, table_id)["versionNumber"]
    with aws_errors(service, every=1 if service == "s3" else 3) as seen:
        final = _migrate(api, table_id)
    assert seen["injected"] >= (1 if service == "s3" else 10), seen
    assert final["status"] == "completed", final
    assert_migrated(api, table_id, list(range(ROWS)))
    _assert_one_new_version(api, table_id, version)


def test_migration_rides_out_object_store_500s(api: ApiClient, stack) -> None:
    """Lance reads and writes the table through its own S3 client (HTTP to the emulator)."""
    table_id = make_table(api)
    version = schema(api, table_id)["versionNumber"]
    with http_errors(stack, "s3", every=4) as seen:
        final = _migrate(api, table_id)
    assert seen["injected"] >= 5, seen
    assert final["status"] == "completed", final
    assert_migrated(api, table_id, list(range(ROWS)))
    _assert_one_new_version(api, table_id, version)


def _fragmented_table(api: ApiClient) -> str:
    table_id = new_table(api, fields=[{"name": "id", "arrowType": "int64", "nullable": False},
                                      {"name": "price", "arrowType": "string"}])
    for first in range(0, 60, 10):
        assert write(api, table_id, "append", [{"id": i, "price": str(i)} for i in range(first, first + 10)]).status \
            == 200
    return table_id


def _compact(api: ApiClient, table_id: str) -> dict:
    response = api.post(f"/dataset-tables/{table_id}/compact", {})
    assert response.status == 202, response.json()
    return wait(api, table_id, response.json()["operationId"], timeout=300)


@pytest.mark.parametrize("function", ["TableMaintenanceRunFunction", "TableOperationFinishFunction"])
def test_maintenance_survives_a_task_lambda_crash(api: ApiClient, stack, function: str) -> None:
    table_id = _fragmented_table(api)
    before = rows(api, table_id)
    with lambda_crashes(stack, function, when="after") as seen:
        final = _compact(api, table_id)
    assert seen["crashed"] == 1
    assert final["status"] == "completed", final
    assert rows(api, table_id) == before and len(before) == 60
    assert len(dataset(table_id).get_fragments()) == 1


@pytest.mark.parametrize("fault", ["dynamodb", "object store"])
def test_maintenance_rides_out_throttling_and_server_errors(api: ApiClient, stack, fault: str) -> None:
    table_id = _fragmented_table(api)
    before = rows(api, table_id)
    injected = aws_errors("dynamodb", every=3) if fault == "dynamodb" else http_errors(stack, "s3", every=4)
    with injected as seen:
        final = _compact(api, table_id)
    assert seen["injected"] >= 1, seen
    assert final["status"] == "completed", final
    assert rows(api, table_id) == before
    assert len(dataset(table_id).get_fragments()) == 1


def test_migration_rides_out_dynamodb_writes_whose_answer_is_lost(api: ApiClient, stack) -> None:
    table_id = make_table(api)
    version = schema(api, table_id)["versionNumber"]
    with aws_errors("dynamodb", every=2, lost_writes=True) as seen:
        final = _migrate(api, table_id)
    assert seen["injected"] >= 5, seen
    assert final["status"] == "completed", (final, seen)
    assert_migrated(api, table_id, list(range(ROWS)))
    _assert_one_new_version(api, table_id, version)
