"""Row bodies and query filters under fuzzing (hypothesis, bounded): JSON and CSV bodies decode to
batches or raise the documented ``ValidationFailed``; every filter list either is refused with
``ValidationFailed`` or compiles to a predicate that real Lance accepts on a table of that schema.
``SCHEMASHIFT_FUZZ_EXAMPLES`` raises the budget (default 150 per test)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import lance
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemashift.datasets.catalog.schema import TableSchema, build_schema, to_arrow
from schemashift.datasets.data.filters import FILTER_OPS, compile_filters
from schemashift.datasets.data.rows import WRITE_MODES, decode_rows
from schemashift.errors import ValidationFailed

EXAMPLES = int(os.environ.get("SCHEMASHIFT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
FIELDS = [
    {"name": "id", "arrowType": "int64", "nullable": False},
    {"name": "name", "arrowType": "string"},
    {"name": "small", "arrowType": "uint8"},
    {"name": "active", "arrowType": "bool"},
    {"name": "score", "arrowType": "float64"},
    {"name": "born", "arrowType": "date32"},
    {"name": "seen", "arrowType": "timestamp[ns]"},
    {"name": "at", "arrowType": "timestamp[ms]"},
    {"name": "blob", "arrowType": "binary"},
    {"name": "tags", "arrowType": "list<string>"},
    {"name": "vec", "arrowType": "fixed_size_list[2]<float32>"},
    {"name": "Odd Name", "arrowType": "int32"},
]
NAMES = [f["name"] for f in FIELDS]
SCHEMA: TableSchema = build_schema(FIELDS, ["id"])
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12), st.sampled_from(["2024-01-31", "2024-02-30T25:00:00Z", "1e400", "NaN", "-0",
                                                     "0x10", "\uff11\uff12", "", "true", "12.345", "9" * 40])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8)
KEYS = st.one_of(st.sampled_from(NAMES), st.sampled_from([n.upper() for n in NAMES]), st.text(max_size=6))
ROWS = st.lists(st.one_of(st.dictionaries(KEYS, JSON_VALUES, max_size=8),
                          st.fixed_dictionaries({"id": st.integers(-2**64, 2**64)},
                                                optional={n: JSON_VALUES for n in NAMES[1:]}),
                          JSON_VALUES), max_size=6)


def _decode(body: bytes, content_type: str, mode: str) -> None:
    try:
        for _ in decode_rows(body, content_type, SCHEMA, mode=mode, batch_rows=2):  # type: ignore[arg-type]
            pass
    except ValidationFailed:
        pass


@FUZZ
@given(rows=ROWS, mode=st.sampled_from(WRITE_MODES))
def test_json_row_bodies(rows: list[Any], mode: str) -> None:
    _decode(json.dumps(rows).encode(), "application/json", mode)


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)), mode=st.sampled_from(WRITE_MODES))
def test_json_and_csv_noise(body: bytes, mode: str) -> None:
    _decode(body, "application/json", mode)
    _decode(b"[" + body, "application/json", mode)
    _decode(body, "text/csv", mode)
    _decode(b"id,name\n" + body, "text/csv", mode)


CELLS = st.one_of(st.text(max_size=10), st.sampled_from(["", "1", "-1", "2024-01-01", "true", "[1,2]", "null",
                                                         "1.5", "\"", "a,b", "\n", "18446744073709551616"]))


@FUZZ
@given(header=st.lists(KEYS, min_size=1, max_size=6), cells=st.lists(st.lists(CELLS, max_size=7), max_size=5),
       mode=st.sampled_from(WRITE_MODES))
def test_csv_row_bodies(header: list[str], cells: list[list[str]], mode: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(cells)
    _decode(out.getvalue().encode(), "text/csv", mode)


@pytest.fixture(scope="module")
def lance_table(tmp_path_factory: pytest.TempPathFactory) -> Any:
    schema = to_arrow(SCHEMA)
    rows = [{"id": 1, "name": "a", "small": 3, "active": True, "score": 1.5, "tags": ["x"], "vec": [1.0, 2.0],
             "Odd Name": 7}, {"id": 2}]
    path = Path(tmp_path_factory.mktemp("lance")) / "t.lance"
    return lance.write_dataset(pa.Table.from_pylist(rows, schema=schema), str(path))


FILTERS = st.lists(st.one_of(
    st.fixed_dictionaries({"field": st.one_of(st.sampled_from(NAMES), st.text(max_size=6)),
                           "op": st.one_of(st.sampled_from(FILTER_OPS), st.text(max_size=4))},
                          optional={"value": JSON_VALUES}),
    JSON_VALUES), max_size=4)


@FUZZ
@given(filters=FILTERS)
def test_filters_are_refused_or_run_on_lance(lance_table: Any, filters: list[Any]) -> None:
    try:
        predicate = compile_filters(filters, lance_table.schema)
    except ValidationFailed:
        return
    lance_table.to_table(filter=predicate)  # Lance must accept whatever was compiled
