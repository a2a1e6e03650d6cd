"""Table migrations through the API on the local stack: POST -> TableMigration (real ASL) -> task
Lambdas -> Lance, with the data read back through the query route after every migration.

Failure paths, progress, maintenance, events and the CLI live in ``tests/datasets/jobs/``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.datasets.api_helpers import assert_error, new_table, write
from tests.datasets.jobs.helpers import (
    FRAGMENT_FUNCTION,
    Gate,
    dataset,
    migrate,
    op,
    rows,
    schema,
    start,
    wait,
)
from tests.support.client import ApiClient

DIMENSION = 8
FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "name", "arrowType": "string"},
    {"name": "amount", "arrowType": "string"},
    {"name": "qty", "arrowType": "int32"},
    {"name": "tags", "arrowType": "list<string>"},
    {"name": "embedding", "arrowType": f"fixed_size_list[{DIMENSION}]<float32>"},
]
FRAGMENTS, ROWS_PER_FRAGMENT = 4, 300
ROWS = FRAGMENTS * ROWS_PER_FRAGMENT
VECTORS = np.random.default_rng(3).random((ROWS, DIMENSION), dtype=np.float32)


def qty(i: int) -> int | None:
    return None if i % 10 == 0 else i % 50


def seed_row(i: int) -> dict:
    return {
        "id": i,
        "name": f"c{i % 20}",
        "amount": f"{i}.25",
        "qty": qty(i),
        "tags": [f"t{i % 3}"],
        "embedding": VECTORS[i].tolist(),
    }


@pytest.fixture
def orders(api: ApiClient) -> str:
    """A table whose rows sit in several fragments: one per append."""
    table_id = new_table(api, fields=FIELDS)
    for fragment in range(FRAGMENTS):
        batch = [seed_row(i) for i in range(fragment * ROWS_PER_FRAGMENT, (fragment + 1) * ROWS_PER_FRAGMENT)]
        assert write(api, table_id, "append", batch).status == 200
    assert len(dataset(table_id).get_fragments()) == FRAGMENTS
    return table_id


def fields(api: ApiClient, table_id: str) -> list[tuple[str, str, bool]]:
    return [(f["name"], f["arrowType"], f["nullable"]) for f in schema(api, table_id)["fields"]]


def test_every_operation_type_changes_the_data_as_asked(api: ApiClient, orders: str) -> None:
    done = []
    # 1. Rewrites: a filled column at a position, two casts, a null-only column.
    done.append(
        migrate(
            api,
            orders,
            op(
                "add_column", name="status", dataType="string", nullable=False, defaultValue="new", position=1
            ),
            op("change_column_type", name="amount", oldType="utf8", newType="float64"),
            op("change_column_type", name="qty", newType="int64"),
            op("add_column", name="note", dataType="string", nullable=True),
            description="status column, numeric amounts",
        )
    )
    assert done[-1]["description"] == "status column, numeric amounts"
    assert fields(api, orders) == [
        ("id", "int64", False),
        ("status", "utf8", False),
        ("name", "utf8", True),
        ("amount", "float64", True),
        ("qty", "int64", True),
        ("tags", "list<utf8>", True),
        ("embedding", f"fixed_size_list[{DIMENSION}]<float32>", True),
        ("note", "utf8", True),
    ]
    got = rows(api, orders)
    assert [r["id"] for r in got] == list(range(ROWS))  # row order survives the rewrite
    assert list(got[0]) == ["id", "status", "name", "amount", "qty", "tags", "embedding", "note"]
    assert all(r["status"] == "new" and r["note"] is None for r in got)
    assert [r["amount"] for r in got] == [i + 0.25 for i in range(ROWS)]
    assert [r["qty"] for r in got] == [qty(i) for i in range(ROWS)]
    assert got[7]["tags"] == ["t1"] and got[7]["embedding"] == pytest.approx(VECTORS[7].tolist())
    assert len(dataset(orders).get_fragments()) == FRAGMENTS  # rewritten in place, fragment by fragment

    # 2. Metadata: rename, drop, and a column that becomes required.
    done.append(
        migrate(
            api,
            orders,
            op("rename_column", oldName="name", newName="customer"),
            op("drop_column", name="note"),
            op("alter_column_nullability", name="customer", nullable=False),
        )
    )
    assert [name for name, *_ in fields(api, orders)] == [
        "id", "status", "customer", "amount", "qty", "tags", "embedding"
    ]  # fmt: skip
    assert ("customer", "utf8", False) in fields(api, orders)
    assert [r["customer"] for r in rows(api, orders, columns=["customer"])][:3] == ["c0", "c1", "c2"]
    refused = write(api, orders, "append", [{"id": ROWS, "status": "x", "customer": None}])
    assert refused.status == 400  # writes follow the new schema

    # 3. Keys: drop the primary key and set a composite one.
    done.append(
        migrate(
            api,
            orders,
            op("drop_primary_key"),
            op("set_primary_key", columns=["customer", "id"], enforced=True),
        )
    )
    assert schema(api, orders)["primaryKeyColumns"] == ["customer", "id"]
    assert [f.name() for f in dataset(orders).lance_schema.unenforced_primary_key()] == ["customer", "id"]
    upsert = write(api, orders, "upsert", [{"id": 3, "customer": "c3", "status": "vip", "amount": 1.0}])
    assert upsert.status == 200 and upsert.json()["rows_updated"] == 1

    # 4. Indexes: scalar and vector, used by filtered and nearest-neighbour queries.
    plan = api.post(
        f"/dataset-tables/{orders}/migrations/plan",
        {"operations": [op("add_scalar_index", column="qty", indexType="btree", name="qty_idx")]},
    ).json()
    assert plan["isValid"] and not plan["requiresRewrite"]
    assert plan["indexImpacts"] == [
        {"indexName": "qty_idx", "impact": "rebuild", "reason": plan["indexImpacts"][0]["reason"]}
    ]
    done.append(
        migrate(
            api,
            orders,
            op("add_scalar_index", column="qty", indexType="btree", name="qty_idx"),
            op("add_scalar_index", column="customer", indexType="bitmap"),
            op("add_vector_index", column="embedding", indexType="IVF_PQ", metric="cosine"),
        )
    )
    lance_dataset = dataset(orders)
    assert "@qty_idx(" in lance_dataset.scanner(filter="qty = 7").explain_plan()
    seven = rows(api, orders, filters=[{"field": "qty", "op": "eq", "value": 7}], columns=["id"])
    assert [r["id"] for r in seven] == [i for i in range(ROWS) if qty(i) == 7]
    nearest = lance_dataset.scanner(nearest={"column": "embedding", "q": VECTORS[5], "k": 3})
    assert "ANNSubIndex: name=embedding_idx" in nearest.explain_plan()
    assert sorted(i.name for i in lance_dataset.describe_indices()) == [
        "customer_idx",
        "embedding_idx",
        "qty_idx",
    ]

    # 5. Dropping indexes keeps the data.
    done.append(
        migrate(
            api,
            orders,
            op("drop_scalar_index", name="qty_idx"),
            op("drop_vector_index", name="embedding_idx"),
        )
    )
    assert [i.name for i in dataset(orders).describe_indices()] == ["customer_idx"]
    assert len(rows(api, orders, filters=[{"field": "qty", "op": "eq", "value": 7}])) == len(seven)

    history = api.get(f"/dataset-tables/{orders}/schema/versions").json()["versions"]
    assert [v["versionNumber"] for v in history] == [6, 5, 4, 3, 2, 1]
    assert [v["operationId"] for v in history[:5]] == [o["operationId"] for o in reversed(done)]
    assert (
        history[-1]["operationId"] is None and history[4]["description"] == "status column, numeric amounts"
    )
    listed = api.get(f"/dataset-tables/{orders}/operations").json()["operations"]
    assert [o["operationId"] for o in listed] == [o["operationId"] for o in reversed(done)]


def test_plan_lists_every_problem_and_runs_nothing(api: ApiClient, orders: str) -> None:
    version = dataset(orders).version
    good = [
        op("change_column_type", name="amount", newType="float64"),
        op("add_scalar_index", column="qty", indexType="btree"),
    ]
    plan = api.post(f"/dataset-tables/{orders}/migrations/plan", {"operations": good})
    assert plan.status == 200
    body = plan.json()
    assert set(body) == {
        "isValid",
        "validationErrors",
        "requiresRewrite",
        "indexImpacts",
        "estimatedDurationMs",
    }
    assert body["isValid"] and body["requiresRewrite"] and body["validationErrors"] == []
    assert body["estimatedDurationMs"] > 0

    bad = [
        op("drop_column", name="nope"),
        op("change_column_type", name="tags", newType="int32"),
        op("rename_column", oldName="id", newName="name"),
        op("launch_rockets"),
    ]
    plan = api.post(f"/dataset-tables/{orders}/migrations/plan", {"operations": bad}).json()
    assert not plan["isValid"] and len(plan["validationErrors"]) == 4
    assert [problem.split(":")[0].split(" ")[0] for problem in plan["validationErrors"]] == [
        "operations[0]", "operations[1]", "operations[2]", "operations[3]"
    ]  # fmt: skip
    refused = assert_error(
        api.post(f"/dataset-tables/{orders}/migrations", {"operations": bad}), 400, "VALIDATION_ERROR"
    )
    assert refused["details"] == plan["validationErrors"]
    assert not api.post(f"/dataset-tables/{orders}/migrations/plan", {"operations": []}).json()["isValid"]
    assert_error(api.post(f"/dataset-tables/{orders}/migrations", {"operations": []}), 400)
    assert_error(api.post(f"/dataset-tables/{orders}/migrations", {"ops": good}), 400)

    assert_error(api.post("/dataset-tables/no-such-table/migrations", {"operations": good}), 404, "NOT_FOUND")
    assert_error(api.post("/dataset-tables/no-such-table/migrations/plan", {"operations": good}), 404)
    assert dataset(orders).version == version  # nothing ran
    assert api.get(f"/dataset-tables/{orders}/operations").json()["operations"] == []


def test_one_operation_per_table_at_a_time(api: ApiClient, stack, orders: str) -> None:
    gate = Gate()
    stack.lambdas.before_invoke[FRAGMENT_FUNCTION] = gate
    try:
        first = start(api, orders, op("change_column_type", name="qty", newType="int64"))
        busy = assert_error(
            api.post(
                f"/dataset-tables/{orders}/migrations", {"operations": [op("drop_column", name="tags")]}
            ),
            409,
            "OPERATION_IN_PROGRESS",
        )
        assert busy["details"]["operationId"] == first["operationId"] and busy["retryable"] is True
        assert_error(api.post(f"/dataset-tables/{orders}/compact", {}), 409, "OPERATION_IN_PROGRESS")
        assert_error(
            api.post(f"/dataset-tables/{orders}/restore", {"versionNumber": 1}), 409, "OPERATION_IN_PROGRESS"
        )
        other = new_table(api)  # other tables are not blocked
        assert (
            migrate(api, other, op("add_column", name="flag", dataType="bool", nullable=True))["status"]
            == "completed"
        )
    finally:
        gate.release()
        stack.lambdas.before_invoke.pop(FRAGMENT_FUNCTION, None)
    assert wait(api, orders, first["operationId"])["status"] == "completed"
    # The lock went with the operation: the next one starts at once.
    assert migrate(api, orders, op("drop_column", name="tags"))["status"] == "completed"
    assert [o["status"] for o in api.get(f"/dataset-tables/{orders}/operations").json()["operations"]] == [
        "completed",
        "completed",
    ]


def test_idempotency_key_starts_one_migration(api: ApiClient, orders: str) -> None:
    body = {"operations": [op("add_column", name="flag", dataType="bool", nullable=True)]}
    headers = {"Idempotency-Key": "release-7"}
    first = api.post(f"/dataset-tables/{orders}/migrations", body, headers=headers)
    again = api.post(f"/dataset-tables/{orders}/migrations", body, headers=headers)
    assert first.status == again.status == 202
    assert first.json()["operationId"] == again.json()["operationId"]
    assert first.json()["status"] == "pending"
    other_body = {"operations": [op("add_column", name="other", dataType="bool", nullable=True)]}
    assert_error(api.post(f"/dataset-tables/{orders}/migrations", other_body, headers=headers), 409)
    wait(api, orders, first.json()["operationId"])
    assert len(api.get(f"/dataset-tables/{orders}/operations").json()["operations"]) == 1


def test_operation_listing_paging_filters_and_errors(api: ApiClient, orders: str) -> None:
    completed = migrate(api, orders, op("add_column", name="flag", dataType="bool", nullable=True))
    compacted = api.post(f"/dataset-tables/{orders}/compact", {})
    assert compacted.status == 202 and compacted.json()["operationType"] == "compact"
    compact = wait(api, orders, compacted.json()["operationId"])
    assert compact["status"] == "completed" and compact["progressPercent"] == 100
    base = f"/dataset-tables/{orders}/operations"

    page = api.get(base, params={"limit": 1}).json()
    assert [o["operationId"] for o in page["operations"]] == [compact["operationId"]]  # newest first
    second = api.get(base, params={"limit": 1, "cursor": page["nextCursor"]}).json()
    assert [o["operationId"] for o in second["operations"]] == [completed["operationId"]]
    assert second["nextCursor"] is None
    only = api.get(base, params={"type": "migration", "status": "completed"}).json()["operations"]
    assert [o["operationId"] for o in only] == [completed["operationId"]]
    assert api.get(base, params={"status": "failed"}).json()["operations"] == []

    operation = api.get(f"{base}/{completed['operationId']}").json()
    assert operation == completed
    assert set(operation) == {
        "operationId", "operationType", "targetType", "targetId", "description", "status",
        "progressPercent", "progressMessage", "createdAt", "startedAt", "completedAt",
    }  # fmt: skip
    assert operation["targetType"] == "table" and operation["targetId"] == orders
    assert operation["createdAt"] <= operation["startedAt"] <= operation["completedAt"]
    assert operation["createdAt"].endswith("Z")

    assert_error(api.get(base, params={"status": "done"}), 400, "VALIDATION_ERROR")
    assert_error(api.get(f"{base}/op_nope"), 404, "NOT_FOUND")
    assert_error(api.get("/dataset-tables/nope/operations"), 404)
    assert_error(api.post(f"{base}/{completed['operationId']}/cancel"), 409, "OPERATION_FINISHED")
    other_table = new_table(api)
    assert_error(api.get(f"/dataset-tables/{other_table}/operations/{completed['operationId']}"), 404)


def test_a_table_without_rows_migrates_too(api: ApiClient) -> None:
    """No fragments, so nothing to rewrite: computed columns are published as schema only."""
    table_id = new_table(api, fields=FIELDS[:3])
    migrate(
        api,
        table_id,
        op("change_column_type", name="amount", newType="float64"),
        op("add_column", name="status", dataType="string", nullable=False, defaultValue="new"),
    )
    assert fields(api, table_id)[2:] == [("amount", "float64", True), ("status", "utf8", False)]
    assert write(api, table_id, "append", [{"id": 1, "name": "a", "amount": 2.5, "status": "x"}]).status == 200
    assert rows(api, table_id) == [{"id": 1, "name": "a", "amount": 2.5, "status": "x"}]
