"""Value conversions a migration performs: checked casts and default values."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


class BadValue(ValueError):
    """The value at ``index`` of an array cannot become the target type."""

    def __init__(self, index: int, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.value = value
        self.reason = reason


def cast_problem(source: pa.DataType, target: pa.DataType) -> str | None:
    """Why no value of ``source`` can ever become ``target`` (None when the cast may succeed)."""
    if source == target:
        return "the column already has this type"
    if pa.types.is_null(target):
        return "a column cannot be cast to the null type"
    try:
        pc.cast(pa.array([], source), target)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
        return "Arrow has no conversion between these types"
    return None


def checked_cast(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Cast every value or raise ``BadValue`` for the first one that would not survive."""
    try:
        result = pc.cast(array, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        index = _first_failure(array, target)
        raise BadValue(index, array[index].as_py(), _failure_reason(array[index : index + 1], target)) from None
    _reject_float_overflow(array, result)
    return result


def fill_array(value: pa.Scalar, length: int) -> pa.Array:
    return pa.repeat(value, length)


def default_scalar(value: Any, target: pa.DataType) -> pa.Scalar:
    """The ``defaultValue`` of an ``add_column`` as an Arrow scalar; text is parsed like a cast."""
    try:
        return pa.scalar(value, target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
        if not isinstance(value, str):
            raise ValueError(str(exc)) from None
    try:
        return checked_cast(pa.array([value]), target)[0]
    except (BadValue, pa.ArrowNotImplementedError) as exc:
        raise ValueError(str(exc)) from None


def _first_failure(array: pa.Array, target: pa.DataType) -> int:
    """Binary search for the first value the cast rejects: log(n) casts, only on the failure path."""
    low, high = 0, len(array)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            pc.cast(array.slice(low, middle - low), target, safe=True)
            low = middle
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            high = middle
    return low


def _failure_reason(single: pa.Array, target: pa.DataType) -> str:
    try:
        pc.cast(single, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        return str(exc).split("\n")[0]
    return f"cannot be represented as {target}"


def _reject_float_overflow(source: pa.Array, result: pa.Array) -> None:
    """Arrow narrows float64 to float32 without complaint; a finite value turning infinite is lost."""
    if not (pa.types.is_floating(source.type) and pa.types.is_floating(result.type)):
        return
    lost = pc.and_(pc.is_finite(source), pc.invert(pc.is_finite(result)))
    if pc.any(lost).as_py():
        index = pc.index(lost, True).as_py()
        raise BadValue(index, source[index].as_py(), f"value out of range for {result.type}")
