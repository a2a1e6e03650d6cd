"""A small orders table spread over several Lance fragments, and helpers to inspect it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import lance
import numpy as np
import pyarrow as pa
import pytest
from schemashift.datasets.catalog.schema import TableSchema, build_schema, to_arrow

ROWS = 2000
ROWS_PER_FRAGMENT = 500
DIMENSION = 8


@dataclass
class Table:
    uri: str
    schema: TableSchema

    def dataset(self, version: int | None = None) -> lance.LanceDataset:
        return lance.dataset(self.uri, version=version)

    @property
    def version(self) -> int:
        return self.dataset().version

    def data_files(self) -> set[str]:
        """Every file under data/, referenced or not (stray files show up here)."""
        return set(os.listdir(Path(self.uri) / "data"))

    def referenced_files(self) -> set[str]:
        return {f.path for fragment in self.dataset().get_fragments() for f in fragment.metadata.data_files()}

    def column(self, name: str) -> list:
        return self.dataset().to_table(columns=[name]).column(name).to_pylist()


def orders_schema() -> TableSchema:
    return build_schema(
        [
            {"name": "id", "arrowType": "int64", "nullable": False},
            {"name": "price", "arrowType": "string"},
            {"name": "qty", "arrowType": "int32"},
            {"name": "tag", "arrowType": "string"},
            {"name": "labels", "arrowType": "list<string>"},
            {"name": "embedding", "arrowType": f"fixed_size_list[{DIMENSION}]<float32>"},
        ],
        ["id"],
    )


def orders_data(rows: int = ROWS, *, start: int = 0, price: list | None = None) -> pa.Table:
    ids = range(start, start + rows)
    vectors = np.random.default_rng(7).random(rows * DIMENSION, dtype=np.float32)
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "price": price if price is not None else [str(i % 1000) for i in ids],
            "qty": pa.array([None if i % 10 == 0 else i % 50 for i in ids], pa.int32()),
            "tag": [f"t{i % 7}" for i in ids],
            "labels": [[f"l{i % 3}", f"m{i % 5}"] for i in ids],
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors), DIMENSION),
        },
        schema=to_arrow(orders_schema()),
    )


@pytest.fixture
def table(tmp_path: Path) -> Table:
    uri = str(tmp_path / "orders.lance")
    lance.write_dataset(orders_data(), uri, max_rows_per_file=ROWS_PER_FRAGMENT)
    return Table(uri=uri, schema=orders_schema())


def op(type_: str, **params: object) -> dict:
    return {"type": type_, "params": params}
