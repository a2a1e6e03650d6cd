"""Compile API filters ``[{field, op, value}]`` into one Lance SQL predicate.

Filters are pushed down to the Lance scanner, never evaluated in Python. Values are first
coerced to the column's type with the same rules as row writes, then rendered as typed SQL
literals, so no user text ever reaches the predicate unquoted. Timestamps use ``arrow_cast`` of
the epoch count because ``TIMESTAMP '...'`` literals lose nanoseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from schemashift.datasets.catalog.arrow_types import format_arrow_type
from schemashift.datasets.data.coerce import CoercionError, coerce_value, is_nested
from schemashift.errors import ValidationFailed

FilterOp = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "like", "is_null", "is_not_null"]
FILTER_OPS: tuple[str, ...] = get_args(FilterOp)

_COMPARISON = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_ARROW_UNIT = {"s": "Second", "ms": "Millisecond", "us": "Microsecond", "ns": "Nanosecond"}


class QueryFilter(BaseModel):
    """One filter as the API receives it."""

    model_config = ConfigDict(extra="forbid")

    field: str
    op: str
    value: Any = None


def compile_filters(filters: Sequence[QueryFilter | Mapping[str, Any]], arrow_schema: pa.Schema) -> str | None:
    """AND of all filters as a Lance SQL predicate, or None when there are none."""
    clauses = [_compile_one(_as_filter(item, index), arrow_schema, index) for index, item in enumerate(filters)]
    return " AND ".join(f"({clause})" for clause in clauses) or None


def quote_identifier(name: str) -> str:
    """Backtick-quote a column name; names cannot contain backticks (the schema forbids them)."""
    if "`" in name:
        raise ValidationFailed(f"Column name {name!r} cannot be used in a filter", details={"field": name})
    return f"`{name}`"


def _as_filter(item: QueryFilter | Mapping[str, Any], index: int) -> QueryFilter:
    if isinstance(item, QueryFilter):
        return item
    if not isinstance(item, Mapping) or "field" not in item or "op" not in item:
        raise _filter_error(index, "each filter needs 'field' and 'op'", item)
    return QueryFilter(field=item["field"], op=item["op"], value=item.get("value"))


def _compile_one(item: QueryFilter, arrow_schema: pa.Schema, index: int) -> str:
    field = _resolve_field(item.field, arrow_schema, index)
    column = quote_identifier(field.name)
    if item.op not in FILTER_OPS:
        raise _filter_error(index, f"unknown op {item.op!r}; expected one of {', '.join(FILTER_OPS)}", item)
    if item.op == "is_null":
        return f"{column} IS NULL"
    if item.op == "is_not_null":
        return f"{column} IS NOT NULL"
    if is_nested(field.type):
        raise _filter_error(index, f"op {item.op!r} is not supported on list column {field.name!r}", item)
    if item.op in ("in", "not_in"):
        if not isinstance(item.value, list):
            raise _filter_error(index, f"op {item.op!r} needs a list value", item)
        if not item.value:
            return "FALSE" if item.op == "in" else "TRUE"
        literals = ", ".join(_literal(value, field, index, item) for value in item.value)
        return f"{column} {'IN' if item.op == 'in' else 'NOT IN'} ({literals})"
    if item.op == "like":
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            raise _filter_error(index, f"op 'like' needs a text column; {field.name!r} is not", item)
        if not isinstance(item.value, str):
            raise _filter_error(index, "op 'like' needs a string pattern", item)
        return f"{column} LIKE {_string_literal(item.value)}"
    return f"{column} {_COMPARISON[item.op]} {_literal(item.value, field, index, item)}"


def _resolve_field(name: str, arrow_schema: pa.Schema, index: int) -> pa.Field:
    if name in arrow_schema.names:
        return arrow_schema.field(name)
    matches = [field for field in arrow_schema if field.name.casefold() == name.casefold()]
    if len(matches) != 1:
        raise ValidationFailed(
            f"Filter {index}: unknown field {name!r}", details={"filter": index, "field": name}
        )
    return matches[0]


def _literal(value: Any, field: pa.Field, index: int, item: QueryFilter) -> str:
    if value is None:
        raise _filter_error(index, "a null value only works with is_null / is_not_null", item)
    try:
        coerced = coerce_value(value, field.type, nullable=False)
    except CoercionError as exc:
        raise _filter_error(index, f"value does not fit {format_arrow_type(field.type)}: {exc}", item) from None
    data_type = field.type
    if pa.types.is_boolean(data_type):
        return "TRUE" if coerced else "FALSE"
    if pa.types.is_integer(data_type):
        return str(int(coerced))
    if pa.types.is_floating(data_type):
        if not math.isfinite(coerced):
            raise _filter_error(index, "filter values must be finite numbers", item)
        return repr(float(coerced))
    if pa.types.is_timestamp(data_type):
        return f"arrow_cast({int(coerced)}, 'Timestamp({_ARROW_UNIT[data_type.unit]}, None)')"
    if pa.types.is_date(data_type):
        return f"DATE '{coerced.isoformat()}'"
    if pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type):
        return f"X'{coerced.hex()}'"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return _string_literal(coerced)
    raise _filter_error(index, f"cannot compare values of type {format_arrow_type(data_type)}", item)


def _string_literal(text: str) -> str:
    """SQL string literal; Lance's parser treats backslashes literally, so only quotes are doubled."""
    return "'" + text.replace("'", "''") + "'"


def _filter_error(index: int, reason: str, item: Any) -> ValidationFailed:
    shown = item.model_dump() if isinstance(item, QueryFilter) else item
    return ValidationFailed(f"Filter {index}: {reason}", details={"filter": index, "reason": reason, "value": shown})
