import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from schemashift.datasets.catalog.schema import TableSchema, build_schema
from schemashift.datasets.data.json_stream import iter_json_array
from schemashift.datasets.data.rows import batch_schema, decode_rows
from schemashift.errors import ValidationFailed


@pytest.fixture(scope="module")
def schema() -> TableSchema:
    return build_schema(
        [
            {"name": "id", "arrowType": "int64", "nullable": False},
            {"name": "name", "arrowType": "string"},
            {"name": "small", "arrowType": "uint8"},
            {"name": "active", "arrowType": "bool"},
            {"name": "score", "arrowType": "float64"},
            {"name": "born", "arrowType": "date32"},
            {"name": "seen", "arrowType": "timestamp[ns]"},
            {"name": "blob", "arrowType": "binary"},
            {"name": "tags", "arrowType": "list<string>"},
            {"name": "vec", "arrowType": "fixed_size_list[2]<float32>"},
        ],
        ["id"],
    )


def rows_of(batches) -> list[dict]:
    table = pa.Table.from_batches(list(batches))
    # Nanosecond timestamps do not fit datetime; compare their epoch counts.
    return table.set_column(6, "seen", table.column("seen").cast(pa.int64())).to_pylist()


def expect_error(body, content_type: str, schema: TableSchema, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        list(decode_rows(body, content_type, schema, **kwargs))
    return info.value


def test_json_rows_are_coerced_by_the_rules(schema: TableSchema) -> None:
    body = json.dumps([
        {"id": "123.45", "name": "a", "small": "7", "active": "YES", "score": "1.5", "born": "2024-02-29",
         "seen": "2024-01-02T03:04:05.123456789+02:00", "blob": "aGk=", "tags": ["x", "y"], "vec": [1, 2]},
        {"ID": 2, "Active": "0", "small": "null", "score": "", "born": 1, "seen": 5, "vec": None},
        {"id": 3, "active": "y", "tags": []},
    ]).encode()
    rows = rows_of(decode_rows(body, "application/json; charset=utf-8", schema))
    assert rows[0] == {
        "id": 123, "name": "a", "small": 7, "active": True, "score": 1.5,
        "born": __import__("datetime").date(2024, 2, 29), "seen": 1704157445123456789, "blob": b"hi",
        "tags": ["x", "y"], "vec": [1.0, 2.0],
    }
    assert rows[1]["id"] == 2 and rows[1]["active"] is False and rows[1]["small"] is None
    assert rows[1]["score"] is None and rows[1]["born"].isoformat() == "1970-01-02" and rows[1]["seen"] == 5
    assert rows[1]["name"] is None and rows[1]["tags"] is None  # missing nullable columns are NULL
    assert rows[2]["active"] is True and rows[2]["tags"] == []


def test_csv_matches_headers_case_insensitively_and_coerces_text(schema: TableSchema) -> None:
    body = (
        b"ID,Name,SMALL,active,score,born,seen,blob,tags,vec\n"
        b'1,,200,true,2.5,2024-01-01,2024-01-01T00:00:00,aGk=,"[""a""]","[1.5, 2]"\n'
        b"2,bob,,n,,,,,,\n"
    )
    rows = rows_of(decode_rows(body, "text/csv", schema))
    assert rows[0]["name"] is None  # an empty CSV field is NULL for a nullable text column
    assert rows[0]["small"] == 200 and rows[0]["tags"] == ["a"] and rows[0]["vec"] == [1.5, 2.0]
    assert rows[0]["seen"] == 1704067200 * 10**9 and rows[0]["blob"] == b"hi"
    assert rows[1] == {
        "id": 2, "name": "bob", "small": None, "active": False, "score": None, "born": None,
        "seen": None, "blob": None, "tags": None, "vec": None,
    }
    assert rows_of(decode_rows(body, "application/csv", schema)) == rows


def test_parquet_and_arrow_stream_are_cast_to_the_schema(schema: TableSchema) -> None:
    source = pa.table({
        "Id": pa.array([1, 2], pa.int32()),
        "score": pa.array([1, 2], pa.int16()),
        "name": ["a", None],
        "active": pa.array(["yes", "0"]),  # foreign types fall back to the value rules
    })
    parquet = io.BytesIO()
    pq.write_table(source, parquet)
    arrow = io.BytesIO()
    with pa.ipc.new_stream(arrow, source.schema) as writer:
        writer.write_table(source)
    for body, content_type in [(parquet.getvalue(), "application/parquet"),
                               (arrow.getvalue(), "application/vnd.apache.arrow.stream")]:
        rows = rows_of(decode_rows(body, content_type, schema))
        assert [(r["id"], r["score"], r["name"], r["active"], r["tags"]) for r in rows] == [
            (1, 1.0, "a", True, None), (2, 2.0, None, False, None),
        ]
    batches = list(decode_rows(io.BytesIO(parquet.getvalue()), "application/parquet", schema, batch_rows=1))
    assert [b.num_rows for b in batches] == [1, 1]
    assert batches[0].schema == batch_schema(schema, "append")


def test_delete_mode_accepts_bare_keys_key_objects_and_full_rows(schema: TableSchema) -> None:
    body = b'[1, "2", {"id": 3}, {"id": 4, "name": "ignored"}]'
    [batch] = decode_rows(body, "application/json", schema, mode="delete")
    assert batch.schema.names == ["id"] and batch.column(0).to_pylist() == [1, 2, 3, 4]
    csv = b"name,id\nx,5\n"
    assert next(decode_rows(csv, "text/csv", schema, mode="delete")).to_pylist() == [{"id": 5}]
    composite = build_schema(
        [{"name": "a", "arrowType": "int8", "nullable": False}, {"name": "b", "arrowType": "utf8", "nullable": False}],
        ["b", "a"],
    )
    [keys] = decode_rows(b'[["x", 1], {"a": 2, "b": "y"}]', "application/json", composite, mode="delete")
    assert keys.to_pylist() == [{"b": "x", "a": 1}, {"b": "y", "a": 2}]
    error = expect_error(b"[1]", "application/json", composite, mode="delete")
    assert error.details["row"] == 0 and "2 value(s)" in error.message


@pytest.mark.parametrize(
    ("body", "row", "column", "reason"),
    [
        (b'[{"id": 1}, {"id": 2, "small": "-9999"}]', 1, "small", "out of range for uint8"),
        (b'[{"id": 1, "small": 256}]', 0, "small", "out of range for uint8"),
        (b'[{"id": 1}, {"id": 2}, {"id": 3, "active": "maybe"}]', 2, "active", "expected a boolean"),
        (b'[{"id": 1, "nope": 1}]', 0, "nope", "unknown column"),
        (b'[{"id": 1}, {"name": "no id"}]', 1, "id", "non-nullable"),
        (b'[{"id": "null"}]', 0, "id", "non-nullable"),
        (b'[{"id": 1, "vec": [1, 2, 3]}]', 0, "vec", "exactly 2 items"),
        (b'[{"id": 1, "tags": ["a", {}]}]', 0, "tags", "item 1"),
        (b'[{"id": 1, "seen": "yesterday"}]', 0, "seen", "ISO-8601"),
        (b'[{"id": 1, "blob": "not base64!"}]', 0, "blob", "base64"),
        (b'[{"id": 1, "id": 2, "ID": 3}]', 0, "ID", "given twice"),
        (b'[{"id": 1}, 7]', 1, "*", "JSON object"),
    ],
)
def test_bad_rows_name_row_column_and_value(
    schema: TableSchema, body: bytes, row: int, column: str, reason: str
) -> None:
    error = expect_error(body, "application/json", schema, batch_rows=2)
    assert error.details["row"] == row
    assert error.details["column"] == column
    assert reason in error.details["reason"]
    assert f"row {row}" in error.message and repr(column) in error.message


def test_csv_errors_count_rows_across_batches(schema: TableSchema) -> None:
    body = b"id,small\n" + b"".join(f"{i},1\n".encode() for i in range(5)) + b"5,300\n"
    error = expect_error(body, "text/csv", schema, batch_rows=2)
    assert error.details == {"row": 5, "column": "small", "value": "300",
                             "reason": "300 is out of range for uint8 [0, 255]"}
    missing = expect_error(b"name\nx\n", "text/csv", schema)
    assert missing.details["column"] == "id" and "missing non-nullable column" in missing.message
    unknown = expect_error(b"id,extra\n1,2\n", "text/csv", schema)
    assert unknown.details["column"] == "extra"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"id": 1}', "application/json", "must be a JSON array"),
        (b'[{"id": 1},', "application/json", "element 1"),
        (b'[{"id": 1}] x', "application/json", "after the JSON array"),
        (b"[1]", "application/xml", "Unsupported content type"),
        (b"not parquet", "application/parquet", "Unreadable body"),
    ],
)
def test_malformed_bodies(schema: TableSchema, body: bytes, content_type: str, message: str) -> None:
    assert message in expect_error(body, content_type, schema).message


def test_upsert_and_delete_need_a_primary_key() -> None:
    keyless = build_schema([{"name": "a", "arrowType": "int8"}])
    error = expect_error(b"[]", "application/json", keyless, mode="upsert")
    assert error.code == "PRIMARY_KEY_REQUIRED"


def test_json_elements_split_across_chunks_are_read_whole() -> None:
    values = [12345, -0.5, "a\u00e9\u4e2d\"b", {"k": [1, 2, {"z": None}]}, True, None, 9007199254740993]
    text = json.dumps(values, ensure_ascii=False).encode()
    for chunk in (1, 2, 3, 7):
        assert list(iter_json_array(io.BytesIO(text), chunk_bytes=chunk)) == values
    assert list(iter_json_array(io.BytesIO(b"\xef\xbb\xbf [ ] "))) == []


def random_json(rng: random.Random, depth: int = 0):
    # Strings full of brackets and commas try to fool the reader's bulk cuts.
    leaves = [1, -2.5, 1e-7, "a,b", "}],[{", '},{"x":', 'q"\\', None, True, "", 12345678901234567890]
    roll = rng.random()
    if depth > 2 or roll < 0.3:
        return rng.choice(leaves)
    if roll < 0.6:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {f"k{i},}}": random_json(rng, depth + 1) for i in range(rng.randint(0, 3))}


def test_streamed_json_agrees_with_json_loads_on_random_and_corrupted_documents() -> None:
    rng = random.Random(7)
    for _ in range(150):
        document = [random_json(rng) for _ in range(rng.randint(0, 25))]
        text = json.dumps(document, indent=rng.choice([None, 1])).encode()
        for chunk in (1, 5, 64, 1 << 20):
            assert list(iter_json_array(io.BytesIO(text), chunk_bytes=chunk)) == document
        position = rng.randrange(len(text))
        corrupted = text[:position] + b"#" + text[position + 1 :]
        try:
            expected = json.loads(corrupted)
        except ValueError:
            expected = None
        for chunk in (5, 1 << 20):
            try:
                got = list(iter_json_array(io.BytesIO(corrupted), chunk_bytes=chunk))
            except ValidationFailed:
                got = None
            assert got == expected


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_large_json_bodies_are_streamed_batch_by_batch(schema: TableSchema) -> None:
    body = json.dumps([{"id": i, "name": f"n{i}"} for i in range(200_000)]).encode()
    stream = CountingReader(body)
    batches = decode_rows(stream, "application/json", schema, batch_rows=1000)
    first = next(batches)
    assert first.num_rows == 1000
    assert stream.bytes_read < len(body) / 2  # the rest has not even been read yet
    assert sum(batch.num_rows for batch in batches) == 199_000
