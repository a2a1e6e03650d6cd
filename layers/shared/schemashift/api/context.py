"""Who is calling: the account and scopes the authorizer resolved for the API key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from schemashift.auth.keys import scope_allows
from schemashift.errors import Forbidden

HARNESS_ACCOUNT_HEADER = "harness-account"


@dataclass(frozen=True)
class Caller:
    """The API key behind a request: its account and the org/project scopes it may reach."""

    account: str
    scopes: tuple[str, ...]
    key_id: str

    @property
    def unrestricted(self) -> bool:
        """A ``*/*`` key: every org/project of its account."""
        return "*/*" in self.scopes

    def allows(self, org: str, project: str) -> bool:
        return scope_allows(self.scopes, org, project)

    def require_project(self, org: str, project: str) -> None:
        if not scope_allows(self.scopes, org, project):
            raise Forbidden(f"API key is not allowed to access org '{org}' project '{project}'")


def caller_from_event(event: dict[str, Any]) -> Caller:
    """Read the authorizer context; a request that reached us without one is refused."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    account = authorizer.get("account")
    if not account:
        raise Forbidden("request carries no authorized API key")
    raw_scopes = authorizer.get("scopes") or "[]"
    scopes = tuple(json.loads(raw_scopes)) if isinstance(raw_scopes, str) else tuple(raw_scopes)
    caller = Caller(account=account, scopes=scopes, key_id=str(authorizer.get("keyId", "")))
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    claimed = headers.get(HARNESS_ACCOUNT_HEADER)
    if claimed and claimed != caller.account:
        raise Forbidden("Harness-Account header does not match the API key's account")
    return caller
