"""The write fence: a migration's commit lands after a few attempts under tight-loop writers, the
writes it held back wait (boundedly) and then succeed, and without a fence writes never wait.

Rows are written through ``TableData`` (catalog on the local stack's DynamoDB, Lance in a local
directory), the migration is planned, computed and committed as the commit step does it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import lance
import pyarrow as pa
import pytest
from schemashift.datasets.catalog.fence import FENCE_SECONDS, TableFence
from schemashift.datasets.catalog.schema import TableSchema, arrow_schema_text, build_schema, to_arrow
from schemashift.datasets.catalog.store import Catalog, NewSchema, default_catalog
from schemashift.datasets.data.storage import DataBucket
from schemashift.datasets.data.table_data import RowsRequest, TableData, table_schema
from schemashift.datasets.migrations import commit_migration, plan_migration, run_fragment
from schemashift.datasets.migrations.commit import FENCE_AFTER_LOST_ATTEMPTS
from schemashift.datasets.migrations.models import CommitResult

from tests.datasets.api_helpers import unique
from tests.datasets.migrations.conftest import op

FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "name", "arrowType": "string"},
    {"name": "amount", "arrowType": "float64"},
]


@dataclass
class Setup:
    catalog: Catalog
    data: TableData
    account: str
    table_id: str
    uri: str

    def write(self, ids: range) -> float:
        """Append rows ``ids``; returns the seconds the write took."""
        rows = [{"id": i, "name": f"n{i}", "amount": 1.0} for i in ids]
        request = RowsRequest(mode="append", body=json.dumps(rows).encode(), content_type="application/json")
        started = time.monotonic()
        self.data.write_rows(self.account, self.table_id, request)
        return time.monotonic() - started

    def ids(self) -> list[int]:
        return sorted(lance.dataset(self.uri).to_table(columns=["id"]).column("id").to_pylist())

    def fence_until(self) -> int | None:
        return self.catalog.get_table(self.account, self.table_id).fenceUntil

    def migrate(self, fence: TableFence, column: str = "status") -> CommitResult:
        """Add ``column`` (default ``'new'``): plan, compute, commit and record the schema version,
        lowering the fence at the end (as the commit step does)."""
        table = self.catalog.get_table(self.account, self.table_id)
        operation = op("add_column", name=column, dataType="utf8", nullable=True, defaultValue="new")
        plan = plan_migration(self.uri, None, table_schema(table), [operation])
        assert plan.isValid, plan.validationErrors
        results = [run_fragment(plan, fragment_id) for fragment_id in plan.fragment_ids]
        try:
            committed = commit_migration(plan, results, fence=fence)
            schema = committed.table_schema
            self.catalog.add_schema_version(self.account, self.table_id, table.versionNumber, NewSchema(
                fields=[f.model_dump() for f in schema.fields], primaryKeyColumns=list(schema.primaryKeyColumns),
                arrowSchema=arrow_schema_text(schema), lanceVersion=committed.lance_version,
            ))
        finally:
            fence.lower_fence()
        return committed


@dataclass
class Writers:
    """Clients appending 20 rows at a time in a tight loop, each with its own id range."""

    setup: Setup
    count: int = 2
    written: list[int] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, first_id: int) -> None:
        next_id = first_id
        while not self.stop.is_set():
            try:
                self.durations.append(self.setup.write(range(next_id, next_id + 20)))
                self.written.extend(range(next_id, next_id + 20))
            except Exception as exc:  # every failure is a defect; the test reports them
                self.failures.append(exc)
            next_id += 20

    @contextmanager
    def running(self) -> Iterator[None]:
        threads = [threading.Thread(target=self.run, args=(1_000_000 * (n + 1),)) for n in range(self.count)]
        for thread in threads:
            thread.start()
        try:
            while len(self.written) < 200:  # both are really writing before the migration starts
                time.sleep(0.01)
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()


@pytest.fixture
def setup(stack, tmp_path: Path) -> Setup:
    catalog = default_catalog()
    account, table_id = unique("acct"), unique("tbl")
    schema: TableSchema = build_schema(FIELDS, ["id"])
    uri = str(tmp_path / "orders.lance")
    rows = [{"id": i, "name": f"n{i}", "amount": float(i)} for i in range(2000)]
    lance.write_dataset(pa.Table.from_pylist(rows, to_arrow(schema)), uri, max_rows_per_file=500)
    dataset_id = catalog.create_dataset(account, "d").datasetId
    catalog.create_table(account, table_id, dataset_id, "orders", None, uri, NewSchema(
        fields=[f.model_dump() for f in schema.fields], primaryKeyColumns=["id"],
        arrowSchema=arrow_schema_text(schema), lanceVersion=lance.dataset(uri).version,
    ))
    data = TableData(catalog, DataBucket(None, "unused"), {}, "unused")
    return Setup(catalog, data, account, table_id, uri)


def test_a_migration_under_two_tight_loop_writers_lands_after_a_few_attempts(setup: Setup, caplog) -> None:
    """Without the fence, these writers outran the commit for its whole 240 s in 2 of 3 runs (572
    attempts); with it every commit lands within a few attempts. A commit that happens to win in
    its first 3 needs no fence, so migrations run until one was fenced (nearly always the first)."""
    writers = Writers(setup)
    attempts: list[int] = []
    with writers.running():
        for n in range(5):
            fence = TableFence(setup.catalog, setup.account, setup.table_id)
            attempts.append(setup.migrate(fence, column=f"status{n}").attempts)
            assert setup.fence_until() is None  # lowered
            if fence.raised:
                break
        time.sleep(0.5)  # writers keep going on the new schema
    assert not writers.failures, writers.failures[:3]
    assert fence.raised, f"the writers never made the commit lose 3 times: {attempts}"
    # raised after the 3rd loss; writes already past their fence check can cost one or two more
    assert max(attempts) <= FENCE_AFTER_LOST_ATTEMPTS + 3, attempts
    assert setup.ids() == sorted([*range(2000), *writers.written])  # every acknowledged write is there
    assert max(writers.durations) < FENCE_SECONDS + 5  # nobody waited past the fence's bound (+ the write)
    waits = [record.waitedMs for record in caplog.records if "waited for a migration" in record.getMessage()]
    assert waits, "no write was held back by the fence"
    assert all(0 < waited <= FENCE_SECONDS * 1000 + 200 for waited in waits)
    column = f"status{len(attempts) - 1}"
    statuses = lance.dataset(setup.uri).to_table(columns=["id", column]).to_pylist()
    assert {row[column] for row in statuses if row["id"] < 2000} == {"new"}
    assert any(row[column] == "new" for row in statuses if row["id"] >= 1_000_000)  # caught up in the rebase


def test_a_write_waits_while_the_fence_is_up_and_lands_when_it_is_lowered(setup: Setup) -> None:
    fence = TableFence(setup.catalog, setup.account, setup.table_id, seconds=5)
    fence.raise_fence()
    version = lance.dataset(setup.uri).version
    took: list[float] = []
    writer = threading.Thread(target=lambda: took.append(setup.write(range(5000, 5010))))
    writer.start()
    time.sleep(0.6)
    assert writer.is_alive() and lance.dataset(setup.uri).version == version  # held back, nothing committed
    fence.lower_fence()
    writer.join(timeout=5)
    assert took and 0.6 <= took[0] < 2.0, took
    assert setup.ids() == [*range(2000), *range(5000, 5010)]


def test_a_fence_whose_committer_died_expires_by_itself(setup: Setup) -> None:
    TableFence(setup.catalog, setup.account, setup.table_id, seconds=1).raise_fence()  # never lowered
    assert setup.fence_until() is not None
    took = setup.write(range(5000, 5010))
    assert 0.5 <= took < 3.0, took  # waited out the rest of the fence, no more
    with _get_items(setup.catalog) as reads:
        assert setup.write(range(6000, 6010)) < 1.0  # the expired fence holds nothing back and costs no read
    assert reads == [1]
    assert setup.ids() == [*range(2000), *range(5000, 5010), *range(6000, 6010)]


def test_no_write_waits_longer_than_the_fence_bound(setup: Setup) -> None:
    TableFence(setup.catalog, setup.account, setup.table_id, seconds=60).raise_fence()  # a stuck holder
    took = setup.write(range(5000, 5010))
    assert FENCE_SECONDS - 0.5 <= took < FENCE_SECONDS + 3.0, took
    assert setup.ids() == [*range(2000), *range(5000, 5010)]


def test_without_a_fence_writes_never_wait_and_read_the_catalog_once(setup: Setup, caplog) -> None:
    with _get_items(setup.catalog) as reads:
        for n in range(5):
            setup.write(range(5000 + 10 * n, 5010 + 10 * n))
    assert reads == [5]  # the table record every write reads anyway, nothing more
    assert not [record for record in caplog.records if "waited for a migration" in record.getMessage()]


@contextmanager
def _get_items(catalog: Catalog) -> Iterator[list[int]]:
    """A count of the GetItems the catalog's client sends meanwhile (botocore's event hooks)."""
    count = [0]

    def seen(**_: object) -> None:
        count[0] += 1

    events = catalog.table.meta.client.meta.events
    events.register("before-call.dynamodb.GetItem", seen, unique_id="test-write-fence")
    try:
        yield count
    finally:
        events.unregister("before-call.dynamodb.GetItem", unique_id="test-write-fence")


def test_a_fence_the_catalog_cannot_store_never_fails_the_commit(setup: Setup, caplog) -> None:
    """The fence only speeds the commit up: when the catalog refuses it (here: a table that does not
    exist), raising and lowering log a warning and the commit goes on as it would without one."""
    from schemashift.aws import dynamodb_table

    fence = TableFence(Catalog(dynamodb_table(unique("no-such-table"))), setup.account, setup.table_id)
    fence.raise_fence()
    assert fence.raised == 0
    fence.raised = 1  # as if an earlier raise had gone through
    fence.lower_fence()
    assert len([r for r in caplog.records if "could not set the write fence" in r.getMessage()]) == 2
    committed = setup.migrate(fence)
    assert committed.table_schema.fields[-1].name == "status"
    assert setup.fence_until() is None
