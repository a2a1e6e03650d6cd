"""Which index types a column type supports (checked at plan time so builds do not fail late)."""

from __future__ import annotations

import pyarrow as pa

from schemashift.datasets.migrations.models import IndexKind

SCALAR_INDEX_TYPES = ("btree", "bitmap", "label_list", "inverted")
VECTOR_INDEX_TYPES = ("IVF_PQ", "IVF_HNSW_SQ")
VECTOR_METRICS = ("l2", "cosine", "dot")


def index_type_problem(kind: IndexKind, index_type: str, data_type: pa.DataType) -> str | None:
    """Why ``index_type`` cannot index a column of ``data_type`` (None when it can)."""
    if kind == "vector":
        return vector_column_problem(data_type)
    if index_type in ("btree", "bitmap"):
        if _is_list(data_type) or pa.types.is_null(data_type):
            return f"a {index_type} index needs a primitive column, not {data_type}"
        return None
    if index_type == "label_list":
        if not pa.types.is_list(data_type) or _is_list(data_type.value_type):
            return f"a label_list index needs a list of primitive values, not {data_type}"
        return None
    if index_type == "inverted":
        text = data_type.value_type if pa.types.is_list(data_type) else data_type
        if not (pa.types.is_string(text) or pa.types.is_large_string(text)):
            return f"an inverted (full-text) index needs a text column or a list of text, not {data_type}"
        return None
    return f"unknown index type {index_type!r}"


def vector_column_problem(data_type: pa.DataType) -> str | None:
    if not pa.types.is_fixed_size_list(data_type) or not pa.types.is_floating(data_type.value_type):
        return f"a vector index needs a fixed_size_list of floats, not {data_type}"
    return None


def _is_list(data_type: pa.DataType) -> bool:
    return pa.types.is_list(data_type) or pa.types.is_large_list(data_type) or pa.types.is_fixed_size_list(data_type)
