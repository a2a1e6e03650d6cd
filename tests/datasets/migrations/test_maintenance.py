"""Maintenance operations: compaction keeps data and indexes usable, restore travels back."""

from __future__ import annotations

import lance
from schemashift.datasets.migrations import build_indexes, compact, restore, run_migration

from tests.datasets.migrations.conftest import ROWS, Table, op, orders_data


def test_compact_merges_fragments_and_keeps_indexes(table: Table) -> None:
    table.dataset().create_scalar_index("qty", "BTREE")
    table.dataset().delete("id < 100")
    result = compact(table.uri, None)
    dataset = table.dataset()
    assert result.metrics["fragmentsRemoved"] == 4 and len(dataset.get_fragments()) == 1
    assert dataset.count_rows() == ROWS - 100
    assert "@qty_idx(" in dataset.scanner(filter="qty = 7").explain_plan()


def test_build_indexes_covers_appended_rows(table: Table) -> None:
    table.dataset().create_scalar_index("qty", "BTREE")
    lance.write_dataset(orders_data(100, start=ROWS), table.uri, mode="append")
    build_indexes(table.uri, None)
    described = {i.name: i.num_rows_indexed for i in table.dataset().describe_indices()}
    assert described == {"qty_idx": ROWS + 100}


def test_restore_brings_back_an_earlier_schema_and_data(table: Table) -> None:
    version = table.version
    run_migration(table.uri, None, table.schema, [op("drop_column", name="tag")])
    new_version = restore(table.uri, None, version)
    assert new_version == version + 2
    assert table.column("tag")[:2] == ["t0", "t1"]
