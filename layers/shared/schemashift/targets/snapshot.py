"""A schema snapshot of a target: what two states of a database are compared by.

Tables with their columns (name, type, nullability), primary key, indexes and foreign
keys, plus view names, read through SQLAlchemy's inspector on the target's own connection.
The rollback proof compares snapshots before a changeset and after its rollback.
"""

from __future__ import annotations

from typing import Any

from schemashift.targets.connection import Target

TRACKING_TABLES = frozenset({"databasechangelog", "databasechangeloglock"})


def schema_snapshot(target: Target, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The schema of the target's default schema; ``exclude`` names tables (any case) to leave out."""
    inspector = target._inspector()
    schema = target._schema(None)
    dialect = inspector.dialect
    skipped = {name.lower() for name in exclude}
    snapshot: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names(schema=schema)):
        if table.lower() in skipped:
            continue
        snapshot[table] = {
            "columns": [
                (column["name"], column["type"].compile(dialect=dialect), column["nullable"])
                for column in inspector.get_columns(table, schema=schema)
            ],
            "primary_key": inspector.get_pk_constraint(table, schema=schema)["constrained_columns"],
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table, schema=schema)
            ),
            "foreign_keys": sorted(
                (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(table, schema=schema)
            ),
        }
    snapshot["views"] = sorted(inspector.get_view_names(schema=schema))
    return snapshot


def snapshot_difference(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences, e.g. ``column account.note is left behind``."""
    problems: list[str] = []
    tables_before = {name for name in before if name != "views"}
    tables_after = {name for name in after if name != "views"}
    problems += [f"table {name} is left behind" for name in sorted(tables_after - tables_before)]
    problems += [f"table {name} is missing" for name in sorted(tables_before - tables_after)]
    for name in sorted(tables_before & tables_after):
        problems += _table_difference(name, before[name], after[name])
    views_before, views_after = set(before.get("views", ())), set(after.get("views", ()))
    problems += [f"view {name} is left behind" for name in sorted(views_after - views_before)]
    problems += [f"view {name} is missing" for name in sorted(views_before - views_after)]
    return problems


def _table_difference(table: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    columns_before = {column[0]: column for column in before["columns"]}
    columns_after = {column[0]: column for column in after["columns"]}
    problems += [f"column {table}.{name} is left behind" for name in columns_after if name not in columns_before]
    problems += [f"column {table}.{name} is missing" for name in columns_before if name not in columns_after]
    for name in columns_before.keys() & columns_after.keys():
        if columns_before[name] != columns_after[name]:
            _, old_type, old_null = columns_before[name]
            _, new_type, new_null = columns_after[name]
            problems.append(f"column {table}.{name} was {old_type}{'' if old_null else ' NOT NULL'}, "
                            f"is {new_type}{'' if new_null else ' NOT NULL'}")
    if before["primary_key"] != after["primary_key"]:
        problems.append(f"primary key of {table} was {before['primary_key']}, is {after['primary_key']}")
    for key, what in (("indexes", "index"), ("foreign_keys", "foreign key")):
        old, new = set(before[key]), set(after[key])
        problems += [f"{what} {item[0] or item[1]} on {table} is left behind" for item in sorted(new - old)]
        problems += [f"{what} {item[0] or item[1]} on {table} is missing" for item in sorted(old - new)]
    return problems
