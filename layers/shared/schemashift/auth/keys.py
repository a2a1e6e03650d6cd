"""API keys are stored hashed (SHA-256) with their account and org/project scopes.

The plaintext key is shown once, at creation; a stolen table dump cannot be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemashift.aws import dynamodb_table
from schemashift.clock import now_ms
from schemashift.errors import ValidationFailed
from schemashift.settings import get_settings

KEY_PREFIX = "ssk_"
WILDCARD = "*"


def hash_key(plaintext: str) -> str:
    # hashlib and secrets (OpenSSL) load when a key is hashed or made: the authorizer and the CLI,
    # not the API handlers, which import this module for scope_allows only.
    import hashlib

    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A stored API key's record (never the secret itself)."""

    key_id: str
    account: str
    scopes: tuple[str, ...]
    description: str = ""
    created: int = 0
    disabled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def allows(self, org: str, project: str) -> bool:
        return scope_allows(self.scopes, org, project)


def scope_allows(scopes: tuple[str, ...] | list[str], org: str, project: str) -> bool:
    """A scope is ``org/project`` where either part may be ``*``."""
    for scope in scopes:
        scope_org, _, scope_project = scope.partition("/")
        if scope_org in (WILDCARD, org) and scope_project in (WILDCARD, project):
            return True
    return False


def parse_scope(scope: str) -> str:
    org, sep, project = scope.partition("/")
    if not sep or not org or not project or "/" in project:
        raise ValidationFailed(f"scope {scope!r} must look like ORG/PROJECT (either part may be *)")
    return f"{org}/{project}"


def create_api_key(
    account: str, scopes: list[str], *, description: str = "", plaintext: str | None = None
) -> tuple[str, ApiKey]:
    """Store a new key and return (plaintext, record). Pass ``plaintext`` to seed a known dev key."""
    import secrets

    from schemashift.credentials import validate_account

    validate_account(account)
    if not scopes:
        raise ValidationFailed("at least one scope is required")
    normalized = tuple(parse_scope(s) for s in scopes)
    plaintext = plaintext or KEY_PREFIX + secrets.token_urlsafe(32)
    key_hash = hash_key(plaintext)
    record = ApiKey(
        key_id=key_hash[:12], account=account, scopes=normalized, description=description, created=now_ms()
    )
    dynamodb_table(get_settings().api_keys_table).put_item(
        Item={
            "keyHash": key_hash,
            "keyId": record.key_id,
            "account": account,
            "scopes": list(normalized),
            "description": description,
            "created": record.created,
            "disabled": False,
        }
    )
    return plaintext, record


def resolve_api_key(plaintext: str | None) -> ApiKey | None:
    """The stored record for a presented key, or None when unknown or disabled."""
    if not plaintext:
        return None
    item = (
        dynamodb_table(get_settings().api_keys_table)
        .get_item(Key={"keyHash": hash_key(plaintext)}, ConsistentRead=True)
        .get("Item")
    )
    if not item or item.get("disabled"):
        return None
    return ApiKey(
        key_id=item["keyId"],
        account=item["account"],
        scopes=tuple(item.get("scopes", [])),
        description=item.get("description", ""),
        created=int(item.get("created", 0)),
    )
