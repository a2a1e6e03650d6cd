import subprocess
import sys

import pyarrow as pa
import pytest
from schemashift.datasets.catalog.schema import (
    PK_METADATA_KEY,
    PK_POSITION_METADATA_KEY,
    TableSchema,
    arrow_schema_text,
    build_schema,
    from_arrow,
    to_arrow,
)
from schemashift.errors import ValidationFailed


def orders_schema() -> TableSchema:
    return build_schema(
        [
            {"name": "region", "arrowType": "STRING", "nullable": False},
            {"name": "order_id", "arrowType": "int64", "nullable": False},
            {"name": "embedding", "arrowType": "fixed_size_list[3]<float>", "metadata": {"unit": "m"}},
            {"name": "placed_at", "arrowType": "timestamp"},
        ],
        ["order_id", "region"],
    )


def test_types_are_stored_canonical_and_nullable_defaults_true() -> None:
    schema = orders_schema()
    assert [f.arrowType for f in schema.fields] == [
        "utf8", "int64", "fixed_size_list[3]<float32>", "timestamp[us]",
    ]
    assert schema.field("placed_at").nullable is True


def test_to_arrow_records_composite_primary_key_positions() -> None:
    arrow = to_arrow(orders_schema())
    assert arrow.names == ["region", "order_id", "embedding", "placed_at"]
    assert arrow.field("order_id").metadata == {
        PK_METADATA_KEY.encode(): b"true", PK_POSITION_METADATA_KEY.encode(): b"1",
    }
    assert arrow.field("region").metadata[PK_POSITION_METADATA_KEY.encode()] == b"2"
    assert arrow.field("embedding").metadata == {b"unit": b"m"}
    assert arrow.field("embedding").type == pa.list_(pa.float32(), 3)
    assert not arrow.field("order_id").nullable


def test_from_arrow_round_trips_and_applies_logical_order() -> None:
    schema = orders_schema()
    assert from_arrow(to_arrow(schema)) == schema
    # A column added later sits last physically but first logically.
    physical = to_arrow(schema).append(pa.field("note", pa.string()))
    logical = ["note", *schema.names]
    restored = from_arrow(physical, logical)
    assert restored.names == logical
    assert restored.primaryKeyColumns == ["order_id", "region"]
    with pytest.raises(ValidationFailed, match="Logical column order"):
        from_arrow(physical, schema.names)


def test_arrow_schema_text_is_readable() -> None:
    assert arrow_schema_text(orders_schema()) == (
        "region: utf8 not null primary key(2)\n"
        "order_id: int64 not null primary key(1)\n"
        "embedding: fixed_size_list[3]<float32>\n"
        "placed_at: timestamp[us]"
    )


@pytest.mark.parametrize(
    ("fields", "pk", "message"),
    [
        ([], [], "at least 1"),
        ([{"name": "", "arrowType": "int8"}], [], "must not be empty"),
        ([{"name": "a.b", "arrowType": "int8"}], [], "must not contain '.'"),
        ([{"name": "a`b", "arrowType": "int8"}], [], "must not contain '.' or '`'"),
        ([{"name": "a", "arrowType": "int128"}], [], "Invalid arrowType 'int128'"),
        ([{"name": "Id", "arrowType": "int8"}, {"name": "id", "arrowType": "int8"}], [], "duplicate column"),
        ([{"name": "id", "arrowType": "int8", "nullable": False}], ["nope"], "'nope' is not a column"),
        ([{"name": "id", "arrowType": "int8"}], ["id"], "must be non-nullable"),
        ([{"name": "v", "arrowType": "list<int8>", "nullable": False}], ["v"], "primitive"),
        ([{"name": "f", "arrowType": "double", "nullable": False}], ["f"], "floating-point"),
        ([{"name": "id", "arrowType": "int8", "nullable": False}], ["id", "id"], "must not repeat"),
        ([{"name": "id", "arrowType": "int8", "metadata": {PK_METADATA_KEY: "true"}}], [], "reserved"),
    ],
)
def test_invalid_schemas_are_rejected(fields: list[dict], pk: list[str], message: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        build_schema(fields, pk)
    assert message in info.value.message
    assert info.value.details


def test_schema_validation_does_not_import_pyarrow() -> None:
    """API handlers outside the data image validate schemas; pyarrow is not in their package."""
    code = (
        "import sys\n"
        "from schemashift.datasets.catalog.schema import build_schema\n"
        "build_schema([{'name': 'id', 'arrowType': 'INT64', 'nullable': False},"
        " {'name': 'v', 'arrowType': 'fixed_size_list[2]<float>'}], ['id'])\n"
        "assert 'pyarrow' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
