"""A target's tables as SQLAlchemy's inspector reflects them, read for many tables at once.

The inspector's per-table calls cost about ten catalog queries a table on SQLite, each through
SQLAlchemy's execution path: 5,000 queries and 1.5 s of CPU for a 500-table schema, most of a
deployment's Finish task. Here SQLite's catalog is read in four queries (``sqlite_master`` joined
with the table-valued pragmas), and PostgreSQL and MySQL/MariaDB are read with the inspector's
multi-table calls (on PostgreSQL a few catalog queries per hundred tables; MySQL's dialect answers
them from one ``SHOW CREATE TABLE`` a table, exactly as its per-table calls do).

Each reader yields, for the keys a snapshot keeps, what the per-table calls return (compared on
every dialect by tests/targets/test_catalog.py; ``read_one_by_one`` is those calls). SQLite keeps
constraint names only in the ``CREATE TABLE`` text, where the inspector's regular expressions miss
or garble some (``targets.sqlite_ddl``): on SQLite both readers take the names of primary, unique and
foreign keys from ``sqlite_ddl``, and a unique constraint is an automatic index that a UNIQUE of the
text made (as the inspector decides it). Foreign keys of the few tables that have them, and columns
of tables with computed columns, are left to the inspector.

Two things the inspector cannot say, both readers say the same way. A column of a type the dialect
does not know (PostgreSQL's ``ltree``, a composite or range type of the database's own, MariaDB's
``inet6`` or ``point``) is reflected as ``NullType``, which has no DDL: its type is the catalog's own
spelling of it, read in one query for a batch. A SQLite virtual table whose module (or tokenizer) this
SQLite does not have, such as sqlite-vec's ``vec0``, cannot be read at all (``no such module``): it
is described by its ``USING`` clause alone, and the rest of the schema is read as usual.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.types import NullType, UserDefinedType

from schemashift.targets import sqlite_ddl
from schemashift.targets.connection import Target

BATCH = 100
"""Tables per multi-table call: the snapshot's deadline is checked between batches."""


@dataclass
class TableParts:
    """One table as the inspector's ``get_columns``, ``get_pk_constraint``, ``get_foreign_keys``,
    ``get_unique_constraints`` (None: not supported by the dialect) and ``get_indexes`` give it."""

    columns: list[dict[str, Any]]
    pk: dict[str, Any]
    foreign_keys: list[dict[str, Any]]
    unique_constraints: list[dict[str, Any]] | None
    indexes: list[dict[str, Any]] = field(default_factory=list)
    using: str | None = None
    """A virtual table this SQLite cannot read (its module is missing): its ``USING`` clause, the rest empty."""


class CatalogType(UserDefinedType):  # type: ignore[type-arg]
    """A column type the dialect does not know, as the database's catalog spells it."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **_: Any) -> str:
        return self.name


def read_tables(target: Target, inspector: Any, names: list[str], schema: str | None) -> Iterator[tuple[str, TableParts]]:
    """``(name, parts)`` of each of ``names`` in order, read lazily (batch by batch)."""
    dialect = inspector.dialect
    if dialect.name == "sqlite" and dialect.server_version_info >= (3, 31):  # pragma table_xinfo
        return _read_sqlite(target, inspector, names)
    if dialect.name in ("postgresql", "mysql", "mariadb"):
        return _read_multi(inspector, names, schema)
    return read_one_by_one(inspector, names, schema)


def read_one_by_one(inspector: Any, names: list[str], schema: str | None) -> Iterator[tuple[str, TableParts]]:
    """The inspector's per-table calls: what the other readers must equal (on SQLite with the key
    names of ``sqlite_ddl``)."""
    for name in names:
        if inspector.dialect.name != "sqlite":
            yield name, _one(inspector, name, schema)
            continue
        row = inspector.bind.exec_driver_sql(
            "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?", (name,)).first()
        unreadable = _sqlite_unreadable(inspector, {name: row[0] if row else ""})
        if unreadable:
            yield name, _unread(unreadable[name])
            continue
        automatic = [index["column_names"] for index in inspector.get_indexes(name, include_auto_indexes=True)
                     if index["name"].startswith("sqlite_autoindex")]
        yield name, _sqlite_named(_one(inspector, name, schema), row[0] if row else "", automatic)


def _one(inspector: Any, name: str, schema: str | None) -> TableParts:
    try:
        uniques = inspector.get_unique_constraints(name, schema=schema)
    except NotImplementedError:
        uniques = None
    columns = _named_types(inspector, schema, {name: inspector.get_columns(name, schema=schema)})[name]
    return TableParts(columns=columns,
                      pk=inspector.get_pk_constraint(name, schema=schema),
                      foreign_keys=inspector.get_foreign_keys(name, schema=schema),
                      unique_constraints=uniques, indexes=inspector.get_indexes(name, schema=schema))


def _read_multi(inspector: Any, names: list[str], schema: str | None) -> Iterator[tuple[str, TableParts]]:
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        columns = _named_types(inspector, schema, _by_table(inspector.get_multi_columns, schema, batch))
        pks = _by_table(inspector.get_multi_pk_constraint, schema, batch)
        fks = _by_table(inspector.get_multi_foreign_keys, schema, batch)
        indexes = _by_table(inspector.get_multi_indexes, schema, batch)
        try:
            uniques: dict[str, Any] | None = _by_table(inspector.get_multi_unique_constraints, schema, batch)
        except NotImplementedError:
            uniques = None
        for name in batch:
            if name not in columns or name not in pks:
                # gone since it was listed, or not reflectable: the per-table calls say why
                yield name, _one(inspector, name, schema)
                continue
            yield name, TableParts(columns=columns[name], pk=pks[name], foreign_keys=fks.get(name, []),
                                   unique_constraints=None if uniques is None else uniques.get(name, []),
                                   indexes=indexes.get(name, []))


_TYPE_NAMES = {
    "postgresql": "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)"
                  " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
                  " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                  " WHERE n.nspname = %(schema)s AND c.relname = ANY(%(names)s) AND a.attnum > 0"
                  " AND NOT a.attisdropped",
    "mysql": "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS"
             " WHERE TABLE_SCHEMA = %(schema)s AND TABLE_NAME IN %(names)s",
}
_TYPE_NAMES["mariadb"] = _TYPE_NAMES["mysql"]


def _named_types(inspector: Any, schema: str | None, columns: dict[str, list[dict[str, Any]]]
                 ) -> dict[str, list[dict[str, Any]]]:
    """``columns`` (by table) where each ``NullType`` (a type the dialect does not know) is the
    catalog's name of the type: one query for all the tables that have such columns, none if none do.
    On SQLite ``NullType`` is a column declared without a type, which stays so."""
    sql = _TYPE_NAMES.get(inspector.dialect.name)
    unknown = sorted(table for table, found in columns.items()
                     if any(isinstance(column["type"], NullType) for column in found))
    if sql is None or not unknown:
        return columns
    params = {"schema": schema or inspector.default_schema_name,
              "names": unknown if inspector.dialect.name == "postgresql" else tuple(unknown)}
    spelled = {(table, column): name for table, column, name in inspector.bind.exec_driver_sql(sql, params)}
    return {table: [{**column, "type": CatalogType(spelled[table, column["name"]])}
                    if isinstance(column["type"], NullType) and (table, column["name"]) in spelled else column
                    for column in found]
            for table, found in columns.items()}


def _by_table(method: Callable[..., dict[tuple[str | None, str], Any]], schema: str | None,
              names: list[str]) -> dict[str, Any]:
    return {table: value for (_, table), value in method(schema=schema, filter_names=names).items()}


_TABLES = "FROM main.sqlite_master m {join} WHERE m.type = 'table' AND m.name NOT IN (SELECT value FROM json_each(?))"
"""The tables of the pragma queries: all but the virtual tables this SQLite cannot read (a JSON list)."""
_SQLITE_COLUMNS = ("SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk, c.hidden "
                   + _TABLES.format(join="JOIN pragma_table_xinfo(m.name, 'main') c") + " ORDER BY m.name, c.cid")
_SQLITE_INDEXES = ("SELECT m.name, l.name, l.\"unique\", i.seqno, i.name "
                   + _TABLES.format(join="JOIN pragma_index_list(m.name, 'main') l "
                                         "LEFT JOIN pragma_index_info(l.name, 'main') i")
                   + " ORDER BY m.name, l.seq, i.seqno")
_SQLITE_FOREIGN_KEYED = "SELECT DISTINCT m.name " + _TABLES.format(join="JOIN pragma_foreign_key_list(m.name, 'main') f")
_SQLITE_TEXT = "SELECT name, sql FROM main.sqlite_master WHERE type = 'table'"
_VIRTUAL = re.compile(r"\s*CREATE\s+VIRTUAL\s+TABLE\b.*?\bUSING\s+(.*?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_MISSING = ("no such module:", "no such tokenizer:", "unknown tokenizer:")
"""How SQLite says a virtual table needs what it does not have (an extension not loaded here)."""


def _sqlite_unreadable(inspector: Any, text: dict[str, str]) -> dict[str, str]:
    """``{name: USING clause}`` of the virtual tables among ``text`` (``{name: CREATE text}``) that
    this SQLite cannot open: one probe a virtual table. Any other failure to open one is raised."""
    from sqlalchemy.exc import OperationalError

    found = {}
    for name, sql in text.items():
        virtual = _VIRTUAL.match(sql or "")
        if virtual is None:
            continue
        try:
            inspector.bind.exec_driver_sql("SELECT 1 FROM pragma_table_xinfo(?, 'main') LIMIT 1", (name,)).all()
        except OperationalError as error:
            if not any(words in str(error.orig) for words in _MISSING):
                raise
            found[name] = " ".join(virtual.group(1).split())
    return found


def _unread(using: str) -> TableParts:
    return TableParts(columns=[], pk={"constrained_columns": [], "name": None}, foreign_keys=[],
                      unique_constraints=[], using=using)


def _read_sqlite(target: Target, inspector: Any, names: list[str]) -> Iterator[tuple[str, TableParts]]:
    dialect = inspector.dialect
    written = dict(target.query_rows(_SQLITE_TEXT))
    unreadable = _sqlite_unreadable(inspector, written)
    skip = (json.dumps(sorted(unreadable)),)
    text = {name: sql or "" for name, sql in written.items()}  # as written: key names keep their case
    columns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    keys: dict[str, list[tuple[int, str]]] = defaultdict(list)
    computed: set[str] = set()
    types: dict[str, Any] = {}
    for table, name, declared, notnull, default, pk, hidden in inspector.bind.exec_driver_sql(_SQLITE_COLUMNS, skip):
        if hidden == 1:  # a virtual table's hidden column: not reflected
            continue
        if hidden:
            computed.add(table)
        declared = declared.upper()
        if declared not in types:
            types[declared] = dialect._resolve_type_affinity(declared)  # SQLite's affinity rules, as reflected
        columns[table].append({"name": name, "type": types[declared], "nullable": not notnull,
                               "default": None if default is None else str(default), "primary_key": pk})
        if pk:
            keys[table].append((pk, name))
    indexes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    automatic: dict[str, dict[str, list[str]]] = defaultdict(dict)
    expression_indexes: set[tuple[str, str]] = set()
    for table, index, unique, seqno, column in inspector.bind.exec_driver_sql(_SQLITE_INDEXES, skip):
        if index.startswith("sqlite_autoindex"):  # made by a PRIMARY KEY or UNIQUE of the text
            automatic[table].setdefault(index, []).append(column)
            continue
        entry = indexes[table].setdefault(index, {"name": index, "column_names": [], "unique": unique,
                                                  "dialect_options": {}})
        if seqno is None:
            continue
        if column is None:  # an expression: the inspector leaves such an index out
            expression_indexes.add((table, index))
        entry["column_names"].append(column)
    foreign_keyed = {row[0] for row in inspector.bind.exec_driver_sql(_SQLITE_FOREIGN_KEYED, skip)}
    for table in names:
        if table in unreadable:
            yield table, _unread(unreadable[table])
            continue
        sql = text.get(table, "")
        parts = TableParts(
            columns=inspector.get_columns(table) if table in computed else columns.get(table, []),
            pk={"constrained_columns": [name for _, name in sorted(keys[table])], "name": None},
            foreign_keys=inspector.get_foreign_keys(table) if table in foreign_keyed else [],
            unique_constraints=[],
            indexes=sorted((index for name, index in indexes.get(table, {}).items()
                            if (table, name) not in expression_indexes), key=lambda index: index["name"]))
        if "constraint" in sql.lower() or table in automatic or parts.foreign_keys:  # else nothing is named
            parts = _sqlite_named(parts, sql, list(automatic[table].values()))
        yield table, parts


def _sqlite_named(parts: TableParts, sql: str, automatic: list[list[str]]) -> TableParts:
    """``parts`` with the key names of the table's text ``sql``, and its unique constraints: the
    automatic indexes (``automatic``: their columns) that a UNIQUE of the text made."""
    found = sqlite_ddl.constraints(sql)
    left = [[column.lower() for column in columns] for columns in automatic]
    uniques = []
    for name, columns in found.uniques:
        wanted = [column.lower() for column in columns]
        if wanted in left:
            uniques.append({"name": name, "column_names": automatic[left.index(wanted)]})
            left[left.index(wanted)] = []  # one constraint an index
    named = list(found.foreign_keys)
    foreign_keys = []
    for key in parts.foreign_keys:
        match = next((entry for entry in named if _same_key(entry, key)), None)
        if match is not None:
            named.remove(match)
        foreign_keys.append({**key, "name": match[0] if match else None})
    pk = {**parts.pk, "name": found.primary_key} if parts.pk["constrained_columns"] else parts.pk
    return TableParts(columns=parts.columns, pk=pk, foreign_keys=foreign_keys, unique_constraints=uniques,
                      indexes=parts.indexes)


def _same_key(entry: tuple[str | None, list[str], str, list[str]], key: dict[str, Any]) -> bool:
    _, columns, referred, referred_columns = entry

    def lower(names: list[str]) -> list[str]:
        return [name.lower() for name in names]

    return (lower(columns) == lower(key["constrained_columns"]) and referred.lower() == key["referred_table"].lower()
            and (not referred_columns or lower(referred_columns) == lower(key["referred_columns"])))
