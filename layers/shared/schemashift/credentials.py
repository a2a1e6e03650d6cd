"""Database credentials: Secrets Manager secrets whose name carries the account that owns them.

The one rule: an account's secrets are named ``schemashift/<account>/<name>`` (``secret_name``).
Registering an instance refuses a ``secretArn`` outside the caller's prefix, the deployment tasks
check it again right before fetching, and the fetch itself runs with a role session tagged with the
account, whose IAM policy reads only ``schemashift/<that account>/*`` (template.yaml,
``TenantSecretsRole``). The CLI (``schemashift secrets create``) and the docs use these functions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from schemashift.errors import Forbidden, ValidationFailed

SECRET_ROOT = "schemashift"
ACCOUNT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Accounts are path segments of secret names, S3 keys and session tags: no ``/``, no spaces."""
ACCOUNT_TAG = "schemashift-account"
"""The session tag the tenant secrets role's policy reads (``${aws:PrincipalTag/schemashift-account}``)."""

_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(?P<name>[A-Za-z0-9/_+=.@-]{1,512})$")
_NAME = re.compile(r"^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]{0,400}$")
_SESSION_SECONDS = 900


def validate_account(account: str) -> str:
    if not re.match(ACCOUNT_PATTERN, account or ""):
        raise ValidationFailed(f"account {account!r} must match {ACCOUNT_PATTERN} (letters, digits, '_', '.', '-')")
    return account


def secret_prefix(account: str) -> str:
    """Where an account's database secrets live: ``schemashift/<account>/``."""
    return f"{SECRET_ROOT}/{validate_account(account)}/"


def secret_name(account: str, name: str) -> str:
    """The full Secrets Manager name of the account's secret ``name``."""
    if not _NAME.match(name) or "//" in name or ".." in name.split("/"):
        raise ValidationFailed(f"secret name {name!r} may hold letters, digits and / _ + = . @ - only")
    return secret_prefix(account) + name


def secret_arn_name(secret_arn: str) -> str:
    """The secret name inside an ARN (with Secrets Manager's random suffix when the ARN is complete)."""
    match = _ARN.match(secret_arn or "")
    if not match:
        raise ValidationFailed("secretArn must be a Secrets Manager secret ARN "
                               "(arn:aws:secretsmanager:<region>:<aws account>:secret:<name>)")
    return match.group("name")


def require_owned_secret(secret_arn: str, account: str) -> None:
    """Refuse a secret that is not under the account's prefix (the same answer whether it exists or not)."""
    if not secret_arn_name(secret_arn).startswith(secret_prefix(account)):
        raise Forbidden(f"secretArn must name a secret of this account: its name must start with "
                        f"'{secret_prefix(account)}'")


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def fetch_credentials(secret_arn: str | None, account: str) -> Credentials:
    """Read the instance's secret for ``account``; ownership is checked first, every time."""
    if not secret_arn:
        return Credentials()
    require_owned_secret(secret_arn, account)
    secrets = _secrets_client(account)
    try:
        raw = secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    except secrets.exceptions.ResourceNotFoundException:
        raise ValidationFailed("the instance's secret does not exist; check its secretArn") from None
    except secrets.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("AccessDeniedException", "AccessDenied"):
            raise Forbidden("the instance's secret cannot be read with this account's role") from None
        raise
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        raise ValidationFailed("the instance's secret must be JSON with username and password") from None
    if not isinstance(data, dict):
        raise ValidationFailed("the instance's secret must be JSON with username and password")
    return Credentials(username=data.get("username"), password=data.get("password"))


_sessions: dict[str, tuple[float, Any]] = {}
_sessions_lock = threading.Lock()


def _secrets_client(account: str) -> Any:
    """A Secrets Manager client for one account: through the tagged tenant role when one is configured."""
    import os

    from schemashift.aws import client

    role_arn = os.environ.get("TENANT_SECRETS_ROLE_ARN")
    if not role_arn:
        return client("secretsmanager")
    with _sessions_lock:
        cached = _sessions.get(account)
        if cached and cached[0] > time.time() + 60:
            return cached[1]
    import boto3

    from schemashift.settings import get_settings

    assumed = client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName=f"secrets-{account}"[:64], DurationSeconds=_SESSION_SECONDS,
        Tags=[{"Key": ACCOUNT_TAG, "Value": account}])["Credentials"]
    tenant_client = boto3.session.Session(
        aws_access_key_id=assumed["AccessKeyId"], aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"], region_name=get_settings().region).client("secretsmanager")
    with _sessions_lock:
        _sessions[account] = (time.time() + _SESSION_SECONDS, tenant_client)
    return tenant_client
