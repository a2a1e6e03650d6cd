"""Writes keep working during a migration: rows appended while a migration runs are rebased into its
commit (the commit retries against the new Lance version) and end up migrated too; a commit that
keeps losing raises the write fence, which is down again when the migration completes."""

from __future__ import annotations

import threading

import pytest
from schemashift.datasets.catalog.store import default_catalog

from tests.datasets.api_helpers import new_table
from tests.datasets.jobs.helpers import ACCOUNT, op, start, wait
from tests.support.client import ApiClient


@pytest.mark.parametrize("operation", [
    op("add_column", name="status", dataType="utf8", nullable=True, defaultValue="new"),
    op("rename_column", oldName="name", newName="customer"),
])
def test_migrations_rebase_over_rows_appended_meanwhile(api: ApiClient, operation: dict) -> None:
    table = new_table(api)
    for batch in range(4):
        rows = [{"id": batch * 100 + i, "name": f"n{i}", "amount": float(i)} for i in range(100)]
        assert api.post(f"/dataset-tables/{table}/rows", rows, params={"mode": "append"}).status == 200
    stop = threading.Event()
    written: list[int] = []
    failures: list[object] = []

    def append() -> None:
        next_id = 10_000
        while not stop.is_set():
            rows = [{"id": next_id + i, "amount": 1.0} for i in range(20)]  # valid before and after the change
            response = api.post(f"/dataset-tables/{table}/rows", rows, params={"mode": "append"})
            if response.status == 200:
                written.extend(r["id"] for r in rows)
            else:
                failures.append(response.json())
            next_id += 20

    writers = [threading.Thread(target=append) for _ in range(2)]
    for writer in writers:
        writer.start()
    try:
        operation_id = start(api, table, operation)["operationId"]
        final = wait(api, table, operation_id, timeout=300)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert final["status"] == "completed", final
    assert default_catalog().get_table(ACCOUNT, table).fenceUntil is None
    assert not failures, failures[:3]
    assert written, "no row was appended while the migration ran"
    rows = api.post(f"/dataset-tables/{table}/query", {"limit": 10_000, "includeTotal": True}).json()
    ids = sorted(r["id"] for r in rows["rows"])
    assert ids == sorted([b * 100 + i for b in range(4) for i in range(100)] + written)  # no write lost
    if operation["type"] == "add_column":  # every row there at commit time got the default
        assert all("status" in r for r in rows["rows"])
        assert {r["status"] for r in rows["rows"] if r["id"] < 10_000} == {"new"}
        assert {r["status"] for r in rows["rows"]} <= {"new", None}
        # rows appended while the migration ran were caught up into its commit (rebased), not left behind
        assert any(r["status"] == "new" for r in rows["rows"] if r["id"] >= 10_000)
    else:
        assert all("customer" in r and "name" not in r for r in rows["rows"])
