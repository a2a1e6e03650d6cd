"""Running table migrations through the local stack and looking at what they did to the data."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lance
import pyarrow as pa
from schemashift.aws import client, lance_storage_options
from schemashift.datasets.catalog.store import default_catalog
from schemashift.settings import get_settings

from tests.support.client import ApiClient

ACCOUNT = "local"  # the dev key's account
TERMINAL = ("completed", "failed", "cancelled")


def op(type_: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params}


def start(api: ApiClient, table_id: str, *operations: dict[str, Any], **body: Any) -> dict[str, Any]:
    headers = body.pop("headers", None)
    response = api.post(
        f"/dataset-tables/{table_id}/migrations", {"operations": list(operations), **body}, headers=headers
    )
    assert response.status == 202, response.json()
    return response.json()


def wait(
    api: ApiClient,
    table_id: str,
    operation_id: str,
    timeout: float = 120.0,
    on_poll: Callable[[dict[str, Any]], None] | None = None,
    interval: float = 0.05,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = api.get(f"/dataset-tables/{table_id}/operations/{operation_id}")
        assert response.status == 200, response.json()
        operation = response.json()
        if on_poll is not None:
            on_poll(operation)
        if operation["status"] in TERMINAL:
            return operation
        time.sleep(interval)
    raise AssertionError(f"operation {operation_id} did not finish in {timeout}s: {operation}")


def migrate(api: ApiClient, table_id: str, *operations: dict[str, Any], **body: Any) -> dict[str, Any]:
    """Start and wait; the operation must complete."""
    final = wait(api, table_id, start(api, table_id, *operations, **body)["operationId"])
    assert final["status"] == "completed", final
    assert final["progressPercent"] == 100
    return final


def rows(api: ApiClient, table_id: str, **query: Any) -> list[dict[str, Any]]:
    response = api.post(f"/dataset-tables/{table_id}/query", {"limit": 10_000, **query})
    assert response.status == 200, response.json()
    return response.json()["rows"]


def schema(api: ApiClient, table_id: str) -> dict[str, Any]:
    response = api.get(f"/dataset-tables/{table_id}/schema")
    assert response.status == 200, response.json()
    return response.json()


def dataset(table_id: str) -> lance.LanceDataset:
    location = default_catalog().get_table(ACCOUNT, table_id).location
    return lance.dataset(location, storage_options=lance_storage_options())


def append_fragments(table_id: str, data: pa.Table, rows_per_fragment: int) -> None:
    """Append straight to the table's Lance dataset: many fragments in one write."""
    current = dataset(table_id)
    lance.write_dataset(
        data.cast(current.schema),
        current.uri,
        mode="append",
        max_rows_per_file=rows_per_fragment,
        storage_options=lance_storage_options(),
    )


def data_files(table_id: str) -> set[str]:
    """Every object under the dataset's data/ prefix, referenced or not (stray files show up here)."""
    prefix = f"tables/{ACCOUNT}/{table_id}/data/"
    listing = (
        client("s3").get_paginator("list_objects_v2").paginate(Bucket=get_settings().bucket, Prefix=prefix)
    )
    return {entry["Key"].removeprefix(prefix) for page in listing for entry in page.get("Contents", [])}


def referenced_files(table_id: str) -> set[str]:
    return {f.path for fragment in dataset(table_id).get_fragments() for f in fragment.metadata.data_files()}


@dataclass(frozen=True)
class Snapshot:
    """Everything a failed migration must leave as it was."""

    lance_version: int
    arrow_schema: pa.Schema
    data: pa.Table
    files: frozenset[str]
    schema: dict[str, Any]


def snapshot(api: ApiClient, table_id: str) -> Snapshot:
    current = dataset(table_id)
    return Snapshot(
        current.version,
        current.schema,
        current.to_table(),
        frozenset(data_files(table_id)),
        schema(api, table_id),
    )


class Gate:
    """Holds fragment workers at the door until released: lets a test act mid-migration.

    Installed as the local Lambda hook of the fragment function; the first ``free`` invocations
    pass at once, the rest wait for ``release()``."""

    def __init__(self, free: int = 0) -> None:
        import threading

        self.free = free
        self.passed = 0
        self.lock = threading.Lock()
        self.opened = threading.Event()

    def __call__(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.passed += 1
            if self.passed <= self.free:
                return
        if not self.opened.wait(timeout=60):
            raise TimeoutError("the test never released the gate")

    def wait_until_holding(self, timeout: float = 30.0) -> None:
        """Block until a worker is waiting at the gate (the run is planned and mid-way)."""
        deadline = time.monotonic() + timeout
        while self.passed <= self.free:
            assert time.monotonic() < deadline, "no worker reached the gate"
            time.sleep(0.02)

    def release(self) -> None:
        self.opened.set()


FRAGMENT_FUNCTION = "TableMigrationFragmentFunction"
