"""Account-wide settings the operator manages (never the tenant itself): the hosts its instances may
reach, and the AWS accounts whose pipeline events may start work for it.

An account without an allowlist may point instances at any host that is not denied for everyone
(``targets.confinement``); with one, only at the listed CIDRs and host names. An account without
event senders accepts ``...Requested`` events only from the service's own AWS account
(``SERVICE_AWS_ACCOUNT_ID``); with some, only from those. Both items live in the resources table
under the account's own key (one ``get_item`` each, no Scan).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemashift.credentials import validate_account
from schemashift.errors import Forbidden, ValidationFailed
from schemashift.observability import logger
from schemashift.settings import get_settings, require

if TYPE_CHECKING:  # the table half reads event senders too: the schema half's confinement loads only when used
    from schemashift.targets.confinement import TargetPolicy

TARGETS_SK = "TARGETS"
EVENT_SENDERS_SK = "EVENT_SENDERS"
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$")
_AWS_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
MAX_ALLOWLIST = 100
MAX_EVENT_SENDERS = 100


def _key(account: str, sk: str = TARGETS_SK) -> dict[str, str]:
    return {"pk": f"ACCT#{validate_account(account)}#SETTINGS", "sk": sk}


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
    from schemashift.targets.confinement import TargetPolicy, service_endpoints

    settings = get_settings()
    return TargetPolicy(
        sqlite_root=Path(settings.sqlite_root).resolve() if settings.sqlite_root else None,
        loopback_allowed=settings.loopback_targets,
        service_endpoints=service_endpoints(list(settings.service_endpoints)),
        allowlist=target_allowlist(account),
    )


def validate_aws_account_id(value: str) -> str:
    """An AWS account id as EventBridge stamps it on an event: exactly 12 digits."""
    text = str(value).strip()
    if not _AWS_ACCOUNT_ID.match(text):
        raise ValidationFailed(f"{value!r} is not an AWS account id (12 digits, e.g. 210987654321)")
    return text


def event_senders(account: str) -> tuple[str, ...]:
    """The AWS accounts configured to send the account's pipeline requests (empty: the default applies)."""
    item = _resources().get_item(Key=_key(account, EVENT_SENDERS_SK), ConsistentRead=True).get("Item") or {}
    return tuple(sorted(item.get("eventSenders") or ()))


def change_event_senders(account: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> tuple[str, ...]:
    """Add and remove AWS account ids atomically (a string set: two operators never undo each other)."""
    added = {validate_aws_account_id(value) for value in add}
    removed = {validate_aws_account_id(value) for value in remove}
    if added & removed:
        raise ValidationFailed(f"cannot both add and remove {', '.join(sorted(added & removed))}")
    table = _resources()
    if added:
        from botocore.exceptions import ClientError

        try:
            table.update_item(
                Key=_key(account, EVENT_SENDERS_SK), UpdateExpression="ADD eventSenders :ids",
                ConditionExpression="attribute_not_exists(eventSenders) OR size(eventSenders) <= :room",
                ExpressionAttributeValues={":ids": added, ":room": MAX_EVENT_SENDERS - len(added)})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise ValidationFailed(f"an account allows at most {MAX_EVENT_SENDERS} event senders") from None
    if removed:
        table.update_item(Key=_key(account, EVENT_SENDERS_SK), UpdateExpression="DELETE eventSenders :ids",
                          ExpressionAttributeValues={":ids": removed})
    return event_senders(account)


def service_aws_account_id() -> str:
    """The AWS account the service runs in: the only default sender (template.yaml sets it)."""
    return get_settings().service_aws_account_id or require("SERVICE_AWS_ACCOUNT_ID")


def check_event_sender(account: str, sender: str | None) -> None:
    """Refuse a pipeline request for ``account`` put on the bus by an AWS account it does not trust.

    The bus policy decides who may put events at all; this decides which tenant each may start work
    for, so one tenant's CI account cannot deploy another tenant's schemas."""
    configured = event_senders(account)
    allowed = configured or (service_aws_account_id(),)
    if sender in allowed:
        return
    logger.warning("pipeline request from an untrusted AWS account",
                   extra={"senderAccount": sender, "tenantAccount": account, "configured": bool(configured)})
    where = f"AWS account {sender}" if sender else "an unknown AWS account (the event has no 'account')"
    how = ("it is not among the account's event senders" if configured
           else "without configured event senders only the service's own AWS account may")
    raise Forbidden(f"events from {where} may not start work for account {account!r}: {how}",
                    details={"senderAccount": sender, "account": account})
