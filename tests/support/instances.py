"""Instances on every engine, registered as a tenant would: SQLite under the account's directory,
PostgreSQL/MariaDB as fresh databases whose credentials are a Secrets Manager secret."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.tenancy import create_db_secret, sqlite_instance
from tests.targets.databases import fresh_database

ENGINES = ("sqlite", "postgresql", "mysql")


@contextmanager
def instance_body(kind: str, tmp_path: Path, identifier: str = "main") -> Iterator[tuple[dict, str]]:
    """``(POST .../instance body, a URL the test itself can connect with)`` for a fresh database."""
    import sqlalchemy

    if kind == "sqlite":
        url, path = sqlite_instance(identifier)
        yield {"identifier": identifier, "name": identifier, "url": url}, f"sqlite:///{path}"
        return
    with fresh_database(kind, tmp_path, whole_database=True) as url:
        parsed = sqlalchemy.engine.make_url(url)
        secret = create_db_secret(parsed.username, parsed.password or "")
        plain = parsed.set(username=None, password=None).render_as_string(hide_password=False)
        yield {"identifier": identifier, "name": identifier, "url": plain, "secretArn": secret}, url
