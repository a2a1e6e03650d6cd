"""Arrow data as JSON-safe Python values for API responses.

Timestamps become ISO-8601 text with the column's precision (nanoseconds survive, which
``datetime`` cannot hold), dates ISO dates, binary base64, non-finite floats the strings
``NaN`` / ``Infinity`` / ``-Infinity`` (all of which writes accept back).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa

_EPOCH = dt.datetime(1970, 1, 1)
_UNIT_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_FRACTION_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def table_to_rows(table: pa.Table, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts with keys in ``columns`` order."""
    converted = [column_values(table.column(name)) for name in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*converted, strict=True)]


def column_values(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    data_type = column.type
    # Read timestamps as epoch counts: datetime objects would drop nanoseconds (or fail on them).
    readable = _timestamps_as_counts(data_type)
    values = (column.cast(readable) if readable != data_type else column).to_pylist()
    convert = _converter(data_type)
    return [None if value is None else convert(value) for value in values]


def format_timestamp(count: int, unit: str) -> str:
    """ISO-8601 text of an epoch count, with exactly the unit's fractional digits."""
    per_second = _UNIT_PER_SECOND[unit]
    seconds, fraction = divmod(count, per_second)
    text = (_EPOCH + dt.timedelta(seconds=seconds)).isoformat()
    digits = _FRACTION_DIGITS[unit]
    return f"{text}.{fraction:0{digits}d}" if digits else text


def _timestamps_as_counts(data_type: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(data_type):
        return pa.int64()
    if pa.types.is_fixed_size_list(data_type):
        return pa.list_(_timestamps_as_counts(data_type.value_type), data_type.list_size)
    if pa.types.is_list(data_type):
        return pa.list_(_timestamps_as_counts(data_type.value_type))
    return data_type


def _converter(data_type: pa.DataType) -> Callable[[Any], Any]:
    if pa.types.is_timestamp(data_type):
        unit = data_type.unit
        return lambda count: format_timestamp(count, unit)
    if pa.types.is_floating(data_type):
        return _float
    if pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type):
        return lambda value: base64.b64encode(value).decode("ascii")
    if pa.types.is_date(data_type):
        return lambda value: value.isoformat()
    if pa.types.is_list(data_type) or pa.types.is_fixed_size_list(data_type):
        item = _converter(data_type.value_type)
        return lambda items: [None if value is None else item(value) for value in items]
    return _identity


def _float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _identity(value: Any) -> Any:
    return value
