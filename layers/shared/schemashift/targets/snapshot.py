"""A schema snapshot of a target: what two states of a database are compared by.

Tables with their columns (name, type, nullability, default), primary key, foreign keys, unique
constraints and indexes, plus views (with their definition) and sequences, read through
SQLAlchemy's inspector on the target's own connection (many tables at a time: ``targets.catalog``),
as plain JSON (it is stored as is). The rollback proof compares snapshots before a changeset and
after its rollback; deployments store one per instance (``dbschema.snapshots``) which ``sync``
compares with the live schema to report drift.

A SQLite virtual table whose module this SQLite lacks (sqlite-vec's ``vec0``) has nothing but its
``USING`` clause (``using``) and no columns or keys; a column of a type SQLAlchemy does not know
has the type as the database's catalog names it.

Bounded: at most ``max_tables`` tables (the rest is left out and ``truncated`` says so), and no new
table is read once ``deadline`` (a ``time.monotonic()`` value) has passed.
"""

from __future__ import annotations

import time
from typing import Any

from schemashift.targets import catalog
from schemashift.targets.connection import Target

TRACKING_TABLES = frozenset({"databasechangelog", "databasechangeloglock"})
BOOKKEEPING_TABLES = TRACKING_TABLES | {"flyway_schema_history"}
"""Tables a stored snapshot leaves out: the migration tools' own, which every deployment changes."""
MAX_TABLES = 2000
OBJECT_TYPES = ("Table", "Column", "PrimaryKey", "ForeignKey", "UniqueConstraint", "Index", "View", "Sequence")


def schema_snapshot(target: Target, *, exclude: frozenset[str] = frozenset(), max_tables: int = MAX_TABLES,
                    deadline: float | None = None, one_by_one: bool = False) -> dict[str, Any]:
    """The schema of the target's default schema; ``exclude`` names tables (any case) to leave out.

    Tables are read many at once (``targets.catalog``); ``one_by_one`` reads each with the
    inspector's per-table calls instead, the reference the fast readers are tested against."""
    inspector = target.schema_inspector()
    schema = target._schema(None)
    dialect = inspector.dialect
    skipped = {name.lower() for name in exclude}
    names = sorted(t for t in inspector.get_table_names(schema=schema) if t.lower() not in skipped)
    truncated = len(names) > max_tables
    wanted = names[:max_tables]
    read = catalog.read_one_by_one(inspector, wanted, schema) if one_by_one \
        else catalog.read_tables(target, inspector, wanted, schema)
    tables: dict[str, Any] = {}
    for _ in wanted:
        if deadline is not None and time.monotonic() > deadline:
            truncated = True
            break
        table, parts = next(read)
        tables[table] = _table(parts, dialect)
    views = {name: {"definition": _view_definition(inspector, name, schema)}
             for name in sorted(inspector.get_view_names(schema=schema))}
    sequences: dict[str, Any] = {}
    if dialect.supports_sequences:
        sequences = {name: {} for name in sorted(inspector.get_sequence_names(schema=schema))}
    return {"tables": tables, "views": views, "sequences": sequences, "truncated": truncated}


def _table(parts: catalog.TableParts, dialect: Any) -> dict[str, Any]:
    pk = parts.pk
    # a virtual table this SQLite cannot open says only how it is made; no other table has the key
    using = {} if parts.using is None else {"using": parts.using}
    return {**using,
        "columns": [{"name": c["name"], "type": _type_name(c["type"], dialect), "nullable": bool(c["nullable"]),
                     "default": None if c.get("default") is None else str(c["default"])}
                    for c in parts.columns],
        "primaryKey": {"name": pk.get("name"), "columns": list(pk["constrained_columns"])}
        if pk and pk.get("constrained_columns") else None,
        "foreignKeys": sorted(({"name": fk.get("name"), "columns": list(fk["constrained_columns"]),
                                "referredTable": fk["referred_table"], "referredColumns": list(fk["referred_columns"])}
                               for fk in parts.foreign_keys),
                              key=lambda fk: (fk["name"] or "", fk["columns"])),
        "uniqueConstraints": sorted(({"name": u.get("name"), "columns": list(u["column_names"])}
                                     for u in parts.unique_constraints or ()),
                                    key=lambda u: (u["name"] or "", u["columns"])),
        # every index the database reports, those backing a unique constraint too (PostgreSQL, MariaDB)
        "indexes": sorted(({"name": i["name"], "columns": list(i["column_names"]), "unique": bool(i["unique"])}
                           for i in parts.indexes),
                          key=lambda i: (i["name"] or "", [str(c) for c in i["columns"]])),
    }


def _type_name(type_: Any, dialect: Any) -> str:
    """The column's type as DDL. SQLite lets a column be declared without a type (``CREATE TABLE t (a)``,
    BLOB affinity); SQLAlchemy reflects it as ``NullType``, which has no DDL: its type is the empty
    declaration."""
    from sqlalchemy.types import NullType

    return "" if isinstance(type_, NullType) else type_.compile(dialect=dialect)


def _view_definition(inspector: Any, view: str, schema: str | None) -> str | None:
    try:
        definition = inspector.get_view_definition(view, schema=schema)
    except NotImplementedError:
        return None
    return " ".join(str(definition).split()) if definition else None


def object_names(snapshot: dict[str, Any], object_type: str) -> list[str]:
    """Names of one type's objects: tables, views and sequences by name; what belongs to a table as
    ``table.name`` (a primary key without a name is ``table.PRIMARY``)."""
    return sorted(objects_of_type(snapshot, object_type))


def objects_of_type(snapshot: dict[str, Any], object_type: str) -> dict[str, Any]:
    """``{name: value}`` of one object type (one of ``OBJECT_TYPES``)."""
    if object_type == "Table":
        return dict(snapshot["tables"])
    if object_type == "View":
        return dict(snapshot["views"])
    if object_type == "Sequence":
        return dict(snapshot["sequences"])
    found: dict[str, Any] = {}
    for table, body in snapshot["tables"].items():
        if object_type == "Column":
            found.update({f"{table}.{c['name']}": {"table": table, **c} for c in body["columns"]})
        elif object_type == "PrimaryKey":
            if body["primaryKey"]:
                found[f"{table}.{body['primaryKey']['name'] or 'PRIMARY'}"] = {"table": table, **body["primaryKey"]}
        else:
            key = {"ForeignKey": "foreignKeys", "UniqueConstraint": "uniqueConstraints", "Index": "indexes"}[object_type]
            for item in body[key]:
                found[f"{table}.{item['name'] or '+'.join(map(str, item['columns']))}"] = {"table": table, **item}
    return found


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs, object by object: ``{objectType, objectName, change: added|removed|changed,
    before?, after?}``. Tables added or removed are one entry each (their columns are not repeated)."""
    changes: list[dict[str, Any]] = []
    tables_before, tables_after = set(before["tables"]), set(after["tables"])
    for object_type in OBJECT_TYPES:
        old, new = objects_of_type(before, object_type), objects_of_type(after, object_type)
        for name in sorted(old.keys() | new.keys()):
            if object_type not in ("Table", "View", "Sequence"):
                table = (old.get(name) or new.get(name))["table"]
                if (table in tables_before) != (table in tables_after):
                    continue  # part of a table added or removed as a whole
            if name not in old:
                changes.append({"objectType": object_type, "objectName": name, "change": "added", "after": new[name]})
            elif name not in new:
                changes.append({"objectType": object_type, "objectName": name, "change": "removed",
                                "before": old[name]})
            elif old[name] != new[name] and (object_type != "Table"  # a table's parts are compared by type
                                              or old[name].get("using") != new[name].get("using")):
                changes.append({"objectType": object_type, "objectName": name, "change": "changed",
                                "before": old[name], "after": new[name]})
    return changes


def snapshot_difference(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences, e.g. ``column account.note is left behind``."""
    words = {"added": "is left behind", "removed": "is missing"}
    problems: list[str] = []
    for change in snapshot_changes(before, after):
        what = _WHAT[change["objectType"]]
        if change["change"] in words:
            problems.append(f"{what} {change['objectName']} {words[change['change']]}")
        else:
            problems.append(f"{what} {change['objectName']} was {_brief(change['before'])}, "
                            f"is {_brief(change['after'])}")
    return problems


_WHAT = {"Table": "table", "Column": "column", "PrimaryKey": "primary key", "ForeignKey": "foreign key",
         "UniqueConstraint": "unique constraint", "Index": "index", "View": "view", "Sequence": "sequence"}


def _brief(value: dict[str, Any]) -> str:
    if "type" in value:  # a column
        text = value["type"] + ("" if value["nullable"] else " NOT NULL")
        return text + (f" DEFAULT {value['default']}" if value.get("default") is not None else "")
    return ", ".join(f"{k}={v}" for k, v in value.items() if k != "table")
