"""Every operation type run end to end on a multi-fragment table, with the data read back."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from schemashift.datasets.catalog.schema import PK_METADATA_KEY, from_arrow
from schemashift.datasets.migrations import run_migration

from tests.datasets.migrations.conftest import DIMENSION, ROWS, Table, op


def migrate(table: Table, *operations: dict) -> Table:
    """Run the migration and return the table with its new schema, checking Lance agrees with it."""
    result = run_migration(table.uri, None, table.schema, list(operations))
    dataset = table.dataset()
    assert result.lance_version == dataset.version
    assert from_arrow(dataset.schema) == result.table_schema  # physical order is the logical order
    return Table(uri=table.uri, schema=result.table_schema)


def uses_index(table: Table, name: str, filter_: str) -> bool:
    return f"@{name}(" in table.dataset().scanner(filter=filter_).explain_plan()


def test_add_column_with_default_at_a_position_fills_every_fragment(table: Table) -> None:
    progress: list[tuple[int, int]] = []
    result = run_migration(
        table.uri,
        None,
        table.schema,
        [op("add_column", name="status", dataType="string", nullable=False, defaultValue="new", position=1)],
        lambda done, total: progress.append((done, total)),
    )
    dataset = table.dataset()
    assert dataset.schema.names == ["id", "status", "price", "qty", "tag", "labels", "embedding"]
    assert dataset.schema.field("status").type == pa.string() and not dataset.schema.field("status").nullable
    assert Table(table.uri, result.table_schema).column("status") == ["new"] * ROWS
    assert progress[-1] == (ROWS, ROWS) and len(progress) >= 4  # at least one report per fragment
    assert table.column("price")[:3] == ["0", "1", "2"]  # other columns untouched


def test_add_nullable_column_without_default_writes_no_data(table: Table) -> None:
    files = table.data_files()
    migrated = migrate(table, op("add_column", name="note", dataType="list<int32>", nullable=True))
    assert table.data_files() == files
    assert migrated.column("note") == [None] * ROWS
    assert table.dataset().schema.field("note").type == pa.list_(pa.int32())
    # A later column with data still gets a fresh field id (no collision with the null column).
    again = migrate(migrated, op("add_column", name="score", dataType="float64", nullable=True, defaultValue=1.5))
    assert again.column("score") == [1.5] * ROWS and again.column("note") == [None] * ROWS


def test_drop_column_drops_its_index(table: Table) -> None:
    table.dataset().create_scalar_index("tag", "BITMAP")
    migrated = migrate(table, op("drop_column", name="tag"))
    dataset = table.dataset()
    assert "tag" not in dataset.schema.names and dataset.count_rows() == ROWS
    assert [i.name for i in dataset.describe_indices()] == []
    assert migrated.column("qty")[:3] == [None, 1, 2]


def test_rename_column_keeps_data_and_index(table: Table) -> None:
    table.dataset().create_scalar_index("tag", "BITMAP")
    migrated = migrate(table, op("rename_column", oldName="tag", newName="category"))
    assert migrated.column("category")[:3] == ["t0", "t1", "t2"]
    assert uses_index(migrated, "tag_idx", "category = 't3'")
    assert migrated.dataset().count_rows(filter="category = 't3'") == len([i for i in range(ROWS) if i % 7 == 3])


def test_change_column_type_casts_every_value_and_rebuilds_the_index(table: Table) -> None:
    table.dataset().create_scalar_index("price", "BTREE")
    migrated = migrate(
        table,
        op("change_column_type", name="price", oldType="utf8", newType="int32"),
        op("change_column_type", name="qty", newType="float64"),
    )
    dataset = table.dataset()
    assert dataset.schema.field("price").type == pa.int32()
    assert migrated.column("price") == [i % 1000 for i in range(ROWS)]
    assert migrated.column("qty")[:3] == [None, 1.0, 2.0]
    assert uses_index(migrated, "price_idx", "price = 17")
    assert dataset.count_rows(filter="price = 17") == 2


def test_alter_column_nullability_both_ways(table: Table) -> None:
    migrated = migrate(
        table,
        op("alter_column_nullability", name="tag", nullable=False),
        op("alter_column_nullability", name="id", nullable=False),
        op("drop_primary_key"),
        op("alter_column_nullability", name="id", nullable=True),
    )
    schema = table.dataset().schema
    assert not schema.field("tag").nullable and schema.field("id").nullable
    assert migrated.schema.primaryKeyColumns == []


def test_nullability_change_together_with_new_data_is_rewritten(table: Table) -> None:
    """One Lance Merge cannot flip an existing field's nullability, so the column is copied."""
    table.dataset().create_scalar_index("tag", "BITMAP")
    migrated = migrate(
        table,
        op("alter_column_nullability", name="tag", nullable=False),
        op("add_column", name="flag", dataType="bool", nullable=False, defaultValue=False),
    )
    assert not table.dataset().schema.field("tag").nullable
    assert migrated.column("tag")[:2] == ["t0", "t1"]
    assert uses_index(migrated, "tag_idx", "tag = 't1'")


def test_set_enforced_primary_key_checks_uniqueness_and_drop_primary_key(table: Table) -> None:
    with pytest.raises(Exception, match="not unique"):
        run_migration(
            table.uri,
            None,
            table.schema,
            [
                op("alter_column_nullability", name="tag", nullable=False),
                op("set_primary_key", columns=["tag"], enforced=True),
            ],
        )
    migrated = migrate(
        table,
        op("alter_column_nullability", name="tag", nullable=False),
        op("set_primary_key", columns=["tag", "id"], enforced=True),
    )
    dataset = table.dataset()
    assert [f.name() for f in dataset.lance_schema.unenforced_primary_key()] == ["tag", "id"]
    assert dataset.schema.field("tag").metadata[PK_METADATA_KEY.encode()] == b"true"
    assert migrated.schema.primaryKeyColumns == ["tag", "id"]
    dropped = migrate(migrated, op("drop_primary_key"))
    assert dropped.schema.primaryKeyColumns == [] and table.dataset().lance_schema.unenforced_primary_key() == []


@pytest.mark.parametrize(
    ("column", "index_type", "query"),
    [
        ("qty", "btree", {"filter": "qty = 7"}),
        ("tag", "bitmap", {"filter": "tag = 't2'"}),
        ("labels", "label_list", {"filter": "array_has_any(labels, ['l1'])"}),
        ("tag", "inverted", {"full_text_query": "t2"}),
    ],
)
def test_add_and_drop_scalar_index(table: Table, column: str, index_type: str, query: dict) -> None:
    version = table.version
    migrated = migrate(table, op("add_scalar_index", column=column, indexType=index_type, name="by_column"))
    assert table.version == version + 1  # index-only: one commit
    plan = migrated.dataset().scanner(**query).explain_plan()
    assert "@by_column(" in plan or (index_type == "inverted" and "MatchQuery: column=tag" in plan)
    if index_type != "inverted":
        assert migrated.dataset().count_rows(**query) == table.dataset(version).count_rows(**query)
    migrate(migrated, op("drop_scalar_index", name="by_column"))
    assert table.dataset().describe_indices() == []


@pytest.mark.parametrize(("index_type", "metric"), [("IVF_PQ", "cosine"), ("IVF_HNSW_SQ", "dot")])
def test_add_and_drop_vector_index(table: Table, index_type: str, metric: str) -> None:
    migrated = migrate(
        table, op("add_vector_index", column="embedding", indexType=index_type, metric=metric, numPartitions=2)
    )
    query = np.full(DIMENSION, 0.5, dtype=np.float32)
    plan = migrated.dataset().scanner(nearest={"column": "embedding", "q": query, "k": 5}).explain_plan()
    assert "ANNSubIndex: name=embedding_idx" in plan and f"metric={metric.title()}" in plan
    assert len(migrated.dataset().to_table(nearest={"column": "embedding", "q": query, "k": 5})) == 5
    with pytest.raises(Exception, match="is a vector index; use drop_vector_index"):
        run_migration(table.uri, None, migrated.schema, [op("drop_scalar_index", name="embedding_idx")])
    migrate(migrated, op("drop_vector_index", name="embedding_idx"))
    assert table.dataset().describe_indices() == []


def test_many_operations_publish_one_schema_version(table: Table) -> None:
    version = table.version
    migrated = migrate(
        table,
        op("add_column", name="status", dataType="string", nullable=False, defaultValue="ok", position=0),
        op("change_column_type", name="price", newType="int64"),
        op("rename_column", oldName="tag", newName="category"),
        op("drop_column", name="labels"),
        op("add_column", name="note", dataType="string", nullable=True),
        op("set_primary_key", columns=["id"]),
        op("add_scalar_index", column="price", indexType="btree"),
    )
    # The schema change is one commit; the index build publishes once after it.
    assert [v["version"] for v in table.dataset().versions()] == [version, version + 1, version + 2]
    assert migrated.schema.names == ["status", "id", "price", "qty", "category", "embedding", "note"]
    row = migrated.dataset().to_table(filter="id = 1234").to_pylist()[0]
    assert {k: row[k] for k in ("status", "id", "price", "category", "note")} == {
        "status": "ok",
        "id": 1234,
        "price": 234,
        "category": "t2",
        "note": None,
    }
    assert uses_index(migrated, "price_idx", "price = 234")
