"""Database credentials come from Secrets Manager at run time and are never stored or logged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from schemashift.errors import ValidationFailed


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def fetch_credentials(secret_arn: str | None) -> Credentials:
    if not secret_arn:
        return Credentials()
    from schemashift.aws import client

    raw = client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationFailed("the instance's secret must be JSON with username and password") from None
    return Credentials(username=data.get("username"), password=data.get("password"))
