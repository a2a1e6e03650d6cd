"""Liquibase data type names mapped to each dialect's SQL type, as Liquibase's datatype classes do.

``int``, ``varchar(50)``, ``boolean``, ``datetime``, ``clob``, ``uuid``... become e.g.
``INTEGER``/``INT``, ``BOOLEAN``/``TINYINT``, ``TIMESTAMP WITHOUT TIME ZONE``/``datetime``/``TEXT``.
Names Liquibase does not know pass through unchanged (``jsonb``, ``geometry``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TYPE = re.compile(r"^\s*(?P<name>[^(]*?)\s*(?:\((?P<params>[^)]*)\)\s*(?P<rest>.*))?$", re.DOTALL)

_ALIASES = {
    "int": "int",
    "integer": "int",
    "int4": "int",
    "serial": "int",
    "java.sql.types.integer": "int",
    "bigint": "bigint",
    "int8": "bigint",
    "long": "bigint",
    "bigserial": "bigint",
    "java.lang.long": "bigint",
    "smallint": "smallint",
    "int2": "smallint",
    "smallserial": "smallint",
    "tinyint": "tinyint",
    "mediumint": "mediumint",
    "boolean": "boolean",
    "bool": "boolean",
    "bit": "boolean",
    "java.lang.boolean": "boolean",
    "varchar": "varchar",
    "varchar2": "varchar",
    "character varying": "varchar",
    "java.lang.string": "varchar",
    "nvarchar": "nvarchar",
    "nvarchar2": "nvarchar",
    "national character varying": "nvarchar",
    "char": "char",
    "character": "char",
    "nchar": "nchar",
    "clob": "clob",
    "text": "clob",
    "longtext": "clob",
    "longvarchar": "clob",
    "nclob": "clob",
    "ntext": "clob",
    "mediumtext": "clob",
    "tinytext": "clob",
    "long varchar": "clob",
    "blob": "blob",
    "longblob": "blob",
    "bytea": "blob",
    "varbinary": "blob",
    "binary": "blob",
    "image": "blob",
    "tinyblob": "blob",
    "mediumblob": "blob",
    "longvarbinary": "blob",
    "datetime": "datetime",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
    "date": "date",
    "time": "time",
    "timetz": "time",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "time with time zone": "time",
    "time without time zone": "time",
    "decimal": "decimal",
    "numeric": "number",
    "number": "number",
    "double": "double",
    "double precision": "double",
    "float8": "double",
    "float": "float",
    "real": "float",
    "float4": "float",
    "currency": "currency",
    "money": "currency",
    "smallmoney": "currency",
    "uuid": "uuid",
    "uniqueidentifier": "uuid",
    "java.util.uuid": "uuid",
    "xml": "xml",
    "xmltype": "xml",
    # the rest of Liquibase 4.28's aliases (``@DataTypeInfo`` of ``liquibase.datatype.core``)
    "java.lang.integer": "int",
    "serial4": "int",
    "integer8": "bigint",
    "serial8": "bigint",
    "java.math.biginteger": "bigint",
    "java.math.bigdecimal": "decimal",
    "java.lang.double": "double",
    "java.lang.float": "float",
    "java.sql.timestamp": "timestamp",
    "java.sql.date": "date",
    "java.sql.time": "time",
    "nchar2": "nchar",
    "bpchar": "char",
    "long binary": "blob",
    "long varbinary": "blob",
    "long nvarchar": "clob",
    "longnvarchar": "clob",
}

_NOT_LIQUIBASE = {"long", "bytea", "float4", "float8"}
"""Names mapped above for PostgreSQL's and MySQL's sake that Liquibase itself does not know: on
SQLite, where the declared type is kept as written, they are unknown types as in Liquibase."""


@dataclass(frozen=True)
class ParsedType:
    name: str
    """The canonical Liquibase type (``int``, ``varchar``...) or the raw name when unknown."""
    params: tuple[str, ...]
    raw: str
    rest: str = ""
    known: bool = True


_JDBC = {
    "varchar": "varchar", "nvarchar": "nvarchar", "char": "char", "nchar": "nchar", "integer": "integer",
    "bigint": "bigint", "smallint": "smallint", "tinyint": "tinyint", "boolean": "boolean", "timestamp": "timestamp",
    "date": "date", "time": "time", "clob": "clob", "nclob": "nclob", "longvarchar": "clob",
    "longnvarchar": "clob", "blob": "blob", "varbinary": "longblob", "longvarbinary": "longblob",
    "binary": "longblob", "numeric": "numeric", "decimal": "decimal", "double": "double", "float": "float",
    "real": "float", "timestamp_with_timezone": "timestamp", "sqlxml": "xml",
}
"""``java.sql.Types.X`` names Liquibase accepts, as the type name they behave like."""

_JDBC_PREFIX = "java.sql.types."


def parse_type(definition: str) -> ParsedType:
    stripped = definition.strip()
    if stripped.lower().startswith(_JDBC_PREFIX):
        head = stripped[len(_JDBC_PREFIX):]
        name, paren, tail = head.partition("(")
        alias = _JDBC.get(name.strip().lower())
        if alias is not None:
            definition = alias + paren + tail
    match = _TYPE.match(definition)
    if match is None:
        return ParsedType(definition.strip(), (), definition, known=False)
    name = match.group("name").strip()
    params = tuple(part.strip() for part in (match.group("params") or "").split(",") if part.strip())
    canonical = _ALIASES.get(re.sub(r"\s+", " ", name.lower()))
    rest = (match.group("rest") or "").strip()
    if canonical is None and not params and " " in name:
        # Liquibase's DataTypeFactory: the first word is the type, the rest additional information.
        first, _, tail = name.partition(" ")
        if first.lower() in _ALIASES:
            return ParsedType(_ALIASES[first.lower()], (), definition.strip(), tail.strip())
    if canonical is None:
        return ParsedType(name, params, definition.strip(), rest, known=False)
    return ParsedType(canonical, params, definition.strip(), rest)


def _with(name: str, params: tuple[str, ...]) -> str:
    return f"{name}({', '.join(params)})" if params else name


def _sized(t: ParsedType, sized: dict[str, str]) -> str:
    """A type that takes its parameters along (``VARCHAR(50)``, ``DECIMAL(10, 2)``); unknown ones pass through."""
    return _with(sized[t.name], t.params) if t.name in sized else t.raw


def to_sql_type(definition: str, dialect: str, *, auto_increment: bool = False) -> str:
    """The column type Liquibase would emit for ``definition`` on ``dialect``."""
    parsed = parse_type(definition)
    if dialect == "sqlite" and (not parsed.known or _bare_name(parsed) in _NOT_LIQUIBASE):
        return _sqlite_unknown(parsed)
    if not parsed.known:
        return parsed.raw
    sql = _MAPPERS[dialect](parsed, auto_increment)
    if parsed.rest and _keeps_rest(parsed, dialect):
        return f"{sql} {parsed.rest}"
    return sql


_DROPS_REST = {
    "postgresql": {"int", "smallint", "tinyint", "double", "number", "clob", "uuid", "datetime", "date", "blob",
                   "nvarchar", "xml", "currency", "time"},
    "mysql": {"number", "boolean", "clob", "uuid", "datetime", "date", "blob", "xml", "currency"},
    "mariadb": {"number", "boolean", "clob", "uuid", "datetime", "date", "blob", "xml", "currency"},
    "sqlite": {"int", "clob", "uuid", "datetime", "date", "timestamp", "time", "xml", "currency"},
}
"""Types whose Liquibase class builds the SQL type without the text after the parameters
(``nvarchar(128) not null`` is ``VARCHAR(128)`` on PostgreSQL, ``int unsigned`` is ``INTEGER``)."""


def _keeps_rest(parsed: ParsedType, dialect: str) -> bool:
    if parsed.raw.lower().startswith("bit") and dialect != "sqlite":
        return dialect == "postgresql"
    return parsed.name not in _DROPS_REST.get(dialect, set())


def _postgresql(t: ParsedType, auto_increment: bool) -> str:
    simple = {
        "int": "INTEGER",
        "bigint": "BIGINT",
        "smallint": "SMALLINT",
        "tinyint": "SMALLINT",
        "mediumint": "INTEGER",
        "boolean": "BOOLEAN",
        "clob": "TEXT",
        "date": "date",
        "uuid": "UUID",
        "xml": "XML",
        "double": "DOUBLE PRECISION",
        "currency": "DECIMAL",
    }
    sized = {"varchar": "VARCHAR", "nvarchar": "VARCHAR", "char": "CHAR", "nchar": "NCHAR", "decimal": "DECIMAL"}
    if t.name == "blob":
        # Liquibase's BlobType: ``blob`` is a large object (OID) on PostgreSQL, the rest BYTEA.
        return "OID" if t.raw.lower().startswith("blob") else "BYTEA"
    if t.name == "boolean" and t.raw.lower().startswith("bit"):
        return _with("BIT", t.params)
    if t.name in simple:
        return simple[t.name]
    if t.name in ("datetime", "timestamp", "time"):
        zoned = "tz" in t.raw.lower() or "with time zone" in t.raw.lower()
        precision = f"({t.params[0]})" if t.params else ""
        return f"{'TIME' if t.name == 'time' else 'TIMESTAMP'}{precision} {'WITH' if zoned else 'WITHOUT'} TIME ZONE"
    if t.name == "number":
        return _with("numeric", t.params)
    if t.name == "float":
        return "REAL" if t.raw.lower() in ("real", "float4") else _with("FLOAT", t.params)
    return _sized(t, sized)


def _mysql_family(t: ParsedType, auto_increment: bool, *, mariadb: bool) -> str:
    simple = {
        "int": "INT",
        "bigint": "BIGINT",
        "smallint": "SMALLINT",
        "mediumint": "MEDIUMINT",
        "date": "date",
        "xml": "LONGTEXT",
        "currency": "DECIMAL",
    }
    sized = {
        "tinyint": "TINYINT",
        "varchar": "VARCHAR",
        "nvarchar": "NVARCHAR",
        "char": "CHAR",
        "nchar": "NCHAR",
        "datetime": "datetime",
        "timestamp": "timestamp",
        "time": "time",
        "decimal": "DECIMAL",
        "number": "DECIMAL",
        "double": "DOUBLE",
        "float": "FLOAT",
    }
    if t.name in simple:
        return simple[t.name]
    if t.name == "boolean":
        if t.raw.lower().startswith("bit"):
            return _with("BIT", t.params)
        return "TINYINT(1)" if mariadb else "TINYINT"
    if t.name == "clob":
        lower = re.split(r"[(\s]", t.raw.lower(), maxsplit=1)[0]
        if lower == "nclob":
            return "LONGTEXT CHARACTER SET utf8"
        return {"text": "TEXT", "tinytext": "TINYTEXT", "mediumtext": "MEDIUMTEXT"}.get(lower, "LONGTEXT")
    if t.name == "blob":
        lower = re.split(r"[(\s]", t.raw.lower(), maxsplit=1)[0]
        if lower in ("varbinary", "binary"):
            return _with(lower.upper(), t.params)
        return {"blob": "BLOB", "tinyblob": "TINYBLOB", "mediumblob": "MEDIUMBLOB", "bytea": "BYTEA"}.get(
            lower, "LONGBLOB"
        )
    if t.name == "uuid":
        return "UUID" if mariadb else "CHAR(36)"
    return _sized(t, sized)


def _sqlite(t: ParsedType, auto_increment: bool) -> str:
    """Liquibase 4.28 on SQLite: most classes write their upper-case name with the parameters given
    (``BOOLEAN(1)`` for ``bit(1)``, ``BLOB(16)`` for ``binary(16)``, ``NUMBER(10, 2)``); SQLite keeps
    the declared text, so it shows."""
    simple = {
        "int": "INTEGER",
        "clob": "TEXT",
        "date": "date",
        "datetime": "TEXT",
        "timestamp": "TEXT",
        "time": "time",
        "uuid": "TEXT",
        "xml": "TEXT",
        "currency": "REAL",
    }
    sized = {
        "bigint": "BIGINT",
        "smallint": "SMALLINT",
        "tinyint": "TINYINT",
        "mediumint": "MEDIUMINT",
        "boolean": "BOOLEAN",
        "blob": "BLOB",
        "varchar": "VARCHAR",
        "nvarchar": "NVARCHAR",
        "char": "CHAR",
        "nchar": "NCHAR",
        "decimal": "DECIMAL",
        "number": "NUMBER",
        "float": "FLOAT",
        "double": "DOUBLE",
    }
    if auto_increment and t.name in ("int", "bigint", "smallint"):
        return "INTEGER"
    if t.name in simple:
        return simple[t.name]
    if t.name == "double" and re.sub(r"\s+", " ", t.raw.lower()).startswith("double precision"):
        return "DOUBLE precision"  # Liquibase: type "double", additional information "precision"
    return _sized(t, sized)


def _bare_name(parsed: ParsedType) -> str:
    """The type's name as written, without parameters, lower-case (``long binary``, ``float8``)."""
    return re.sub(r"\s+", " ", parsed.raw.partition("(")[0].strip().lower())


def _sqlite_unknown(parsed: ParsedType) -> str:
    """Liquibase's UnknownType: the name upper-cased, at most two parameters (any for enum/set),
    then the additional information (``jsonb`` is ``JSONB``, ``enum('a','b')`` is ``ENUM('a', 'b')``)."""
    raw = parsed.raw.strip()
    if raw.upper().startswith("INTERVAL"):
        return raw.upper()
    match = _TYPE.match(raw)
    if match is None or not match.group("params"):
        name, _, rest = raw.partition(" ")
        return f"{name.upper()} {rest.strip()}".strip()
    name, rest = match.group("name").strip(), (match.group("rest") or "").strip()
    head, _, info = name.partition(" ")
    params = [part.strip() for part in match.group("params").split(",") if part.strip()]
    if head.lower() not in ("enum", "set"):
        params = params[:2]
    return " ".join(part for part in (_with(head.upper(), tuple(params)), info.strip(), rest) if part)


_MAPPERS = {
    "postgresql": _postgresql,
    "mysql": lambda t, auto: _mysql_family(t, auto, mariadb=False),
    "mariadb": lambda t, auto: _mysql_family(t, auto, mariadb=True),
    "sqlite": _sqlite,
}


def is_serial(definition: str | None) -> bool:
    """``serial``/``bigserial``/``smallserial``: Liquibase makes them auto-increment columns."""
    return (definition or "").split("(")[0].split()[0:1] in (["serial"], ["bigserial"], ["smallserial"]) if (
        definition and definition.strip()) else False


def is_boolean(definition: str | None) -> bool:
    return bool(definition) and parse_type(definition or "").name == "boolean"


def is_numeric(definition: str | None) -> bool:
    numeric = {"int", "bigint", "smallint", "tinyint", "mediumint", "decimal", "number", "double", "float", "currency"}
    return bool(definition) and parse_type(definition or "").name in numeric
