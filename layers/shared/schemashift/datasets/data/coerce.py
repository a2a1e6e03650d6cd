"""Value coercion rules for incoming rows (JSON values, CSV text, foreign Arrow columns).

Each column of a batch is first handed to Arrow's own converter, which is fast and already agrees
with our rules for well-typed input. Only when Arrow refuses, or the type has rules Arrow does not
know (base64 binary), do we coerce value by value, which also finds the exact bad row.

Rules: ints accept numbers and numeric text, truncating fractions (``"123.45"`` -> 123) and
checking the range; booleans accept ``true/1/yes/y/t`` and ``false/0/no/n/f`` in any case; text
``"null"`` or ``""`` is NULL for nullable non-text columns; timestamps accept ISO-8601 text
(offsets are converted to UTC) or epoch numbers in the column's unit; dates accept ISO dates or
days (date32) / milliseconds (date64) since the epoch; binary accepts base64 text; list columns
accept JSON arrays (or their JSON text in CSV).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from schemashift.datasets.catalog.arrow_types import format_arrow_type
from schemashift.errors import ValidationFailed

TRUE_TEXT = frozenset({"true", "1", "yes", "y", "t"})
FALSE_TEXT = frozenset({"false", "0", "no", "n", "f"})
NULL_TEXT = frozenset({"", "null"})
_EPOCH = dt.datetime(1970, 1, 1)
_UNIT_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


class CoercionError(ValueError):
    """One value cannot become the column's type; the caller adds row and column."""


def build_column(
    values: list[Any] | pa.Array, data_type: pa.DataType, *, nullable: bool, column: str, first_row: int
) -> pa.Array:
    """Convert one batch's values of one column, raising ``ValidationFailed`` at the first bad row."""
    array = _fast_path(values, data_type)
    if array is None:
        python_values = values.to_pylist() if isinstance(values, pa.Array) else values
        array = _slow_path(python_values, data_type, nullable=nullable, column=column, first_row=first_row)
    if not nullable and array.null_count:
        row = first_row + _first_null_index(array)
        raise row_error(row, column, None, "missing or null value for a non-nullable column")
    return array


def row_error(row: int | None, column: str, value: Any, reason: str) -> ValidationFailed:
    """The one shape of a bad-row error: message and details name the row, column and value."""
    where = f"row {row}, column {column!r}" if row is not None else f"column {column!r}"
    shown = _show(value)
    return ValidationFailed(
        f"Invalid value at {where}: {reason} (value: {shown})",
        details={"row": row, "column": column, "value": shown, "reason": reason},
    )


def coerce_value(value: Any, data_type: pa.DataType, *, nullable: bool) -> Any:
    """One value as a Python object Arrow accepts for ``data_type`` (None for NULL)."""
    if value is None:
        return None
    if isinstance(value, str) and not _is_text(data_type) and value.strip().lower() in NULL_TEXT:
        if nullable:
            return None
        raise CoercionError("null value for a non-nullable column")
    return _coercer(data_type)(value, data_type)


def _fast_path(values: list[Any] | pa.Array, data_type: pa.DataType) -> pa.Array | None:
    if _contains_binary(data_type):
        if isinstance(values, pa.Array) and values.type == data_type:
            return values
        return None  # Arrow would take text as raw bytes; ours is base64.
    try:
        if isinstance(values, pa.Array):
            if values.type == data_type:
                return values
            if _is_text(values.type):
                return _cast_text(values, data_type)
            return values.cast(data_type, safe=True)
        try:
            return pa.array(values, type=data_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            if not (pa.types.is_timestamp(data_type) or pa.types.is_date(data_type)):
                raise
            return _cast_text(pa.array(values, type=pa.string()), data_type)  # ISO text in JSON
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError):
        return None


def _cast_text(values: pa.Array, data_type: pa.DataType) -> pa.Array | None:
    """Vectorised text -> type cast; NULL words become NULL first. Raises when any value needs our rules."""
    if _is_text(data_type):
        return values.cast(data_type)
    if is_nested(data_type):
        return None  # JSON text inside CSV needs the per-value rules.
    trimmed = pc.utf8_trim_whitespace(values)
    is_null = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(NULL_TEXT)))
    nulled = pc.if_else(is_null, pa.scalar(None, pa.string()), trimmed)
    if pa.types.is_timestamp(data_type):
        try:
            return nulled.cast(data_type)
        except pa.ArrowInvalid:
            # All values carry an offset ("Z", "+02:00"): parse as UTC, keep the UTC wall time.
            return nulled.cast(pa.timestamp(data_type.unit, tz="UTC")).cast(data_type)
    return nulled.cast(data_type, safe=True)


def _slow_path(values: list[Any], data_type: pa.DataType, *, nullable: bool, column: str, first_row: int) -> pa.Array:
    coerced = []
    for offset, value in enumerate(values):
        try:
            coerced.append(coerce_value(value, data_type, nullable=nullable))
        except CoercionError as exc:
            raise row_error(first_row + offset, column, value, str(exc)) from None
    try:
        return pa.array(coerced, type=data_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise row_error(None, column, None, f"cannot build {format_arrow_type(data_type)}: {exc}") from None


def _first_null_index(array: pa.Array) -> int:
    return int(pc.index(array.is_null(), True).as_py())


def is_nested(data_type: pa.DataType) -> bool:
    return pa.types.is_list(data_type) or pa.types.is_fixed_size_list(data_type)


def _is_text(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _is_binary(data_type: pa.DataType) -> bool:
    return pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type)


def _contains_binary(data_type: pa.DataType) -> bool:
    if is_nested(data_type):
        return _contains_binary(data_type.value_type)
    return _is_binary(data_type)


def _show(value: Any) -> Any:
    """A JSON-safe, bounded rendering of a bad value for error details."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | dict):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = repr(value)
        return value if len(text) <= 200 else text[:200] + "..."
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


# --- per-type coercers -------------------------------------------------------------------


def _to_int(value: Any, data_type: pa.DataType) -> int:
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CoercionError("not a finite number")
        number = int(value)
    elif isinstance(value, str):
        number = _int_from_text(value)
    else:
        raise CoercionError(f"expected an integer, got {type(value).__name__}")
    low, high = _int_range(data_type)
    if not low <= number <= high:
        raise CoercionError(f"{number} is out of range for {format_arrow_type(data_type)} [{low}, {high}]")
    return number


def _int_from_text(text: str) -> int:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise CoercionError("not a number") from None
    if not number.is_finite():
        raise CoercionError("not a finite number")
    return int(number)  # truncates toward zero


def _int_range(data_type: pa.DataType) -> tuple[int, int]:
    bits = data_type.bit_width
    if pa.types.is_unsigned_integer(data_type):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _to_float(value: Any, _: pa.DataType) -> float:
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise CoercionError("not a number") from None
    raise CoercionError(f"expected a number, got {type(value).__name__}")


def _to_bool(value: Any, _: pa.DataType) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_TEXT:
            return True
        if word in FALSE_TEXT:
            return False
    raise CoercionError("expected a boolean (true/false, 1/0, yes/no, y/n)")


def _to_text(value: Any, _: pa.DataType) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise CoercionError(f"expected text, got {type(value).__name__}")


def _to_binary(value: Any, _: pa.DataType) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise CoercionError("expected base64-encoded bytes") from None
    raise CoercionError(f"expected base64 text, got {type(value).__name__}")


def _to_timestamp(value: Any, data_type: pa.DataType) -> int:
    """Epoch count in the column's unit, so ``ns`` precision survives."""
    per_second = _UNIT_PER_SECOND[data_type.unit]
    if isinstance(value, dt.datetime):
        return _datetime_to_units(value, per_second)
    if isinstance(value, dt.date):
        return _datetime_to_units(dt.datetime.combine(value, dt.time()), per_second)
    if isinstance(value, bool):
        raise CoercionError("expected a timestamp, got bool")
    if isinstance(value, int | float):
        return _finite_int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _finite_int(float(text)) if _looks_numeric(text) else _parse_iso(text, per_second)
        except (ValueError, OverflowError):
            raise CoercionError("expected an ISO-8601 timestamp or an epoch number") from None
    raise CoercionError(f"expected a timestamp, got {type(value).__name__}")


def _parse_iso(text: str, per_second: int) -> int:
    date_part, sep, rest = text.replace(" ", "T", 1).partition("T")
    fraction_digits = ""
    if sep and "." in rest:
        # datetime keeps microseconds only; carry nanosecond digits separately.
        head, _, tail = rest.partition(".")
        digits = "".join(ch for ch in _leading_digits(tail))
        fraction_digits = digits
        rest = head + tail[len(digits) :]
    parsed = dt.datetime.fromisoformat(date_part + sep + rest)
    units = _datetime_to_units(parsed, per_second)
    if fraction_digits:
        nanos = int((fraction_digits + "0" * 9)[:9])
        units += nanos * per_second // 1_000_000_000
    return units


def _leading_digits(text: str) -> str:
    end = 0
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[:end]


def _datetime_to_units(value: dt.datetime, per_second: int) -> int:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    delta = value - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * per_second // 1_000_000


def _to_date(value: Any, data_type: pa.DataType) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CoercionError("expected a date, got bool")
    if isinstance(value, str):
        text = value.strip()
        try:
            if not _looks_numeric(text):
                return dt.date.fromisoformat(text) if len(text) <= 10 else dt.datetime.fromisoformat(text).date()
            value = float(text)
        except ValueError:
            raise CoercionError("expected an ISO-8601 date") from None
    if isinstance(value, int | float):
        # Arrow's native units: days for date32, milliseconds for date64.
        count = _finite_int(value)
        step = dt.timedelta(days=1) if pa.types.is_date32(data_type) else dt.timedelta(milliseconds=1)
        try:
            return (_EPOCH + count * step).date()
        except OverflowError:
            raise CoercionError("date out of range") from None
    raise CoercionError(f"expected a date, got {type(value).__name__}")


def _to_list(value: Any, data_type: pa.DataType) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise CoercionError("expected a JSON array") from None
    if not isinstance(value, list | tuple):
        raise CoercionError(f"expected an array, got {type(value).__name__}")
    if pa.types.is_fixed_size_list(data_type) and len(value) != data_type.list_size:
        raise CoercionError(f"expected exactly {data_type.list_size} items, got {len(value)}")
    item_type = data_type.value_type
    items = []
    for index, item in enumerate(value):
        try:
            items.append(coerce_value(item, item_type, nullable=True))
        except CoercionError as exc:
            raise CoercionError(f"item {index}: {exc}") from None
    return items


def _to_null(value: Any, _: pa.DataType) -> None:
    raise CoercionError("a null column only holds NULL")


def _finite_int(number: float) -> int:
    if isinstance(number, float) and not math.isfinite(number):
        raise CoercionError("not a finite number")
    return int(number)


def _looks_numeric(text: str) -> bool:
    return bool(text) and text.lstrip("+-").replace(".", "", 1).isdigit()


_COERCERS: tuple[tuple[Callable[[pa.DataType], bool], Callable[[Any, pa.DataType], Any]], ...] = (
    (pa.types.is_integer, _to_int),
    (pa.types.is_floating, _to_float),
    (pa.types.is_boolean, _to_bool),
    (_is_text, _to_text),
    (_is_binary, _to_binary),
    (pa.types.is_timestamp, _to_timestamp),
    (pa.types.is_date, _to_date),
    (is_nested, _to_list),
    (pa.types.is_null, _to_null),
)


def _coercer(data_type: pa.DataType) -> Callable[[Any, pa.DataType], Any]:
    for matches, coerce in _COERCERS:
        if matches(data_type):
            return coerce
    raise CoercionError(f"unsupported type {data_type}")
