"""Instances as a tenant registers them: SQLite files under the account's directory, secrets under
the account's prefix (the service's own naming functions, never a copy of the rule)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

DEV_ACCOUNT = "local"


def sqlite_instance(name: str = "app", account: str = DEV_ACCOUNT) -> tuple[str, Path]:
    """A fresh ``sqlite:///<folder>/<name>.db`` URL and the file it names on the local stack."""
    url = f"sqlite:///{uuid.uuid4().hex[:10]}/{name}.db"
    return url, sqlite_path(url, account)


def sqlite_path(url: str, account: str = DEV_ACCOUNT) -> Path:
    """The file an instance URL names (its folder created, as the service does when connecting)."""
    from schemashift.accounts import target_policy
    from schemashift.targets.confinement import sqlite_file
    from schemashift.targets.urls import parse_target_url

    path = sqlite_file(parse_target_url(url), account, target_policy(account))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def create_db_secret(username: str | None, password: str, account: str = DEV_ACCOUNT,
                     name: str | None = None) -> str:
    """A Secrets Manager secret of ``account`` (named by its rule); returns the ARN."""
    from schemashift.aws import client
    from schemashift.credentials import secret_name

    secret = client("secretsmanager").create_secret(
        Name=secret_name(account, name or "db-" + uuid.uuid4().hex[:8]),
        SecretString=json.dumps({"username": username, "password": password}))
    return secret["ARN"]
