import pyarrow as pa
import pytest
from schemashift.datasets.catalog.arrow_types import (
    ALIASES,
    format_arrow_type,
    normalize_arrow_type,
    parse_arrow_type,
)
from schemashift.errors import ValidationFailed

CANONICAL = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "uint8": pa.uint8(),
    "uint16": pa.uint16(),
    "uint32": pa.uint32(),
    "uint64": pa.uint64(),
    "float16": pa.float16(),
    "float32": pa.float32(),
    "float64": pa.float64(),
    "utf8": pa.string(),
    "largeutf8": pa.large_string(),
    "binary": pa.binary(),
    "largebinary": pa.large_binary(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "date64": pa.date64(),
    "null": pa.null(),
    "timestamp[s]": pa.timestamp("s"),
    "timestamp[ms]": pa.timestamp("ms"),
    "timestamp[us]": pa.timestamp("us"),
    "timestamp[ns]": pa.timestamp("ns"),
    "list<float32>": pa.list_(pa.float32()),
    "fixed_size_list[3]<float32>": pa.list_(pa.float32(), 3),
    "list<list<utf8>>": pa.list_(pa.list_(pa.string())),
    "list<fixed_size_list[2]<timestamp[ms]>>": pa.list_(pa.list_(pa.timestamp("ms"), 2)),
}


@pytest.mark.parametrize(("text", "data_type"), CANONICAL.items())
def test_canonical_names_round_trip(text: str, data_type: pa.DataType) -> None:
    assert parse_arrow_type(text) == data_type
    assert format_arrow_type(data_type) == text
    assert parse_arrow_type(text.upper()) == data_type


@pytest.mark.parametrize(("alias", "canonical"), ALIASES.items())
def test_aliases_normalise_to_canonical(alias: str, canonical: str) -> None:
    assert normalize_arrow_type(alias) == canonical
    assert normalize_arrow_type(alias.upper()) == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("timestamp", "timestamp[us]"),
        ("TimeStamp[MS]", "timestamp[ms]"),
        (" List < Float > ", "list<float32>"),
        ("FIXED_SIZE_LIST[128]<FLOAT>", "fixed_size_list[128]<float32>"),
        ("list<String>", "list<utf8>"),
        ("list<large_utf8>", "list<largeutf8>"),
    ],
)
def test_spellings_are_normalised(text: str, canonical: str) -> None:
    assert normalize_arrow_type(text) == canonical


@pytest.mark.parametrize(
    "text",
    ["", "int128", "list<int64", "list<>", "timestamp[h]", "fixed_size_list[0]<int8>",
     "fixed_size_list<int8>", "int64 extra", "decimal"],
)
def test_bad_types_name_the_offending_text(text: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_arrow_type(text)
    assert repr(text) in info.value.message
    assert info.value.details["arrowType"] == text


def test_unsupported_arrow_types_cannot_be_formatted() -> None:
    with pytest.raises(ValidationFailed, match="not supported"):
        format_arrow_type(pa.decimal128(10, 2))
    with pytest.raises(ValidationFailed, match="time zone"):
        format_arrow_type(pa.timestamp("us", tz="UTC"))
