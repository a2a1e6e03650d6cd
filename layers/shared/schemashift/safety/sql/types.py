"""Column type names in one vocabulary, and what a type change means (narrowing, rewrite)."""

from __future__ import annotations

from schemashift.safety.sql.model import SqlType

_ALIASES = {
    "int2": "smallint", "int4": "int", "integer": "int", "int8": "bigint", "serial4": "int", "serial": "int",
    "serial8": "bigint", "bigserial": "bigint", "smallserial": "smallint", "serial2": "smallint",
    "bpchar": "char", "character": "char", "nchar": "char", "character varying": "varchar", "nvarchar": "varchar",
    "varchar2": "varchar", "decimal": "numeric", "dec": "numeric", "float4": "real", "float8": "double",
    "double precision": "double", "float": "double", "bool": "boolean", "bit": "bit", "timestamp without time zone":
    "timestamp", "timestamp with time zone": "timestamptz", "datetime": "timestamp", "time without time zone":
    "time", "timetz": "timetz", "tinyblob": "blob", "mediumblob": "blob", "longblob": "blob", "bytea": "blob",
    "varbinary": "varbinary", "binary": "binary", "clob": "text", "string": "text",
}  # fmt: skip
_INTEGERS = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}
_TEXT_LENGTH = {"tinytext": 255, "text": 65_535, "mediumtext": 16_777_215, "longtext": 4_294_967_295}
_UNBOUNDED = float("inf")


def canonical(name: str, args: tuple[int, ...] = ()) -> SqlType:
    lowered = " ".join(name.lower().replace('"', "").split())
    lowered = lowered.rsplit(".", 1)[-1] if lowered.startswith(("pg_catalog.", "public.")) else lowered
    return SqlType(_ALIASES.get(lowered, lowered), tuple(args))


def _char_length(sql_type: SqlType, dialect: str) -> float | None:
    """Maximum characters of a character type; None when the type is not one."""
    if sql_type.name in ("varchar", "char"):
        return float(sql_type.args[0]) if sql_type.args else (_UNBOUNDED if sql_type.name == "varchar" else 1.0)
    if sql_type.name in _TEXT_LENGTH:
        return _UNBOUNDED if dialect in ("postgresql", "sqlite") else float(_TEXT_LENGTH[sql_type.name])
    return None


def _numeric(sql_type: SqlType) -> tuple[float, float] | None:
    """(integer digits, fraction digits) of numeric(p, s); unconstrained numeric is unbounded."""
    if sql_type.name != "numeric":
        return None
    if not sql_type.args:
        return _UNBOUNDED, _UNBOUNDED
    precision = sql_type.args[0]
    scale = sql_type.args[1] if len(sql_type.args) > 1 else 0
    return float(precision - scale), float(scale)


def narrowing(old: SqlType, new: SqlType, dialect: str) -> str | None:
    """Why ``old -> new`` may not hold every existing value, or None when it is a widening/no-op."""
    if old == new:
        return None
    if old.name in _INTEGERS and new.name in _INTEGERS:
        return f"{old} holds larger values than {new}" if _INTEGERS[new.name] < _INTEGERS[old.name] else None
    old_chars, new_chars = _char_length(old, dialect), _char_length(new, dialect)
    if old_chars is not None and new_chars is not None:
        return f"{old} holds longer strings than {new}" if new_chars < old_chars else None
    if new_chars == _UNBOUNDED:
        return None  # anything converts to unbounded text
    if old.name in _INTEGERS and new_chars is not None:
        return None if new_chars >= 20 else f"{old} values may need more than {int(new_chars)} characters"
    old_num, new_num = _numeric(old), _numeric(new)
    if old_num is not None and new_num is not None:
        if new_num[0] < old_num[0] or new_num[1] < old_num[1]:
            return f"{old} holds more digits than {new}"
        return None
    if old.name in _INTEGERS and new_num is not None:
        return None if new_num[0] >= 19 or (new_num[0] >= 10 and _INTEGERS[old.name] <= 4) else (
            f"{old} holds larger values than {new}")
    if (old.name, new.name) in (("real", "double"), ("date", "timestamp"), ("date", "timestamptz"),
                                ("timestamp", "timestamptz"), ("json", "jsonb")):
        return None
    if old.name in _INTEGERS and new.name in ("real", "double", "numeric"):
        return None
    return f"{old} values may not convert to {new}"


def rewrites_on_postgresql(old: SqlType | None, new: SqlType) -> bool:
    """Whether PostgreSQL rewrites the table (and its indexes) for ``ALTER COLUMN ... TYPE new``.

    Binary-coercible changes do not: varchar(n) -> varchar(m >= n) / varchar / text, numeric(p, s)
    -> numeric(p' >= p, s) or unconstrained numeric, and the same type. An unknown old type is
    assumed to rewrite.
    """
    if old is None:
        return True
    if old == new:
        return False
    if old.name in ("varchar", "text") and new.name in ("varchar", "text"):
        old_chars = _char_length(old, "postgresql") or 0.0
        new_chars = _char_length(new, "postgresql") or 0.0
        return new_chars < old_chars
    if old.name == "numeric" and new.name == "numeric":
        if not new.args:
            return False
        old_scale = old.args[1] if len(old.args) > 1 else 0
        new_scale = new.args[1] if len(new.args) > 1 else 0
        return not old.args or new_scale != old_scale or new.args[0] < old.args[0]
    return True


def inplace_on_mysql(old: SqlType | None, new: SqlType) -> bool:
    """Whether InnoDB can change ``old`` to ``new`` in place: only a VARCHAR that grows within the same
    length-prefix size (under 256 bytes, i.e. 63 characters of utf8mb4, or both above it)."""
    if old is None:
        return False
    if old == new:
        return True
    if old.name == new.name == "varchar" and old.args and new.args and new.args[0] >= old.args[0]:
        return (old.args[0] <= 63) == (new.args[0] <= 63)
    return False
