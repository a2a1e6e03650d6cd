"""The two low-level pieces everything relies on: chosen Lance field ids and checked casts."""

from __future__ import annotations

import lance
import pyarrow as pa
import pytest
from schemashift.datasets.migrations.lance_schema import build_lance_schema, field_ids, same_schema
from schemashift.datasets.migrations.values import BadValue, checked_cast, default_scalar


def test_lance_schema_keeps_the_ids_we_choose_for_nested_and_keyed_columns(tmp_path) -> None:
    data = pa.table({"a": pa.array([1, 2], pa.int64()), "tags": pa.array([["x"], ["y"]])})
    dataset = lance.write_dataset(data, str(tmp_path / "d.lance"))
    arrow = pa.schema(
        [
            pa.field("tags_renamed", pa.list_(pa.string())),
            pa.field("a", pa.int64(), nullable=False, metadata={"lance-schema:unenforced-primary-key": "true"}),
        ]
    )
    schema = build_lance_schema(arrow, [[1, 2], [0]], "{}")
    assert field_ids(schema) == {"tags_renamed": [1, 2], "a": [0]}
    assert [f.name() for f in schema.unenforced_primary_key()] == ["a"]
    projected = lance.LanceDataset.commit(
        dataset.uri, lance.LanceOperation.Project(schema), read_version=dataset.version
    )
    assert projected.to_table().to_pydict() == {"tags_renamed": [["x"], ["y"]], "a": [1, 2]}
    assert same_schema(projected.lance_schema, schema) and not same_schema(dataset.lance_schema, schema)
    with pytest.raises(ValueError, match="unique"):
        build_lance_schema(arrow, [[1, 2], [1]], "{}")


def test_checked_cast_reports_the_first_value_that_does_not_survive() -> None:
    values = pa.array(["1", None, "3", "x4", "5", "y6"])
    with pytest.raises(BadValue) as raised:
        checked_cast(values, pa.int16())
    assert (raised.value.index, raised.value.value) == (3, "x4")
    with pytest.raises(BadValue) as raised:
        checked_cast(pa.array([1, 70000, 3]), pa.int16())
    assert (raised.value.index, raised.value.value) == (1, 70000)
    with pytest.raises(BadValue, match="out of range"):
        checked_cast(pa.array([1.0, 1e300]), pa.float32())
    assert checked_cast(pa.array(["2024-02-29", None]), pa.date32()).to_pylist()[1] is None


def test_default_values_parse_text_like_a_cast() -> None:
    assert default_scalar("2024-01-02T03:04:05", pa.timestamp("ms")).as_py().year == 2024
    assert default_scalar([0.5, 1.5], pa.list_(pa.float32(), 2)).as_py() == [0.5, 1.5]
    with pytest.raises(ValueError):
        default_scalar("abc", pa.int32())
