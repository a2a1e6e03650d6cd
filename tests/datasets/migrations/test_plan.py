"""Planning: every problem reported at once, what each step will do, and nothing written."""

from __future__ import annotations

import pytest
from schemashift.datasets.catalog.schema import build_schema
from schemashift.datasets.migrations import MigrationPlan, plan_migration, run_migration
from schemashift.errors import Conflict, ValidationFailed

from tests.datasets.migrations.conftest import Table, op


def test_plan_lists_every_problem_and_changes_nothing(table: Table) -> None:
    version, files = table.version, table.data_files()
    plan = plan_migration(
        table.uri,
        None,
        table.schema,
        [
            op("drop_column", name="nope"),
            op("add_column", name="TAG", dataType="int32", nullable=True),
            op("change_column_type", name="labels", newType="int64"),
            op("add_column", name="flag", dataType="bool", nullable=False),
            op("add_scalar_index", column="embedding", indexType="btree"),
            op("add_vector_index", column="price"),
            op("add_vector_index", column="embedding", numSubVectors=3),
            op("add_column", name="size", dataType="int8", nullable=True, defaultValue=1000),
            op("alter_column_nullability", name="qty", nullable=False),
            op("set_primary_key", columns=["tag"]),
            op("rename_column", oldName="tag", newName="price"),
            op("make_coffee"),
            op("add_scalar_index", column="tag", indexType="hash"),
        ],
    )
    assert not plan.isValid
    errors = plan.validationErrors
    expected = [
        "operations[0] (drop_column): unknown column 'nope'",
        "operations[1] (add_column): column 'tag' already exists (names ignore case: 'TAG')",
        "operations[2] (change_column_type): cannot change column 'labels' from list<utf8> to int64",
        "operations[3] (add_column): non-nullable column 'flag' needs a defaultValue",
        "operations[4] (add_scalar_index): column 'embedding': a btree index needs a primitive column",
        "operations[5] (add_vector_index): column 'price': a vector index needs a fixed_size_list of floats",
        "operations[6] (add_vector_index): numSubVectors 3 must divide the dimension 8",
        "operations[7] (add_column): defaultValue 1000 is not a valid int8",
        "operations[8] (alter_column_nullability): column 'qty' holds 200 NULL value(s)",
        "operations[9] (set_primary_key): column 'tag' is nullable",
        "operations[10] (rename_column): column 'price' already exists",
        "operations[11]: unknown operation type 'make_coffee'",
        "operations[12]: params.indexType: Input should be 'btree', 'bitmap', 'label_list' or 'inverted'",
    ]
    assert len(errors) == len(expected), errors
    for error, start in zip(errors, expected, strict=True):
        assert error.startswith(start), (error, start)
    assert table.version == version and table.data_files() == files
    with pytest.raises(ValidationFailed) as raised:
        run_migration(table.uri, None, table.schema, [op("drop_column", name="nope")])
    assert raised.value.details == ["operations[0] (drop_column): unknown column 'nope'"]


def test_operations_see_the_schema_left_by_the_ones_before(table: Table) -> None:
    plan = plan_migration(
        table.uri,
        None,
        table.schema,
        [
            op("rename_column", oldName="tag", newName="category"),
            op("add_scalar_index", column="category", indexType="bitmap"),
            op("drop_column", name="price"),
            op("add_column", name="price", dataType="float64", nullable=True, defaultValue=0),
        ],
    )
    assert plan.isValid, plan.validationErrors
    assert plan.new_schema.names == ["id", "qty", "category", "labels", "embedding", "price"]
    assert [c.kind for c in plan.computed_columns] == ["fill"]
    assert plan.requiresRewrite and not plan.metadataOnly
    assert plan.fragment_ids == [0, 1, 2, 3]


def test_nullable_column_without_default_is_metadata_only(table: Table) -> None:
    plan = plan_migration(
        table.uri, None, table.schema, [op("add_column", name="note", dataType="string", nullable=True, position=1)]
    )
    assert plan.isValid and plan.metadataOnly and not plan.requiresRewrite
    assert plan.fragment_ids == [] and plan.computed_columns == []
    assert plan.new_schema.names[:2] == ["id", "note"]


def test_index_impacts(table: Table) -> None:
    dataset = table.dataset()
    dataset.create_scalar_index("tag", "BITMAP")
    dataset.create_scalar_index("price", "BTREE")
    dataset.create_scalar_index("qty", "BTREE")
    dataset.create_scalar_index("id", "BTREE")
    plan = plan_migration(
        table.uri,
        None,
        table.schema,
        [
            op("rename_column", oldName="tag", newName="category"),
            op("change_column_type", name="price", newType="int32"),
            op("drop_column", name="qty"),
            op("add_scalar_index", column="category", indexType="inverted", name="category_text"),
        ],
    )
    assert plan.isValid, plan.validationErrors
    impacts = {i.indexName: (i.impact, i.reason) for i in plan.indexImpacts}
    assert impacts == {
        "tag_idx": ("none", "follows the renamed column 'category'"),
        "price_idx": ("rebuild", "column 'price' changes type to int32"),
        "qty_idx": ("drop", "column 'qty' is dropped"),
        "id_idx": ("none", "not affected"),
        "category_text": ("rebuild", "new inverted index on 'category'"),
    }
    assert sorted(plan.index_drops) == ["price_idx", "qty_idx"]
    assert [b.name for b in plan.index_builds] == ["price_idx", "category_text"]


def test_plan_round_trips_through_json(table: Table) -> None:
    plan = plan_migration(
        table.uri, None, table.schema, [op("change_column_type", name="qty", oldType="int32", newType="int64")]
    )
    again = MigrationPlan.model_validate(plan.to_json())
    assert again == plan
    assert plan.to_json()["schema"]["fields"][2] == {
        "name": "qty",
        "arrowType": "int64",
        "nullable": True,
        "metadata": {},
    }


def test_schema_that_does_not_describe_the_dataset_is_a_conflict(table: Table) -> None:
    stale = build_schema([{"name": "id", "arrowType": "int64", "nullable": False}], ["id"])
    with pytest.raises(Conflict) as raised:
        plan_migration(table.uri, None, stale, [op("drop_primary_key")])
    assert raised.value.code == "SCHEMA_MISMATCH"
