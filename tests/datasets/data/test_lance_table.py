import threading
from pathlib import Path

import pyarrow as pa
import pytest
from schemashift.datasets.catalog.schema import TableSchema, build_schema
from schemashift.datasets.data.lance_table import LanceTable
from schemashift.datasets.data.rows import decode_rows
from schemashift.errors import Conflict, NotFound, ValidationFailed

SCHEMA = build_schema(
    [
        {"name": "id", "arrowType": "int64", "nullable": False},
        {"name": "name", "arrowType": "utf8"},
        {"name": "score", "arrowType": "float64"},
        {"name": "seen", "arrowType": "timestamp[ns]"},
        {"name": "day", "arrowType": "date32"},
        {"name": "raw", "arrowType": "binary"},
        {"name": "ok", "arrowType": "bool"},
        {"name": "vec", "arrowType": "list<float32>"},
    ],
    ["id"],
)
ROWS = b"""[
 {"id": 1, "name": "ann", "score": 1.5, "seen": "2024-01-01T00:00:00.000000001", "day": "2024-01-01",
  "raw": "AAE=", "ok": true, "vec": [1, 2]},
 {"id": 2, "name": "o'brien", "score": 2.5, "seen": "2024-06-01T12:00:00", "day": "2024-06-01", "ok": false},
 {"id": 3, "name": "50% off", "score": 3.5},
 {"id": 4, "name": "back\\\\slash"}
]"""


def write(table: LanceTable, mode: str, body: bytes, schema: TableSchema = SCHEMA, **kwargs):
    return table.write(mode, decode_rows(body, "application/json", schema, mode=mode), **kwargs)


@pytest.fixture
def table(tmp_path: Path) -> LanceTable:
    table = LanceTable(str(tmp_path / "orders.lance"))
    assert table.create(SCHEMA) == 1
    write(table, "append", ROWS)
    return table


def ids(table: LanceTable, **query) -> list[int]:
    return sorted(row["id"] for row in table.query(columns=["id"], **query).rows)


def test_create_is_empty_version_one_and_refuses_twice(tmp_path: Path) -> None:
    table = LanceTable(str(tmp_path / "t.lance"))
    table.create(SCHEMA)
    assert table.query().rows == [] and [v.version for v in table.versions()] == [1]
    assert table.table_schema() == SCHEMA
    with pytest.raises(Conflict):
        table.create(SCHEMA)
    table.delete()
    with pytest.raises(NotFound):
        table.query()


def test_query_returns_json_safe_values(table: LanceTable) -> None:
    result = table.query(filters=[{"field": "id", "op": "eq", "value": 1}])
    assert result.rows == [{
        "id": 1, "name": "ann", "score": 1.5, "seen": "2024-01-01T00:00:00.000000001", "day": "2024-01-01",
        "raw": "AAE=", "ok": True, "vec": [1.0, 2.0],
    }]
    assert result.version == 2 and result.hasMore is False


def test_write_modes(table: LanceTable) -> None:
    upsert = write(table, "upsert", b'[{"id": 2, "name": "bo"}, {"id": 5, "name": "new"}]')
    assert (upsert.rows_inserted, upsert.rows_updated, upsert.rows_affected, upsert.dataset_version) == (1, 1, 2, 3)
    assert table.query(filters=[{"field": "id", "op": "eq", "value": 2}]).rows[0]["name"] == "bo"

    deleted = write(table, "delete", b'[1, {"id": 5}, 99]')
    assert (deleted.rows_deleted, deleted.rows_affected, deleted.dataset_version) == (2, 2, 4)
    assert ids(table) == [2, 3, 4]

    appended = write(table, "append", b'[{"id": 6}]')
    assert (appended.rows_inserted, appended.dataset_version) == (1, 5)

    overwrite = write(table, "overwrite", b'[{"id": 7}, {"id": 8}]')
    assert (overwrite.rows_inserted, overwrite.rows_deleted, overwrite.rows_affected) == (2, 4, 2)
    assert ids(table) == [7, 8]
    assert table.table_schema() == SCHEMA  # overwrite keeps the primary key and types
    assert write(table, "upsert", b'[{"id": 8, "name": "still keyed"}]').rows_updated == 1


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("id", "eq", 2, [2]),
        ("id", "neq", "2", [1, 3, 4]),
        ("score", "gt", 1.5, [2, 3]),
        ("score", "gte", 1.5, [1, 2, 3]),
        ("id", "lt", 3, [1, 2]),
        ("id", "lte", 3, [1, 2, 3]),
        ("id", "in", [1, 4, 99], [1, 4]),
        ("id", "not_in", [1, 4], [2, 3]),
        ("id", "in", [], []),
        ("name", "eq", "o'brien", [2]),
        ("name", "eq", "back\\slash", [4]),
        ("name", "like", "%'b%", [2]),
        ("name", "like", "50\\% off", [3]),
        ("NAME", "like", "a%", [1]),
        ("score", "is_null", None, [4]),
        ("score", "is_not_null", None, [1, 2, 3]),
        ("seen", "gt", "2024-01-01T00:00:00", [1, 2]),
        ("seen", "eq", "2024-01-01T00:00:00.000000001", [1]),
        ("seen", "lt", "2024-06-01T14:00:00+02:00", [1]),
        ("day", "gte", "2024-02-01", [2]),
        ("raw", "eq", "AAE=", [1]),
        ("ok", "eq", "no", [2]),
        ("vec", "is_not_null", None, [1]),
    ],
)
def test_every_filter_op_is_pushed_down(table: LanceTable, field: str, op: str, value, expected: list[int]) -> None:
    assert ids(table, filters=[{"field": field, "op": op, "value": value}]) == expected


def test_filters_combine_and_reject_bad_input(table: LanceTable) -> None:
    both = [{"field": "id", "op": "gt", "value": 1}, {"field": "score", "op": "lt", "value": 3}]
    assert ids(table, filters=both) == [2]
    injection = [{"field": "name", "op": "eq", "value": "x' OR '1'='1"}]
    assert ids(table, filters=injection) == []
    for bad, message in [
        ({"field": "nope", "op": "eq", "value": 1}, "unknown field"),
        ({"field": "id", "op": "between", "value": 1}, "unknown op"),
        ({"field": "id", "op": "eq", "value": "abc"}, "does not fit int64"),
        ({"field": "id", "op": "eq", "value": None}, "is_null"),
        ({"field": "id", "op": "in", "value": 1}, "list value"),
        ({"field": "id", "op": "like", "value": "1%"}, "text column"),
        ({"field": "vec", "op": "eq", "value": [1]}, "list column"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            table.query(filters=[bad])


def test_columns_come_back_in_logical_order_with_paging(table: LanceTable) -> None:
    first = table.query(columns=["score", "ID"], limit=3, include_total=True)
    assert [list(row) for row in first.rows] == [["id", "score"]] * 3
    assert first.hasMore is True and first.total == 4
    rest = table.query(columns=["id"], limit=3, offset=3)
    assert len(rest.rows) == 1 and rest.hasMore is False
    logical = ["vec", "name", "id", "score", "seen", "day", "raw", "ok"]
    assert list(table.query(limit=1, logical_order=logical).rows[0]) == logical
    with pytest.raises(ValidationFailed):
        table.query(columns=["missing"])
    with pytest.raises(ValidationFailed):
        table.query(limit=10_001)


def test_time_travel_reads_old_versions(table: LanceTable) -> None:
    write(table, "delete", b"[1, 2, 3]")
    assert ids(table) == [4]
    assert ids(table, version=2) == [1, 2, 3, 4]
    assert table.query(version=1).rows == []
    assert [(v.version, v.rowCount) for v in table.versions()] == [(1, 0), (2, 4), (3, 1)]
    with pytest.raises(NotFound):
        table.query(version=42)


def test_retried_idempotency_key_returns_the_original_result(table: LanceTable) -> None:
    body = b'[{"id": 10}, {"id": 11}]'
    first = write(table, "append", body, idempotency_key="req-1")
    write(table, "append", b'[{"id": 12}]')
    retry = write(table, "append", body, idempotency_key="req-1")
    assert (retry.rows_inserted, retry.dataset_version) == (first.rows_inserted, first.dataset_version)
    assert "idempotent replay" in retry.warnings[0]
    assert ids(table) == [1, 2, 3, 4, 10, 11, 12]  # written once
    assert [v.version for v in table.versions()][-1] == 4
    with pytest.raises(Conflict) as info:
        write(table, "upsert", body, idempotency_key="req-1")
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_bad_row_mid_stream_commits_nothing(table: LanceTable) -> None:
    body = b"[" + b",".join(b'{"id": %d}' % i for i in range(100, 150)) + b', {"id": "bad"}]'
    with pytest.raises(ValidationFailed) as info:
        table.write("append", decode_rows(body, "application/json", SCHEMA, batch_rows=10))
    assert info.value.details["row"] == 50 and info.value.details["column"] == "id"
    assert table.dataset().version == 2 and ids(table) == [1, 2, 3, 4]


def test_write_errors(table: LanceTable, tmp_path: Path) -> None:
    for mode, body in [("upsert", b'[{"id": 9}, {"id": 8}, {"id": 9}]'), ("delete", b"[1, 1]")]:
        with pytest.raises(ValidationFailed, match="more than one row") as info:
            write(table, mode, body)
        assert info.value.code == "DUPLICATE_PRIMARY_KEY"
    assert table.dataset().version == 2
    empty = write(table, "append", b"[]")
    assert empty.rows_affected == 0 and empty.dataset_version == 2 and empty.warnings
    keyless_schema = build_schema([{"name": "a", "arrowType": "int8"}])
    keyless = LanceTable(str(tmp_path / "keyless.lance"))
    keyless.create(keyless_schema)
    batch = pa.record_batch({"a": pa.array([1], pa.int8())})
    with pytest.raises(ValidationFailed) as info:
        keyless.write("upsert", [batch])
    assert info.value.code == "PRIMARY_KEY_REQUIRED"
    with pytest.raises(ValidationFailed, match="lacks column 'id'"):
        table.write("append", [batch])


def test_concurrent_appends_both_land(table: LanceTable) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def append(start: int) -> None:
        try:
            batch = pa.record_batch({"id": pa.array(range(start, start + 100), pa.int64())})
            barrier.wait()
            LanceTable(table.uri).write("append", [batch])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(start,)) for start in (1000, 2000, 3000, 4000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert table.dataset().count_rows() == 404
    assert table.dataset().version == 6


def test_every_type_round_trips_through_write_and_query(tmp_path: Path) -> None:
    """Query output is JSON-safe and is accepted back by writes unchanged, for every type."""
    import json

    from tests.datasets.catalog.test_arrow_types import CANONICAL

    fields = [{"name": "id", "arrowType": "int64", "nullable": False}] + [
        {"name": f"c{index}", "arrowType": text} for index, text in enumerate(CANONICAL)
    ]
    schema = build_schema(fields, ["id"])
    samples = {
        "int8": -128, "int16": 32767, "int32": -5, "int64": 2**63 - 1, "uint8": 255, "uint16": 7,
        "uint32": 4294967295, "uint64": 2**64 - 1, "float16": 0.5, "float32": 1.25, "float64": "NaN",
        "utf8": "h\u00e9llo", "largeutf8": "'quoted'", "binary": "AAEC", "largebinary": "/w==", "bool": "yes",
        "date32": "1969-12-31", "date64": "2024-02-29", "null": None, "timestamp[s]": "1960-01-01T00:00:01",
        "timestamp[ms]": "2024-01-01T00:00:00.123Z", "timestamp[us]": 1,
        "timestamp[ns]": "2262-04-11T23:47:16.854775807", "list<float32>": [1, None],
        "fixed_size_list[3]<float32>": [1, 2, 3], "list<list<utf8>>": [["a"], []],
        "list<fixed_size_list[2]<timestamp[ms]>>": [["2024-01-01T00:00:00.001", None]],
    }
    row = {"id": 1, **{f"c{index}": samples[text] for index, text in enumerate(CANONICAL)}}
    first = LanceTable(str(tmp_path / "first.lance"))
    first.create(schema)
    write(first, "append", json.dumps([row]).encode(), schema)
    [stored] = first.query().rows
    assert stored["c10"] == "NaN" and stored["c14"] == "/w==" and stored["c16"] == "1969-12-31"
    assert stored["c19"] == "1960-01-01T00:00:01" and stored["c20"] == "2024-01-01T00:00:00.123"
    assert stored["c21"] == "1970-01-01T00:00:00.000001" and stored["c22"] == "2262-04-11T23:47:16.854775807"
    assert stored["c26"] == [["2024-01-01T00:00:00.001", None]]
    second = LanceTable(str(tmp_path / "second.lance"))
    second.create(schema)
    write(second, "append", json.dumps([stored]).encode(), schema)
    assert second.query().rows == [stored]
    # Arrow equality treats NaN as unequal to itself, so compare that column apart.
    assert second.dataset().to_table().drop_columns(["c10"]).equals(first.dataset().to_table().drop_columns(["c10"]))
