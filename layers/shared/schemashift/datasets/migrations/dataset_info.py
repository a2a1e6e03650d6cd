"""A read-only view of one Lance version: what validation and planning need to know."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import lance
import pyarrow as pa

from schemashift.datasets.migrations.lance_schema import field_ids
from schemashift.datasets.migrations.models import IndexKind

#: Lance's ``list_indices()`` type names -> the names the API uses.
_INDEX_TYPES: dict[str, tuple[IndexKind, str]] = {
    "BTree": ("scalar", "btree"),
    "Bitmap": ("scalar", "bitmap"),
    "LabelList": ("scalar", "label_list"),
    "Inverted": ("scalar", "inverted"),
}


@dataclass(frozen=True)
class ExistingIndex:
    name: str
    column: str
    kind: IndexKind
    index_type: str  # API spelling: btree | bitmap | label_list | inverted | IVF_PQ | ...


@dataclass(frozen=True)
class FragmentInfo:
    fragment_id: int
    physical_rows: int
    rows: int


@dataclass
class DatasetInfo:
    """The dataset at ``version``; data checks (NULLs, duplicate keys) scan only the columns asked."""

    dataset: lance.LanceDataset
    fragments: list[FragmentInfo]
    indexes: list[ExistingIndex]
    _null_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(cls, uri: str, storage_options: dict[str, str] | None, version: int | None = None) -> DatasetInfo:
        dataset = lance.dataset(uri, version=version, storage_options=storage_options or None)
        fragments = [
            FragmentInfo(
                fragment_id=fragment.fragment_id,
                physical_rows=fragment.physical_rows,
                rows=fragment.physical_rows - (fragment.metadata.num_deletions or 0),
            )
            for fragment in dataset.get_fragments()
        ]
        return cls(dataset=dataset, fragments=fragments, indexes=_indexes(dataset))

    @property
    def version(self) -> int:
        return self.dataset.version

    @property
    def total_rows(self) -> int:
        return sum(fragment.rows for fragment in self.fragments)

    @property
    def arrow_schema(self) -> pa.Schema:
        return self.dataset.schema

    @cached_property
    def field_ids(self) -> dict[str, list[int]]:
        return field_ids(self.dataset.lance_schema)

    @cached_property
    def next_field_id(self) -> int:
        """First id no field ever used: data files may still hold columns dropped from the schema."""
        used = [field_id for ids in self.field_ids.values() for field_id in ids]
        for fragment in self.dataset.get_fragments():
            for data_file in fragment.metadata.data_files():
                used.extend(data_file.fields)
        return max(used, default=-1) + 1

    def null_count(self, column: str) -> int:
        if column not in self._null_counts:
            self._null_counts[column] = self.dataset.count_rows(filter=f"{quote_filter(column)} IS NULL")
        return self._null_counts[column]

    def duplicate_key(self, columns: list[str]) -> dict[str, Any] | None:
        """One key value that occurs more than once, or None when the columns are unique."""
        keys = ", ".join(quote_sql(column) for column in columns)
        query = f"SELECT {keys}, count(*) AS n FROM dataset GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        rows = [row for batch in self.dataset.sql(query).build().to_batch_records() for row in batch.to_pylist()]
        return rows[0] if rows else None


def quote_filter(column: str) -> str:
    """Lance filter expressions quote identifiers with backticks."""
    return "`" + column.replace("`", "``") + "`"


def quote_sql(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _indexes(dataset: lance.LanceDataset) -> list[ExistingIndex]:
    found = []
    for index in dataset.describe_indices():
        if len(index.field_names) != 1:
            continue  # multi-column indexes are not created by this service
        kind, index_type = _INDEX_TYPES.get(index.index_type, ("vector", index.index_type))
        found.append(ExistingIndex(index.name, index.field_names[0], kind, index_type))
    return found
