"""Scratch targets for the rollback proof: never the database itself.

- SQLite: a copy of the database file (SQLite's online backup), so the test starts from the
  database's current state and runs its pending changesets; ``:memory:`` starts empty.
- PostgreSQL: a throwaway schema in the same database (the connection's ``search_path``); needs the
  CREATE privilege on the database, not on the server.
- MySQL/MariaDB: a throwaway database on the same server (needs CREATE and DROP).

PostgreSQL and MySQL/MariaDB scratch targets start empty, so the whole changelog is tested from the
first changeset. The scratch schema/database is dropped afterwards, whatever happened.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from schemashift.targets.connection import Target, open_target
from schemashift.targets.errors import StatementFailed
from schemashift.targets.urls import TargetUrl, parse_target_url


@dataclass(frozen=True)
class Scratch:
    target: Target
    description: str
    """What the scratch target is, for the report (never a password)."""
    starts_empty: bool


@contextmanager
def scratch_target(url: str | TargetUrl, *, username: str | None = None,
                   password: str | None = None) -> Iterator[Scratch]:
    """A throwaway target next to ``url``'s database, removed on exit."""
    source = url if isinstance(url, TargetUrl) else parse_target_url(url, username=username, password=password)
    name = f"schemashift_scratch_{uuid.uuid4().hex[:10]}"
    if source.family == "sqlite":
        with _sqlite_copy(source) as scratch:
            yield scratch
    elif source.family == "postgresql":
        with _postgres_schema(source, name) as scratch:
            yield scratch
    else:
        with _mysql_database(source, name) as scratch:
            yield scratch


@contextmanager
def _sqlite_copy(source: TargetUrl) -> Iterator[Scratch]:
    database = source.url_parts.get("database")
    with tempfile.TemporaryDirectory(prefix="schemashift-scratch-") as directory:
        copy = Path(directory) / "scratch.db"
        exists = bool(database) and Path(str(database)).exists()
        if exists:
            with sqlite3.connect(str(database)) as original, sqlite3.connect(copy) as duplicate:
                original.backup(duplicate)
        with open_target(f"sqlite:///{copy}") as target:
            yield Scratch(target, f"a copy of {source.display}" if exists else "an empty SQLite database",
                          starts_empty=not exists)


@contextmanager
def _postgres_schema(source: TargetUrl, name: str) -> Iterator[Scratch]:
    with open_target(source) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
        try:
            connect_args = {**source.connect_args, "options": f"-c search_path={name}"}
            scratch_url = dataclasses.replace(source, connect_args=connect_args, default_schema=name,
                                              display=f"{source.display} (schema {name})")
            with open_target(scratch_url) as target:
                yield Scratch(target, f"throwaway schema {name} in {source.display}", starts_empty=True)
        finally:
            with suppress(StatementFailed):
                admin.execute(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def _mysql_database(source: TargetUrl, name: str) -> Iterator[Scratch]:
    with open_target(source) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            parts = {**source.url_parts, "database": name}
            display = source.display.rsplit("/", 1)[0] + f"/{name}"
            with open_target(dataclasses.replace(source, url_parts=parts, display=display)) as target:
                yield Scratch(target, f"throwaway database {name} on {source.display.rsplit('/', 1)[0]}",
                              starts_empty=True)
        finally:
            with suppress(StatementFailed):
                admin.execute(f"DROP DATABASE {name}")
