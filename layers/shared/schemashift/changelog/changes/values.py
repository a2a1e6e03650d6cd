"""Column values and defaults rendered as SQL literals for a dialect."""

from __future__ import annotations

from typing import Any

from schemashift.changelog.changes.base import ColumnConfig
from schemashift.changelog.changes.datatypes import is_boolean, is_numeric
from schemashift.changelog.changes.sqlbuild import boolean_literal, qualified, string_literal

_CLOCK = {"postgresql": "NOW()", "mysql": "NOW()", "mariadb": "NOW()", "sqlite": "CURRENT_TIMESTAMP"}
"""Each dialect's current date-time function, as Liquibase's ``getCurrentDateTimeFunction``."""


def computed_sql(expression: str, dialect: str) -> str:
    """A computed value; like Liquibase (``isCurrentTimeFunction``), anything starting with
    ``current_timestamp``/``current_datetime`` (``current_timestamp()`` too) or the dialect's own
    clock function becomes that function."""
    lower = expression.lower()
    clock = _CLOCK.get(dialect, "CURRENT_TIMESTAMP")
    if lower.startswith(("current_timestamp", "current_datetime")) or lower == clock.lower():
        return clock
    return expression


def sequence_next_sql(sequence: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"nextval('{qualified(None, sequence, dialect)}')"
    if dialect == "mariadb":
        return f"NEXT VALUE FOR {qualified(None, sequence, dialect)}"
    raise ValueError(f"sequences are not supported on {dialect}")


def sequence_current_sql(sequence: str, dialect: str) -> str:
    """``valueSequenceCurrent``: the value the session last took from the sequence."""
    if dialect == "postgresql":
        return f"currval('{qualified(None, sequence, dialect)}')"
    # Liquibase 4.28 too: "current value function for a sequence is not configured" elsewhere.
    raise ValueError(f"valueSequenceCurrent is not supported on {dialect}")


def _date_literal(text: str) -> str:
    return text.replace("T", " ")


def value_sql(column: ColumnConfig, dialect: str) -> str | None:
    """The SQL for a column's ``value*`` (insert/update), or None when no value is set."""
    if column.value_numeric is not None:
        return column.value_numeric
    if column.value_boolean is not None:
        return boolean_literal(column.value_boolean, dialect)
    if column.value_date is not None:
        return string_literal(_date_literal(column.value_date), dialect)
    if column.value_computed is not None:
        return computed_sql(column.value_computed, dialect)
    if column.value_sequence_next is not None:
        return sequence_next_sql(column.value_sequence_next, dialect)
    if column.value_sequence_current is not None:
        return sequence_current_sql(column.value_sequence_current, dialect)
    if column.value is not None:
        return string_literal(column.value, dialect)
    return None


def default_sql(defaults: Any, dialect: str, column_type: str | None) -> str | None:
    """The SQL for the ``defaultValue*`` properties of a column config (or of an addDefaultValue
    change, which has the same ones), typed by ``column_type`` when known."""
    return default_value_sql(
        dialect,
        column_type,
        value=defaults.default_value,
        numeric=defaults.default_value_numeric,
        boolean=defaults.default_value_boolean,
        date=defaults.default_value_date,
        computed=defaults.default_value_computed,
        sequence_next=defaults.default_value_sequence_next,
    )


def default_value_sql(
    dialect: str,
    column_type: str | None,
    *,
    value: str | None = None,
    numeric: str | None = None,
    boolean: bool | None = None,
    date: str | None = None,
    computed: str | None = None,
    sequence_next: str | None = None,
) -> str | None:
    if numeric is not None:
        if is_boolean(column_type) and numeric.strip() in ("0", "1"):
            return boolean_literal(numeric.strip() == "1", dialect)  # Liquibase: FALSE/TRUE on PostgreSQL
        number = numeric_literal(numeric)
        if (column_type or "").strip().lower() in _UNKNOWN_TO_LIQUIBASE:
            return string_literal(number, dialect)  # Liquibase's UnknownType quotes every value
        return number
    if boolean is not None:
        return boolean_literal(boolean, dialect)
    if date is not None:
        return string_literal(_date_literal(date), dialect)
    if computed is not None:
        return computed_sql(computed, dialect)
    if sequence_next is not None:
        return sequence_next_sql(sequence_next, dialect)
    if value is None:
        return None
    if value.lower() == "null":
        return "null"  # Liquibase emits DEFAULT null, not the string 'null'
    if value.lower() == _CLOCK.get(dialect, "").lower() and _is_timestamp(column_type):
        return value  # Liquibase's DateTimeType: the database's own clock function, as written
    if is_boolean(column_type) and value.lower() in ("true", "false", "1", "0"):
        return boolean_literal(value.lower() in ("true", "1"), dialect)
    if is_numeric(column_type) and _looks_numeric(value):
        return value
    return string_literal(value, dialect)


_UNKNOWN_TO_LIQUIBASE = {"float4", "float8"}
"""Type names Liquibase passes through as unknown types (mapped here to the same SQL types)."""


def numeric_literal(text: str) -> str:
    """A ``*Numeric`` value as Liquibase writes it: ``0.0`` and ``10.00`` (integral) lose their
    fraction, as Java's NumberFormat reads them; anything else stays as written."""
    stripped = text.strip()
    if "." in stripped and "e" not in stripped.lower():
        try:
            number = float(stripped)
        except ValueError:
            return text
        if number.is_integer() and abs(number) < 2**63:
            return str(int(number))
    return text


def _is_timestamp(column_type: str | None) -> bool:
    from schemashift.changelog.changes.datatypes import parse_type

    return bool(column_type) and parse_type(column_type or "").name in ("datetime", "timestamp")


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
