"""Fresh, isolated databases for target and engine tests: SQLite always, PostgreSQL and MariaDB
from SCHEMASHIFT_TEST_POSTGRES_URL / SCHEMASHIFT_TEST_MYSQL_URL (skipped when unset, unless
SCHEMASHIFT_REQUIRE_REAL_DBS=1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from tests.support.realdb import require_real_db

KINDS = ("sqlite", "postgresql", "mysql")
_ENV = {"postgresql": "SCHEMASHIFT_TEST_POSTGRES_URL", "mysql": "SCHEMASHIFT_TEST_MYSQL_URL"}

DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
]


@contextmanager
def fresh_database(kind: str, tmp_path: Path, *, whole_database: bool = False) -> Iterator[str]:
    """A URL to a new, empty database that is dropped afterwards.

    On PostgreSQL a fresh schema (made the connection's ``currentSchema``) stands in for a
    database unless ``whole_database``: creating databases there costs a second each.
    """
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    base = make_url(require_real_db(_ENV[kind]))
    name = f"ss_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    if kind == "postgresql" and not whole_database:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {name}")
        try:
            yield base.render_as_string(hide_password=False) + f"?currentSchema={name}"
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
            admin.dispose()
        return
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        drop = f"DROP DATABASE {name} WITH (FORCE)" if kind == "postgresql" else f"DROP DATABASE {name}"
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


def jdbc_url(url: str) -> str:
    """The same database as a JDBC URL, for the real Liquibase CLI."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"jdbc:sqlite:{parsed.database}"
    scheme = "postgresql" if parsed.get_backend_name() == "postgresql" else "mariadb"
    return f"jdbc:{scheme}://{parsed.host}:{parsed.port}/{parsed.database}"
