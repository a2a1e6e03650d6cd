"""All or nothing: failed, cancelled, crashed and raced migrations leave the table as it was."""

from __future__ import annotations

import lance
import pyarrow as pa
import pytest
from schemashift.datasets.migrations import (
    ConcurrentModification,
    FragmentResult,
    MigrationCancelled,
    MigrationFailed,
    MigrationPlan,
    abort_migration,
    commit_migration,
    plan_migration,
    run_fragment,
    run_migration,
)

from tests.datasets.migrations.conftest import ROWS, ROWS_PER_FRAGMENT, Table, op, orders_data, orders_schema

CAST_AND_FILL = [
    op("add_column", name="status", dataType="string", nullable=False, defaultValue="new"),
    op("change_column_type", name="price", newType="int32"),
]


@pytest.fixture
def bad_price_table(tmp_path) -> Table:
    prices = [str(i) for i in range(ROWS)]
    prices[1234] = "12x"  # fragment 2, offset 234
    uri = str(tmp_path / "bad.lance")
    lance.write_dataset(orders_data(price=prices), uri, max_rows_per_file=ROWS_PER_FRAGMENT)
    return Table(uri=uri, schema=orders_schema())


def snapshot(table: Table) -> tuple:
    dataset = table.dataset()
    return dataset.version, dataset.schema, dataset.to_table(), table.data_files()


def test_bad_cast_mid_table_fails_with_the_value_and_changes_nothing(bad_price_table: Table) -> None:
    before = snapshot(bad_price_table)
    with pytest.raises(MigrationFailed) as raised:
        run_migration(bad_price_table.uri, None, bad_price_table.schema, CAST_AND_FILL)
    error = raised.value
    assert error.code == "CAST_FAILED"
    assert error.details["column"] == "price" and error.details["value"] == "12x"
    assert error.details["row"] == {"fragmentId": 2, "offset": 234}
    assert "Failed to parse string: '12x'" in error.details["reason"]
    assert snapshot(bad_price_table) == before  # version, schema, data and files on disk


def test_deleted_rows_are_not_cast(bad_price_table: Table) -> None:
    bad_price_table.dataset().delete("id = 1234")
    run_migration(bad_price_table.uri, None, bad_price_table.schema, CAST_AND_FILL)
    prices = bad_price_table.column("price")
    assert len(prices) == ROWS - 1 and prices[1234] == 1235


def test_cancel_mid_run_removes_finished_fragments(table: Table) -> None:
    before = snapshot(table)
    checks = iter([False, False, True])  # one check per batch; fragments are one batch each
    with pytest.raises(MigrationCancelled):
        run_migration(table.uri, None, table.schema, CAST_AND_FILL, should_cancel=lambda: next(checks))
    assert snapshot(table) == before


def test_crashed_fragment_task_can_be_retried(table: Table) -> None:
    # Step payloads go through JSON between Lambdas, so do the same here.
    plan = MigrationPlan.model_validate(plan_migration(table.uri, None, table.schema, CAST_AND_FILL).to_json())

    def crash(rows: int) -> None:
        raise RuntimeError("Lambda ran out of time")

    results = [run_fragment(plan, fragment_id) for fragment_id in (0, 1, 3)]
    with pytest.raises(MigrationFailed, match="Lambda ran out of time"):
        run_fragment(plan, 2, on_rows=crash)
    results.append(run_fragment(plan, 2))
    results = [FragmentResult.model_validate(r.model_dump(mode="json")) for r in results]
    commit_migration(plan, results)
    assert table.column("price") == [i % 1000 for i in range(ROWS)]
    assert table.column("status") == ["new"] * ROWS
    assert table.data_files() == table.referenced_files()  # no file of the crashed attempt is left


def test_abort_deletes_uncommitted_fragment_files(table: Table) -> None:
    before = table.data_files()
    plan = plan_migration(table.uri, None, table.schema, CAST_AND_FILL)
    results = [run_fragment(plan, fragment_id) for fragment_id in plan.fragment_ids]
    assert len(table.data_files()) == len(before) + 4
    deleted = abort_migration(plan, results)
    assert len(deleted) == 4 and table.data_files() == before


def test_rows_appended_during_the_migration_are_migrated_too(table: Table) -> None:
    plan = plan_migration(table.uri, None, table.schema, CAST_AND_FILL)
    results = [run_fragment(plan, fragment_id) for fragment_id in plan.fragment_ids]
    lance.write_dataset(orders_data(100, start=ROWS), table.uri, mode="append")
    table.dataset().delete("id < 10")
    result = commit_migration(plan, results)
    assert result.lance_version == plan.read_version + 3
    prices, ids = table.column("price"), table.column("id")
    assert ids == list(range(10, ROWS + 100))
    assert prices == [i % 1000 for i in ids]
    assert table.column("status") == ["new"] * len(ids)
    assert table.data_files() == table.referenced_files()


def test_concurrent_schema_change_is_a_retryable_conflict(table: Table) -> None:
    plan = plan_migration(table.uri, None, table.schema, CAST_AND_FILL)
    results = [run_fragment(plan, fragment_id) for fragment_id in plan.fragment_ids]
    run_migration(table.uri, None, table.schema, [op("rename_column", oldName="tag", newName="category")])
    with pytest.raises(ConcurrentModification) as raised:
        commit_migration(plan, results)
    assert raised.value.retryable and raised.value.status == 409
    assert table.data_files() == table.referenced_files()  # our fragment files are gone
    assert "price" in table.dataset().schema.names and table.dataset().schema.field("price").type == "string"


def test_metadata_only_commit_rebases_over_appends_but_not_over_new_nulls(table: Table) -> None:
    plan = plan_migration(table.uri, None, table.schema, [op("rename_column", oldName="tag", newName="category")])
    lance.write_dataset(orders_data(10, start=ROWS), table.uri, mode="append")
    commit_migration(plan, [])
    assert table.column("category")[-1] == f"t{(ROWS + 9) % 7}"

    schema = orders_schema().model_copy(update={"fields": plan.new_schema.fields})
    tighten = plan_migration(table.uri, None, schema, [op("alter_column_nullability", name="category", nullable=False)])
    assert tighten.isValid
    rows = table.dataset().to_table(limit=5)
    rows = rows.set_column(rows.schema.get_field_index("category"), "category", pa.nulls(5, pa.string()))
    lance.write_dataset(rows, table.uri, mode="append")  # written after the plan checked for NULLs
    with pytest.raises(MigrationFailed) as raised:
        commit_migration(tighten, [])
    assert raised.value.code == "NULL_VALUE"
    assert table.dataset().schema.field("category").nullable


def test_a_retried_commit_step_returns_the_first_result(table: Table) -> None:
    """Step Functions retries a commit Lambda that timed out after Lance had committed."""
    operations = [*CAST_AND_FILL, op("add_scalar_index", column="qty", indexType="btree")]
    plan = plan_migration(table.uri, None, table.schema, operations)
    results = [run_fragment(plan, fragment_id) for fragment_id in plan.fragment_ids]
    first = commit_migration(plan, results)
    again = commit_migration(plan, results)
    assert again == first and first.lance_version == table.version == plan.read_version + 2
    assert first.indexes == ["qty_idx"] and table.data_files() == table.referenced_files()


def test_failed_index_build_puts_the_previous_version_back(tmp_path) -> None:
    data = orders_data()
    nan_vectors = pa.FixedSizeListArray.from_arrays(pa.array([float("nan")] * (ROWS * 8), pa.float32()), 8)
    data = data.set_column(data.schema.get_field_index("embedding"), data.schema.field("embedding"), nan_vectors)
    uri = str(tmp_path / "nan.lance")
    lance.write_dataset(data, uri, max_rows_per_file=ROWS_PER_FRAGMENT)
    table = Table(uri=uri, schema=orders_schema())
    version, before = table.version, table.dataset().to_table()
    with pytest.raises(MigrationFailed) as raised:
        run_migration(uri, None, table.schema, [*CAST_AND_FILL, op("add_vector_index", column="embedding")])
    assert raised.value.code == "INDEX_BUILD_FAILED" and "KMeans" in raised.value.message
    # The schema change had been committed; a restore commit puts the read version back.
    assert raised.value.details == {"restoredVersion": version + 2} and table.version == version + 2
    after = table.dataset().to_table()
    assert after.schema.equals(before.schema, check_metadata=True)
    assert after.drop_columns(["embedding"]).equals(before.drop_columns(["embedding"]))  # NaN != NaN
    assert not (tmp_path / "nan.lance" / "_indices").exists() or not any(
        (tmp_path / "nan.lance" / "_indices").iterdir()
    )
