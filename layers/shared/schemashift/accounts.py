"""Account-wide settings the operator manages (never the tenant itself): the hosts its instances may reach.

An account without an allowlist may point instances at any host that is not denied for everyone
(``targets.confinement``); with one, only at the listed CIDRs and host names. The item lives in the
resources table under the account's own key.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from schemashift.credentials import validate_account
from schemashift.errors import ValidationFailed
from schemashift.settings import get_settings
from schemashift.targets.confinement import TargetPolicy, service_endpoints

TARGETS_SK = "TARGETS"
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$")
MAX_ALLOWLIST = 100


def _key(account: str) -> dict[str, str]:
    return {"pk": f"ACCT#{validate_account(account)}#SETTINGS", "sk": TARGETS_SK}


def _resources() -> Any:
    from schemashift.aws import dynamodb_table

    return dynamodb_table(get_settings().resources_table)


def normalize_allowlist(entries: list[str]) -> list[str]:
    """CIDRs (``10.0.0.0/8``, ``2001:db8::/32``), addresses, host names and ``*.suffix`` patterns."""
    if len(entries) > MAX_ALLOWLIST:
        raise ValidationFailed(f"an allowlist holds at most {MAX_ALLOWLIST} entries")
    normalized: list[str] = []
    for entry in entries:
        text = entry.strip().lower()
        try:
            normalized.append(str(ipaddress.ip_network(text, strict=False)))
            continue
        except ValueError:
            pass
        if not _HOST.match(text):
            raise ValidationFailed(f"{entry!r} is neither a CIDR, an address nor a host name")
        normalized.append(text)
    return list(dict.fromkeys(normalized))


def set_target_allowlist(account: str, entries: list[str]) -> list[str]:
    """Replace the account's allowlist; an empty list removes it (any host not denied for everyone)."""
    normalized = normalize_allowlist(entries)
    if normalized:
        _resources().put_item(Item={**_key(account), "allowedTargets": normalized})
    else:
        _resources().delete_item(Key=_key(account))
    return normalized


def target_allowlist(account: str) -> tuple[str, ...]:
    item = _resources().get_item(Key=_key(account), ConsistentRead=True).get("Item") or {}
    return tuple(item.get("allowedTargets") or ())


def target_policy(account: str) -> TargetPolicy:
    """Everything that confines one account's instances, from the service settings and its allowlist."""
    settings = get_settings()
    return TargetPolicy(
        sqlite_root=Path(settings.sqlite_root).resolve() if settings.sqlite_root else None,
        loopback_allowed=settings.loopback_targets,
        service_endpoints=service_endpoints(list(settings.service_endpoints)),
        allowlist=target_allowlist(account),
    )
