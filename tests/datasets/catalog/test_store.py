"""The metadata store on the local stack's DynamoDB: conditional writes keep its invariants."""

from __future__ import annotations

import pytest
from schemashift.datasets.catalog.store import Catalog, NewSchema, default_catalog
from schemashift.datasets.errors import ConcurrentModification
from schemashift.errors import Conflict, NotFound
from schemashift.paging import PageRequest

from tests.datasets.api_helpers import unique

FIELDS = [{"name": "id", "arrowType": "int64", "nullable": False, "metadata": {}}]


def schema(lance_version: int, extra: str | None = None) -> NewSchema:
    fields = FIELDS + (
        [{"name": extra, "arrowType": "utf8", "nullable": True, "metadata": {}}] if extra else []
    )
    return NewSchema(
        fields=fields, primaryKeyColumns=["id"], arrowSchema="id: int64 not null", lanceVersion=lance_version
    )


@pytest.fixture
def catalog(stack) -> Catalog:
    return default_catalog()


def test_schema_versions_advance_one_writer_at_a_time(catalog: Catalog) -> None:
    """Two migrations planned against version 1: the second to commit is refused, not stacked.

    (Run one after the other: moto does not make transactions atomic across threads; DynamoDB does.)
    """
    account = unique("acct")
    dataset = catalog.create_dataset(account, "d")
    catalog.create_table(account, "t1", dataset.datasetId, "orders", None, "s3://b/t1", schema(1))
    planned_at = catalog.get_table(account, "t1").versionNumber
    catalog.add_schema_version(account, "t1", planned_at, schema(2, "first"))
    with pytest.raises(ConcurrentModification) as stale:
        catalog.add_schema_version(account, "t1", planned_at, schema(2, "second"))
    assert stale.value.retryable and stale.value.status == 409
    assert stale.value.details == {"tableId": "t1", "expectedVersion": 1}
    table = catalog.get_table(account, "t1")
    assert table.versionNumber == 2 and table.fields[-1]["name"] == "first"
    assert catalog.current_schema(account, "t1").schemaVersionId == table.schemaVersionId

    catalog.add_schema_version(account, "t1", 2, schema(3, "e"))
    first = catalog.schema_versions(account, "t1", PageRequest(limit=2))
    assert [v.versionNumber for v in first.items] == [3, 2]
    rest = catalog.schema_versions(account, "t1", PageRequest(limit=2, cursor=first.next_cursor))
    assert [v.versionNumber for v in rest.items] == [1] and rest.next_cursor is None


def test_name_claims_and_table_counts_follow_every_change(catalog: Catalog) -> None:
    account = unique("acct")
    dataset = catalog.create_dataset(account, "d").datasetId
    catalog.create_table(account, "a", dataset, "alpha", None, "s3://b/a", schema(1))
    catalog.create_table(account, "b", dataset, "beta", None, "s3://b/b", schema(1))
    with pytest.raises(Conflict):
        catalog.create_table(account, "c", dataset, "alpha", None, "s3://b/c", schema(1))
    with pytest.raises(NotFound):
        catalog.get_table(account, "c")  # the failed create left nothing behind
    catalog.update_table(account, "a", {"tableName": "gamma"})
    assert sorted(catalog.table_ids(account, dataset)) == ["a", "b"]
    catalog.create_table(account, "c", dataset, "alpha", None, "s3://b/c", schema(1))
    assert catalog.get_dataset(account, dataset).tableCount == 3
    for table_id in ("a", "b", "c"):
        catalog.delete_table(account, table_id)
    assert catalog.get_dataset(account, dataset).tableCount == 0
    assert catalog.table_ids(account, dataset) == []
    catalog.delete_dataset(account, dataset)
    with pytest.raises(NotFound):
        catalog.create_table(account, "d", dataset, "delta", None, "s3://b/d", schema(1))


def test_the_write_fence_is_a_field_of_the_table_record(catalog: Catalog) -> None:
    account, table_id = unique("acct"), unique("tbl")
    dataset_id = catalog.create_dataset(account, "d").datasetId
    catalog.create_table(account, table_id, dataset_id, "t", None, "s3://b/t.lance", schema(1))
    assert catalog.get_table(account, table_id).fenceUntil is None
    catalog.set_fence(account, table_id, 1_900_000_000_000)
    table = catalog.get_table(account, table_id)
    assert table.fenceUntil == 1_900_000_000_000
    assert type(table).from_item(table.to_item()) == table  # the record round-trips with the fence
    assert "fenceUntil" not in table.to_api().to_json()  # internal: not part of the API's table
    catalog.add_schema_version(account, table_id, 1, schema(2, "extra"))
    catalog.update_table(account, table_id, {"tableName": "renamed"})
    assert catalog.get_table(account, table_id).fenceUntil == 1_900_000_000_000  # other changes keep it
    catalog.set_fence(account, table_id, None)
    assert catalog.get_table(account, table_id).fenceUntil is None
    catalog.delete_table(account, table_id)
    catalog.set_fence(account, table_id, 1_900_000_000_000)  # a deleted table gets no stub record
    with pytest.raises(NotFound):
        catalog.get_table(account, table_id)
