"""All or nothing through the whole stack: a failed, cancelled, crashed or raced migration ends with
the table either unchanged or fully migrated, and the operation says which."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from schemashift.aws import client
from schemashift.faults import InjectedFault
from schemashift.settings import require

from tests.datasets.api_helpers import new_table, write
from tests.datasets.jobs.helpers import (
    FRAGMENT_FUNCTION,
    Gate,
    data_files,
    dataset,
    migrate,
    op,
    referenced_files,
    rows,
    snapshot,
    start,
    wait,
)
from tests.support.client import ApiClient

FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "price", "arrowType": "string"},
    {"name": "qty", "arrowType": "int32"},
]
FRAGMENTS, PER_FRAGMENT = 6, 50
ROWS = FRAGMENTS * PER_FRAGMENT
CAST_AND_FILL = [
    op("change_column_type", name="price", newType="int32"),
    op("add_column", name="status", dataType="string", nullable=False, defaultValue="new"),
]


def make_table(api: ApiClient, bad_row: int | None = None) -> str:
    table_id = new_table(api, fields=FIELDS)
    for fragment in range(FRAGMENTS):
        batch = [
            {"id": i, "price": "12x" if i == bad_row else str(i), "qty": i % 7}
            for i in range(fragment * PER_FRAGMENT, (fragment + 1) * PER_FRAGMENT)
        ]
        assert write(api, table_id, "append", batch).status == 200
    return table_id


def assert_migrated(api: ApiClient, table_id: str, ids: list[int]) -> None:
    got = rows(api, table_id)
    assert [r["id"] for r in got] == ids
    assert [r["price"] for r in got] == ids and {r["status"] for r in got} == {"new"}
    assert data_files(table_id) == referenced_files(table_id)  # no file of an aborted attempt is left


@pytest.fixture
def hooks(stack):
    """Local Lambda hooks by logical id, removed after the test."""
    installed = stack.lambdas.before_invoke
    yield installed
    installed.pop(FRAGMENT_FUNCTION, None)


def test_bad_value_mid_table_fails_and_changes_nothing(api: ApiClient) -> None:
    table_id = make_table(api, bad_row=4 * PER_FRAGMENT + 17)
    before = snapshot(api, table_id)
    final = wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"])
    assert final["status"] == "failed"
    assert final["error"]["code"] == "CAST_FAILED"
    assert "'12x'" in final["error"]["message"] and "fragment 4" in final["error"]["message"]
    assert final["progressPercent"] < 100
    assert snapshot(api, table_id) == before  # Lance version, schema, data, files and catalog schema
    # The lock went with the failed run, and a fix-up migration then succeeds.
    assert (
        write(api, table_id, "upsert", [{"id": 4 * PER_FRAGMENT + 17, "price": "217", "qty": 0}]).status
        == 200
    )
    migrate(api, table_id, *CAST_AND_FILL)
    fixed = rows(api, table_id, filters=[{"field": "id", "op": "eq", "value": 217}])
    assert fixed == [{"id": 217, "price": 217, "qty": 0, "status": "new"}]


def test_a_worker_still_writing_when_the_map_fails_leaves_no_file(api: ApiClient, hooks) -> None:
    """A failed Map leaves its other iterations running (a Lambda cannot be stopped): the run reports
    ``failed`` only once they have stopped, so no file they write outlives the rollback."""
    table_id = make_table(api, bad_row=4 * PER_FRAGMENT + 17)
    before = snapshot(api, table_id)
    writing = threading.Event()

    def slow_result_of_fragment_5(params: dict, **_: object) -> None:
        """Fragment 5 has written its data file; its result reaches S3 only after fragment 4 failed."""
        if str(params.get("Key", "")).endswith("/5.json"):
            writing.set()
            time.sleep(4)

    def fragment_4_fails_while_5_writes(event: dict) -> None:
        if event["fragmentId"] == 4:
            assert writing.wait(timeout=60), "fragment 5 never stored its result"

    hooks[FRAGMENT_FUNCTION] = fragment_4_fails_while_5_writes
    events = client("s3").meta.events
    events.register("provide-client-params.s3.PutObject", slow_result_of_fragment_5)
    try:
        final = wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"])
        files_at_the_end = data_files(table_id)
    finally:
        events.unregister("provide-client-params.s3.PutObject", slow_result_of_fragment_5)
    assert final["status"] == "failed" and final["error"]["code"] == "CAST_FAILED", final
    assert files_at_the_end == before.files  # fragment 5's file is gone by the time "failed" is reported
    assert snapshot(api, table_id) == before


def test_cancel_mid_run_leaves_the_table_unchanged(api: ApiClient, hooks) -> None:
    table_id = make_table(api)
    before = snapshot(api, table_id)
    gate = Gate(free=2)
    hooks[FRAGMENT_FUNCTION] = gate
    operation = start(api, table_id, *CAST_AND_FILL)
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while "2/6 fragments" not in (seen[-1] if seen else "") and time.monotonic() < deadline:
        seen.append(
            api.get(f"/dataset-tables/{table_id}/operations/{operation['operationId']}")
            .json()
            .get("progressMessage", "")
        )
        time.sleep(0.05)
    assert seen[-1] == "rewriting columns price, status: 2/6 fragments"
    cancelled = api.post(f"/dataset-tables/{table_id}/operations/{operation['operationId']}/cancel")
    assert cancelled.status == 202 and cancelled.json()["status"] == "running"
    assert cancelled.json()["progressMessage"] == "cancelling"
    gate.release()
    final = wait(api, table_id, operation["operationId"])
    assert final["status"] == "cancelled" and final["error"]["code"] == "CANCELLED"
    assert snapshot(api, table_id) == before  # the two finished fragments' files are gone too
    assert api.post(f"/dataset-tables/{table_id}/operations/{operation['operationId']}/cancel").status == 409


def test_crashed_worker_is_retried_and_the_migration_completes(api: ApiClient, hooks) -> None:
    table_id = make_table(api)
    crashes: list[int] = []

    def crash_once(event: dict) -> None:
        if event["fragmentId"] == 3 and not crashes:
            crashes.append(3)
            raise InjectedFault("worker died")

    hooks[FRAGMENT_FUNCTION] = crash_once
    final = wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"])
    assert crashes == [3]
    assert final["status"] == "completed", final
    assert_migrated(api, table_id, list(range(ROWS)))


def test_worker_crash_after_storing_its_result_is_not_run_twice(api: ApiClient) -> None:
    table_id = make_table(api)
    os.environ["SCHEMASHIFT_FAULTS"] = json.dumps({"table_migration.after_fragment_result": 1})
    try:
        final = wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"])
    finally:
        os.environ.pop("SCHEMASHIFT_FAULTS", None)
    assert final["status"] == "completed", final
    assert_migrated(api, table_id, list(range(ROWS)))
    assert len(dataset(table_id).get_fragments()) == FRAGMENTS


def test_worker_that_keeps_crashing_fails_the_migration_cleanly(api: ApiClient, hooks) -> None:
    table_id = make_table(api)
    before = snapshot(api, table_id)

    def always_crash(event: dict) -> None:
        if event["fragmentId"] == 5:
            raise InjectedFault("worker died again")

    hooks[FRAGMENT_FUNCTION] = always_crash
    final = wait(api, table_id, start(api, table_id, *CAST_AND_FILL)["operationId"])
    assert final["status"] == "failed"
    assert final["error"] == {"code": "InjectedFault", "message": "worker died again"}
    assert snapshot(api, table_id) == before


def test_rows_written_during_the_migration_are_migrated_too(api: ApiClient, hooks) -> None:
    table_id = make_table(api)
    gate = Gate(free=3)
    hooks[FRAGMENT_FUNCTION] = gate
    operation = start(api, table_id, *CAST_AND_FILL)
    gate.wait_until_holding()  # planned at the version before these writes, half its workers through
    appended = [{"id": i, "price": str(i), "qty": 1} for i in range(ROWS, ROWS + 25)]
    assert write(api, table_id, "append", appended).status == 200
    assert write(api, table_id, "delete", [{"id": 0}, {"id": 1}]).status == 200
    gate.release()
    final = wait(api, table_id, operation["operationId"])
    assert final["status"] == "completed", final
    assert_migrated(api, table_id, list(range(2, ROWS + 25)))


def test_an_execution_stopped_by_hand_does_not_hold_the_table(api: ApiClient, hooks) -> None:
    """Its finish step never runs, so the operation stays "running" and keeps the lock; the next
    start sees that the execution has ended, fails the operation and takes the table over."""
    table_id = make_table(api)
    gate = Gate(free=2)
    hooks[FRAGMENT_FUNCTION] = gate
    stuck = start(api, table_id, *CAST_AND_FILL)
    gate.wait_until_holding()
    sfn = client("stepfunctions")
    arn = require("TABLE_MIGRATION_STATE_MACHINE_ARN").replace(":stateMachine:", ":execution:")
    execution = f"{arn}:{stuck['operationId']}"
    sfn.stop_execution(executionArn=execution)
    gate.release()  # the emulator reports ABORTED once the Lambdas in flight have returned
    deadline = time.monotonic() + 30
    while (
        sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert (
        api.get(f"/dataset-tables/{table_id}/operations/{stuck['operationId']}").json()["status"] == "running"
    )

    final = migrate(api, table_id, op("add_column", name="flag", dataType="bool", nullable=True))
    assert final["status"] == "completed"
    dead = api.get(f"/dataset-tables/{table_id}/operations/{stuck['operationId']}").json()
    assert dead["status"] == "failed" and dead["error"]["code"] == "EXECUTION_ENDED"
    assert "execution ended" in dead["error"]["message"]  # ABORTED on AWS; the emulator says FAILED
    got = rows(api, table_id)
    assert [r["price"] for r in got] == [str(i) for i in range(ROWS)] and {r["flag"] for r in got} == {None}
