"""Progress as a caller sees it, and the fan-out the state machine picks for the table's size."""

from __future__ import annotations

import os
import time

import pyarrow as pa
from schemashift.aws import client
from schemashift.settings import require

from tests.datasets.api_helpers import new_table
from tests.datasets.jobs.helpers import (
    FRAGMENT_FUNCTION,
    append_fragments,
    data_files,
    dataset,
    op,
    referenced_files,
    rows,
    start,
    wait,
)
from tests.support.client import ApiClient

FIELDS = [{"name": "id", "arrowType": "int64", "nullable": False}, {"name": "amount", "arrowType": "int32"}]


def table_with_fragments(api: ApiClient, fragments: int, per_fragment: int) -> str:
    table_id = new_table(api, fields=FIELDS)
    total = fragments * per_fragment
    append_fragments(table_id, pa.table({"id": range(total), "amount": range(total)}), per_fragment)
    assert len(dataset(table_id).get_fragments()) == fragments
    return table_id


def test_progress_rises_monotonically_from_0_to_100_on_a_large_table(api: ApiClient, stack) -> None:
    table_id = table_with_fragments(api, fragments=52, per_fragment=100)
    # Each worker takes a little while, as real ones do, so the polls land mid-run.
    stack.lambdas.before_invoke[FRAGMENT_FUNCTION] = lambda event: time.sleep(0.02)
    try:
        operation = start(api, table_id, op("change_column_type", name="amount", newType="int64"))
        seen: list[tuple[str, int, str]] = []
        final = wait(
            api,
            table_id,
            operation["operationId"],
            on_poll=lambda o: seen.append((o["status"], o["progressPercent"], o.get("progressMessage", ""))),
            interval=0.01,
        )
    finally:
        stack.lambdas.before_invoke.pop(FRAGMENT_FUNCTION, None)
    assert final["status"] == "completed", final
    percents = [operation["progressPercent"]] + [percent for _, percent, _ in seen]
    assert percents[0] == 0 and percents[-1] == 100
    assert percents == sorted(percents), percents  # never goes back
    assert len({p for p in percents if 0 < p < 100}) >= 5, percents  # and moves while it runs
    assert all(percent < 100 for status, percent, _ in seen if status != "completed")
    messages = [message for _, _, message in seen if "fragments" in message]
    assert messages and all(
        m.startswith("rewriting column amount: ") and m.endswith("/52 fragments") for m in messages
    )
    assert rows(api, table_id, limit=3) == [{"id": i, "amount": i} for i in range(3)]
    assert dataset(table_id).schema.field("amount").type == pa.int64()


def test_large_tables_fan_out_through_a_distributed_map(api: ApiClient) -> None:
    table_id = table_with_fragments(api, fragments=12, per_fragment=20)
    os.environ["TABLE_MIGRATION_DISTRIBUTED_THRESHOLD"] = "10"
    try:
        operation = start(
            api, table_id, op("add_column", name="flag", dataType="bool", nullable=False, defaultValue=True)
        )
        final = wait(api, table_id, operation["operationId"])
    finally:
        os.environ.pop("TABLE_MIGRATION_DISTRIBUTED_THRESHOLD", None)
    assert final["status"] == "completed", final
    arn = require("TABLE_MIGRATION_STATE_MACHINE_ARN").replace(":stateMachine:", ":execution:")
    history = client("stepfunctions").get_execution_history(executionArn=f"{arn}:{operation['operationId']}")
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history["events"] if "stateEnteredEventDetails" in e
    ]
    assert "RewriteFragmentsDistributed" in entered and "RewriteFragments" not in entered
    assert {r["flag"] for r in rows(api, table_id)} == {True} and len(rows(api, table_id)) == 240
    assert data_files(table_id) == referenced_files(table_id)
