"""One connection to a target database per command run, with explicit transactions.

The connection runs in driver autocommit mode and we issue BEGIN/COMMIT ourselves, so the
same code gives real transactions on all three families: pysqlite's implicit transaction
handling would otherwise autocommit DDL on SQLite. MySQL/MariaDB commit implicitly after any
DDL statement, so a failing MySQL changeset can leave its earlier DDL applied, exactly as it
does under Liquibase.

``Target`` also implements the changelog's ``DatabaseProbe`` (what preconditions ask).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from schemashift.changelog.model import Dialect
from schemashift.errors import ValidationFailed
from schemashift.targets.errors import StatementFailed, TargetUnavailable
from schemashift.targets.urls import TargetUrl, parse_target_url

_FILE_PRAGMAS = {"temp_store_directory", "data_store_directory"}
"""SQLite pragmas that name directories of the machine running the service."""


@dataclass
class SqlRecording:
    """Statements and comments captured instead of executed, in order."""

    entries: list[tuple[bool, str]] = field(default_factory=list)
    """(is_comment, text) pairs."""

    def statement(self, sql: str) -> None:
        self.entries.append((False, sql))

    def comment(self, text: str) -> None:
        self.entries.append((True, text))

    @property
    def statements(self) -> list[str]:
        return [text for is_comment, text in self.entries if not is_comment]

    def script(self, delimiter: str = ";") -> str:
        """A runnable script: comments as ``--`` lines, each statement ended by ``delimiter``."""
        parts = []
        for is_comment, text in self.entries:
            if is_comment:
                parts.append("\n".join(f"-- {line}" for line in text.splitlines() or [""]))
            else:
                parts.append(f"{text}{delimiter}\n")
        return "\n".join(parts) + ("\n" if parts else "")


_SAVEPOINT = "schemashift_changeset"


class Target:
    """An open target database: execute SQL, run transactions, answer precondition probes."""

    def __init__(self, engine: sqlalchemy.Engine, connection: sqlalchemy.Connection, url: TargetUrl) -> None:
        self._engine = engine
        self._connection = connection
        # Statements go straight to the driver's cursor: SQLAlchemy's execute path costs ~40 us a
        # statement against ~1 us here, a fifth of a SQLite update. SQLAlchemy keeps connecting,
        # dialect detection and schema inspection.
        self._dbapi = connection.connection.dbapi_connection
        self._cursor = self._dbapi.cursor()
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self.url = url
        self.dialect: Dialect = _detect_dialect(connection, url)
        self.default_schema: str | None = url.default_schema or connection.dialect.default_schema_name
        if self.dialect == "sqlite":
            self.default_schema = None
        self.in_transaction = False
        self._begin_pending = False
        self._recording: SqlRecording | None = None
        self._rolled_back_run = False
        """Inside ``always_rolled_back``: transactions are savepoints of one outer transaction."""
        self._refused: list[str] = []
        if self.dialect == "sqlite" and url.confined:
            self._dbapi.set_authorizer(self._sqlite_authorizer)

    # -- statements -------------------------------------------------------------------------

    def execute(self, sql: str) -> int:
        """Run one statement (one round trip); returns the affected row count (-1 if unknown)."""
        if self._recording is not None:
            self._recording.statement(sql)
            return 1
        return int(self._run(sql).rowcount)

    def comment(self, text: str) -> None:
        """A ``-- comment`` in recorded SQL (update-sql output); nothing is sent to the database."""
        if self._recording is not None:
            self._recording.comment(text)

    def query_rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._run(sql).fetchall()]

    def query_scalar(self, sql: str) -> object:
        row = self._run(sql).fetchone()
        return None if row is None else row[0]

    def query_dicts(self, sql: str) -> list[dict[str, Any]]:
        """Rows as dicts keyed by upper-case column name (PostgreSQL folds names to lower case)."""
        cursor = self._run(sql)
        keys = [str(column[0]).upper() for column in cursor.description or ()]
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _run(self, sql: str) -> Any:
        """Execute on the driver cursor (no parameters, so ``%`` and ``:`` in SQL stay literal)."""
        text = sql
        if self._begin_pending:
            # PostgreSQL runs "BEGIN; <statement>" in one round trip (simple query protocol).
            self._begin_pending = False
            text = f"BEGIN;\n{sql}"
        self._refused.clear()
        try:
            self._cursor.execute(text)
        except self._driver_error as error:
            if self._refused:
                raise StatementFailed(sql, f"{self._refused[0]} is refused on service-managed SQLite instances: "
                                      "a changeset may only touch its own database file") from error
            dropped = self._engine.dialect.is_disconnect(error, self._dbapi, self._cursor)
            raise StatementFailed(sql, _driver_message(error), retryable=dropped) from error
        return self._cursor

    def _sqlite_authorizer(self, action: int, arg1: str | None, arg2: str | None, _db: str | None,
                           _trigger: str | None) -> int:
        """Deny what reaches other files: ATTACH (also VACUUM INTO), DETACH, load_extension, file pragmas."""
        import sqlite3

        refused = None
        if action == sqlite3.SQLITE_ATTACH:
            refused = "ATTACH DATABASE (and VACUUM INTO)"
        elif action == sqlite3.SQLITE_DETACH:
            refused = "DETACH DATABASE"
        elif action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
            refused = "load_extension()"
        elif action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _FILE_PRAGMAS:
            refused = f"PRAGMA {arg1}"
        if refused is None:
            return sqlite3.SQLITE_OK
        self._refused.append(refused)
        return sqlite3.SQLITE_DENY

    # -- transactions -----------------------------------------------------------------------

    def begin(self) -> None:
        if self._rolled_back_run:
            self._run(f"SAVEPOINT {_SAVEPOINT}")
            self.in_transaction = True
            return
        if self._recording is None:
            if self.dialect == "postgresql":
                self._begin_pending = True
            else:
                self._run("START TRANSACTION" if self.dialect in ("mysql", "mariadb") else "BEGIN")
        self.in_transaction = True

    def commit(self) -> None:
        if self._rolled_back_run:
            if self.in_transaction:
                self._run(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            self.in_transaction = False
            return
        if self.in_transaction and self._recording is None and not self._begin_pending:
            self._run("COMMIT")
        self._begin_pending = False
        self.in_transaction = False

    def commit_with(self, sql: str) -> None:
        """Run ``sql`` as the transaction's last statement, then commit.

        On PostgreSQL the two travel as one round trip (``<sql>; COMMIT``); if ``sql`` fails, the
        COMMIT does not run and the transaction stays open for ``rollback``.
        """
        if self.dialect == "postgresql" and self.in_transaction and self._recording is None and not self._rolled_back_run:
            self._run(f"{sql};\nCOMMIT")
            self._begin_pending = False
            self.in_transaction = False
            return
        self.execute(sql)
        self.commit()

    def rollback(self) -> None:
        """Roll back the open transaction, if any; never raises over the original failure."""
        if not self.in_transaction:
            return
        self.in_transaction = False
        if self._rolled_back_run:
            with suppress(StatementFailed):
                self._run(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            return
        if self._begin_pending:
            self._begin_pending = False
            return
        if self._recording is None:
            with suppress(StatementFailed):
                self._run("ROLLBACK")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK when the block raises."""
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @contextmanager
    def always_rolled_back(self, *, lock_timeout_ms: int = 10_000) -> Iterator[None]:
        """Run the block in one PostgreSQL transaction that is rolled back whatever happens.

        PostgreSQL's DDL is transactional, so changesets really run (taking their real locks, bounded
        by ``lock_timeout``) and leave nothing behind; the block's own transactions become savepoints.
        """
        if self.dialect != "postgresql":
            raise ValidationFailed(f"a transactional dry run needs PostgreSQL's transactional DDL, not {self.dialect}")
        self._run("BEGIN")
        self._run(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
        self._rolled_back_run = True
        try:
            yield
        finally:
            self._rolled_back_run = False
            self.in_transaction = False
            self._begin_pending = False
            with suppress(StatementFailed):
                self._run("ROLLBACK")

    @contextmanager
    def recording(self) -> Iterator[SqlRecording]:
        """Collect writes instead of executing them (update-sql); reads still reach the database."""
        previous = self._recording
        self._recording = SqlRecording()
        try:
            yield self._recording
        finally:
            self._recording = previous

    @property
    def is_recording(self) -> bool:
        return self._recording is not None

    # -- DatabaseProbe ----------------------------------------------------------------------

    def table_exists(self, table: str, schema: str | None = None) -> bool:
        names = self._inspector().get_table_names(schema=self._schema(schema))
        return _find_name(table, names) is not None

    def view_exists(self, view: str, schema: str | None = None) -> bool:
        names = self._inspector().get_view_names(schema=self._schema(schema))
        return _find_name(view, names) is not None

    def column_exists(self, table: str, column: str, schema: str | None = None) -> bool:
        return _find_name(column, [name for name, _ in self.columns(table, schema)]) is not None

    def columns(self, table: str, schema: str | None = None) -> list[tuple[str, Any]]:
        """(name, SQLAlchemy type) of a table's columns; [] when the table does not exist."""
        inspector = self._inspector()
        names = inspector.get_table_names(schema=self._schema(schema))
        actual = _find_name(table, names)
        if actual is None:
            return []
        return [(column["name"], column["type"]) for column in inspector.get_columns(actual, self._schema(schema))]

    def _inspector(self) -> sqlalchemy.Inspector:
        return sqlalchemy.inspect(self._connection)

    def schema_inspector(self) -> sqlalchemy.Inspector:
        """The live catalog, for the object-existence preconditions (indexes, keys, sequences)."""
        return self._inspector()

    def probe_schema(self, schema: str | None) -> str | None:
        """The schema a probe looks in: the given one, else the target's default (none on SQLite)."""
        return self._schema(schema)

    def connection_user(self) -> str | None:
        """The user the connection logged in as (JDBC ``getUserName``); None on SQLite."""
        if self.dialect == "sqlite":
            return None
        return str(self.query_scalar("SELECT session_user" if self.dialect == "postgresql" else "SELECT USER()"))

    def _schema(self, schema: str | None) -> str | None:
        return None if self.dialect == "sqlite" else (schema or self.default_schema)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close; on a connection the server already dropped there is nothing left to close, and the
        driver's "connection already closed" must not hide the error that ended the work."""
        from sqlalchemy.exc import DBAPIError

        try:
            with suppress(self._driver_error):
                self._cursor.close()
            with suppress(DBAPIError, self._driver_error):
                self._connection.close()
        finally:
            self._engine.dispose()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()
        self.close()

    def __repr__(self) -> str:
        return f"<Target {self.dialect} {self.url.display}>"


def open_target(
    url: str | TargetUrl,
    *,
    username: str | None = None,
    password: str | None = None,
    connect_timeout: int = 15,
) -> Target:
    """Connect to ``url``; use as ``with open_target(...) as target:``."""
    target_url = url if isinstance(url, TargetUrl) else parse_target_url(url, username=username, password=password)
    connect_args = dict(target_url.connect_args)
    if target_url.family != "sqlite":
        connect_args.setdefault("connect_timeout", connect_timeout)
    if target_url.family == "postgresql" and target_url.pinned_address:
        connect_args["hostaddr"] = target_url.pinned_address  # libpq connects there, verifies TLS for host
    if target_url.family == "mysql":
        connect_args["local_infile"] = False  # LOAD DATA LOCAL would read files of this machine
    engine = sqlalchemy.create_engine(
        target_url.sqlalchemy_url,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args=connect_args,
    )
    if target_url.family == "mysql":
        from schemashift.targets import mysql_create_table

        mysql_create_table.install(engine.dialect)  # binary defaults would break reflection
        if target_url.pinned_address:
            _pin_mysql(engine, target_url.pinned_address, connect_timeout)
    try:
        connection = engine.connect()
    except sa_exc.DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip() if error.orig is not None else str(error)
        raise TargetUnavailable(f"Cannot connect to {target_url.display}: {reason}") from None
    return Target(engine, connection, target_url)


def _pin_mysql(engine: sqlalchemy.Engine, address: str, timeout: int) -> None:
    """PyMySQL connects over a socket we opened to the checked address; TLS still verifies the host name."""
    import socket

    from sqlalchemy import event

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        import pymysql

        connection = pymysql.connect(*cargs, **{**cparams, "defer_connect": True})
        sock = socket.create_connection((address, int(cparams.get("port") or 3306)),
                                        timeout=cparams.get("connect_timeout") or timeout)
        connection.connect(sock=sock)
        return connection


def _detect_dialect(connection: sqlalchemy.Connection, url: TargetUrl) -> Dialect:
    """MySQL and MariaDB speak one protocol; the server version says which one we reached."""
    if url.family == "mysql":
        return "mariadb" if getattr(connection.dialect, "is_mariadb", False) else "mysql"
    return url.family


def _driver_message(error: Exception) -> str:
    """The database's own words: PyMySQL errors are (code, message) tuples."""
    if len(error.args) == 2 and isinstance(error.args[0], int):
        return f"({error.args[0]}) {error.args[1]}"
    return str(error).strip()


def _find_name(wanted: str, names: list[str]) -> str | None:
    """Exact match first, then case-insensitive (unquoted names fold differently per database)."""
    if wanted in names:
        return wanted
    lowered = wanted.lower()
    return next((name for name in names if name.lower() == lowered), None)
