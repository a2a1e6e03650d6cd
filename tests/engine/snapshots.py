"""What two databases must agree on after the same migration: schema and DATABASECHANGELOG."""

from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy
from schemashift.targets import open_target
from schemashift.targets.snapshot import TRACKING_TABLES
from schemashift.targets.snapshot import schema_snapshot as target_snapshot
from schemashift.targets.tracking_sql import TrackingSql

COMPARED_COLUMNS = ("ID", "AUTHOR", "FILENAME", "ORDEREXECUTED", "EXECTYPE", "MD5SUM", "DESCRIPTION", "COMMENTS",
                    "TAG", "LIQUIBASE", "CONTEXTS", "LABELS")
"""Every DATABASECHANGELOG column but DATEEXECUTED and DEPLOYMENT_ID (which differ by run)."""


def schema_snapshot(url: str) -> dict[str, Any]:
    """Tables with their columns (name, type, nullability), primary key, indexes and foreign keys,
    plus view names: what Liquibase and schemashift must agree on (the service's snapshot, narrowed)."""
    with open_target(url) as target:
        full = target_snapshot(target)
    narrowed: dict[str, Any] = {
        name: {
            "columns": [(c["name"], c["type"], c["nullable"]) for c in table["columns"]],
            "primary_key": table["primaryKey"]["columns"] if table["primaryKey"] else [],
            "indexes": sorted((i["name"], tuple(i["columns"]), i["unique"]) for i in table["indexes"]),
            "foreign_keys": sorted((fk["name"] or "", tuple(fk["columns"]), fk["referredTable"],
                                    tuple(fk["referredColumns"])) for fk in table["foreignKeys"]),
        } for name, table in full["tables"].items()}
    narrowed["views"] = sorted(full["views"])
    return narrowed


def changelog_rows(url: str) -> list[tuple[Any, ...]]:
    """DATABASECHANGELOG in ORDEREXECUTED order, without the per-run columns."""
    with open_target(url) as target:
        sql = TrackingSql(target.dialect, target.default_schema)
        if not target.table_exists(sql.changelog_name):
            return []
        columns = ", ".join(sql.column(name) for name in COMPARED_COLUMNS)
        return target.query_rows(f"SELECT {columns} FROM {sql.changelog_table} ORDER BY ORDEREXECUTED, ID")


def lock_row(url: str) -> tuple[Any, ...] | None:
    with open_target(url) as target:
        sql = TrackingSql(target.dialect, target.default_schema)
        rows = target.query_rows(f"SELECT ID, {sql.column('LOCKED')}, LOCKGRANTED, LOCKEDBY FROM {sql.lock_table}")
        return next(((row[0], bool(row[1]), row[2], row[3]) for row in rows), None)


def full_schema_snapshot(url: str) -> dict[str, Any]:
    """Everything a migration defines, for the corpus comparisons: per table its columns (type,
    nullability, default, comment, identity), primary key, unique constraints, indexes, foreign
    keys (with their rules) and comment; then views with their definitions, sequences and routines."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            inspector = sqlalchemy.inspect(connection)
            dialect = inspector.dialect
            snapshot: dict[str, Any] = {}
            for table in sorted(inspector.get_table_names()):
                if table.lower() in TRACKING_TABLES:
                    continue
                snapshot[f"table {table}"] = _table(inspector, dialect, table)
            for view in sorted(inspector.get_view_names()):
                snapshot[f"view {view}"] = " ".join(str(inspector.get_view_definition(view) or "").split())
            snapshot.update(_sequences(connection, inspector))
            snapshot.update(_routines(connection))
            snapshot.update(_pg_constraints(connection))
            return snapshot
    finally:
        engine.dispose()


def _table(inspector: Any, dialect: Any, table: str) -> dict[str, Any]:
    columns = {}
    for column in inspector.get_columns(table):
        identity = column.get("identity")
        columns[column["name"]] = (
            _type_sql(column["type"], dialect), column["nullable"], _default(column.get("default")),
            column.get("comment"), tuple(sorted(identity.items())) if identity else None,
        )
    primary_key = inspector.get_pk_constraint(table)
    try:
        uniques = sorted((item["name"], tuple(item["column_names"])) for item in inspector.get_unique_constraints(table))
    except NotImplementedError:
        uniques = []
    try:
        comment = inspector.get_table_comment(table).get("text")
    except NotImplementedError:
        comment = None
    return {
        "columns": columns,
        "primary key": (primary_key.get("name"), tuple(primary_key["constrained_columns"])),
        "unique constraints": uniques,
        "indexes": sorted(
            (index["name"] or "", tuple(str(name) for name in index["column_names"]), bool(index["unique"]))
            for index in inspector.get_indexes(table)
        ),
        "foreign keys": sorted(
            (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
             tuple(sorted((fk.get("options") or {}).items())))
            for fk in inspector.get_foreign_keys(table)
        ),
        "comment": comment,
    }


def _type_sql(column_type: Any, dialect: Any) -> str:
    """The reflected type as SQL; a type SQLAlchemy does not know (SQLite keeps any name) as its repr."""
    try:
        return str(column_type.compile(dialect=dialect))
    except sqlalchemy.exc.CompileError:
        return repr(column_type)


def _default(value: Any) -> Any:
    return None if value is None else " ".join(str(value).split())


def _sequences(connection: Any, inspector: Any) -> dict[str, Any]:
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT sequencename, data_type::text, start_value, increment_by, min_value, max_value, cycle, cache_size"
            " FROM pg_sequences WHERE schemaname = current_schema()"
        ).all()
        return {f"sequence {row[0]}": tuple(row[1:]) for row in rows}
    try:
        return {f"sequence {name}": () for name in inspector.get_sequence_names()}
    except NotImplementedError:
        return {}


def _pg_constraints(connection: Any) -> dict[str, Any]:
    """PostgreSQL's own view of every constraint: definition, deferrability (the inspector has neither)."""
    if connection.dialect.name != "postgresql":
        return {}
    rows = connection.exec_driver_sql(
        "SELECT c.conrelid::regclass::text || '.' || c.conname, pg_get_constraintdef(c.oid), c.condeferrable,"
        " c.condeferred FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() AND c.conrelid <> 0"
    ).all()
    return {f"constraint {name}": tuple(rest) for name, *rest in rows if "databasechangelog" not in name.lower()}


def _routines(connection: Any) -> dict[str, Any]:
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid)"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')"
        ).all()
    elif connection.dialect.name in ("mysql", "mariadb"):
        rows = connection.exec_driver_sql(
            "SELECT CONCAT(routine_type, ' ', routine_name), routine_definition FROM information_schema.routines"
            " WHERE routine_schema = DATABASE()"
        ).all()
    else:
        rows = []
    return {f"routine {name}": " ".join(str(body).split()) for name, body in rows}


def table_data(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the tracking tables, in a stable order; timestamps (and times
    of day) of the last minutes (``now()`` defaults and ``valueDate`` of the run) read as ``<run time>``."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        moments = (datetime.datetime.now(), datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
        with engine.connect() as connection:
            data = {}
            for table in sorted(sqlalchemy.inspect(connection).get_table_names()):
                if table.lower() in TRACKING_TABLES:
                    continue
                quoted = connection.dialect.identifier_preparer.quote(table)
                rows = connection.exec_driver_sql(f"SELECT * FROM {quoted}").all()
                data[table] = sorted((tuple(_value(item, moments) for item in row) for row in rows), key=repr)
            return data
    finally:
        engine.dispose()


def _value(item: Any, moments: tuple[datetime.datetime, ...]) -> Any:
    if isinstance(item, memoryview):
        return bytes(item)
    if isinstance(item, datetime.datetime):
        naive = item.astimezone(datetime.UTC).replace(tzinfo=None) if item.tzinfo else item
        if any(abs(naive - moment) < RECENT for moment in moments):
            return "<run time>"
    if isinstance(item, datetime.timedelta) and datetime.timedelta(0) <= item < datetime.timedelta(days=1):
        item_time = (datetime.datetime.min + item).time()  # MySQL's TIME, as PyMySQL reads it
        return item if _value(item_time, moments) == item_time else "<run time>"
    if isinstance(item, datetime.time):  # a time of day taken from the clock (valueComputed="now()")
        naive = datetime.datetime.combine(datetime.date.min, item.replace(tzinfo=None))
        if any(abs(naive - datetime.datetime.combine(datetime.date.min, moment.time())) < RECENT for moment in moments):
            return "<run time>"
    return item


RECENT = datetime.timedelta(minutes=15)
