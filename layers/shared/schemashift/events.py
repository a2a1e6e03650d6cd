"""The schemashift bus, both ways: events out, and pipeline requests in.

``emit`` puts events on the bus (completions, policy results, answers to requests). ``answer``
turns one ``...Requested`` event into a started job or a rejection: each half registers its
request types (``RequestType``) and keeps its own words at its edge (Harness-style ``STARTED`` /
``REJECTED`` for deployments, Catalyzed ``started`` / ``rejected`` for table migrations).

A request that cannot start is answered with ``<Name>Rejected`` (``DbSchemaApplyRequested`` ->
``DbSchemaApplyRejected``) carrying ``reason`` and ``error {code, message, details}``, and, for
pipelines that wait only for the completion events, with the half's ``...Failed`` event in the
same shape, as before. The event id is the start's idempotency key, so a redelivered request never
starts a second run.

Before anything starts, the AWS account that put the event (the envelope's ``account``) must be one
the tenant named in ``detail.account`` trusts (``schemashift.accounts.check_event_sender``: by
default only the service's own); any other is answered ``<Name>Rejected`` with code ``FORBIDDEN``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from schemashift.errors import SchemashiftError, ValidationFailed
from schemashift.observability import logger

SOURCE = "schemashift"

# Starts a job from (routing fields, the rest of the detail, event id); returns the started id.
Start = Callable[[Mapping[str, Any], dict[str, Any], "str | None"], str]


def emit(detail_type: str, detail: dict[str, Any], *more: tuple[str, dict[str, Any]], bus: str | None = None,
         events: Any = None) -> None:
    """Put one event (or several, in one call) on the schemashift bus; a failed entry is logged. ``bus`` and
    ``events`` (the EventBridge client) are the caller's services root's; without them, the environment's."""
    from schemashift.aws import client
    from schemashift.settings import get_settings

    bus = bus or get_settings().event_bus
    entries = [
        {"Source": SOURCE, "DetailType": kind, "Detail": json.dumps(body, default=str), "EventBusName": bus}
        for kind, body in ((detail_type, detail), *more)
    ]
    response = (events or client("events")).put_events(Entries=entries)
    if response.get("FailedEntryCount"):
        logger.error("could not emit event", extra={"detailType": detail_type, "response": response["Entries"]})


@dataclass(frozen=True)
class RequestType:
    """One ``...Requested`` detail-type: what names its target, how it starts, how it answers."""

    detail_type: str
    routing: tuple[str, ...]  # required detail fields that name the target (with "account", the tenant)
    start: Start
    id_field: str  # "executionId" / "operationId"
    failed_event: str  # the half's completion-failure event, also sent on a rejection
    started: str = "STARTED"
    rejected: str = "REJECTED"
    echo: tuple[str, ...] = ()  # optional detail fields echoed on a rejection (pipeline ids)

    @property
    def rejected_event(self) -> str:
        return self.detail_type.removesuffix("Requested") + "Rejected"


def answer(event: Mapping[str, Any], types: Sequence[RequestType]) -> dict[str, Any]:
    """Start the job an EventBridge request names, or reject it with a reason on the bus."""
    detail = dict(event.get("detail") or {})
    detail_type = str(event.get("detail-type", ""))
    kind = next((t for t in types if t.detail_type == detail_type), None) or types[0]
    routing = {name: detail.pop(name, None) for name in kind.routing}
    try:
        if kind.detail_type != detail_type:
            expected = ", ".join(t.detail_type for t in types)
            raise ValidationFailed(f"unsupported detail-type {detail_type!r}; expected {expected}")
        missing = [name for name, value in routing.items() if not value]
        if missing:
            raise ValidationFailed(f"event detail lacks {', '.join(missing)}")
        from schemashift.accounts import check_event_sender

        check_event_sender(str(routing["account"]), event.get("account"))
        started = kind.start(routing, detail, event.get("id"))
    except (SchemashiftError, ValidationError) as exc:
        error = _error(exc)
        logger.warning("pipeline request rejected", extra={"detailType": detail_type, "reason": error["message"],
                                                           "eventId": event.get("id"),
                                                           "senderAccount": event.get("account")})
        body = {**routing, **{name: detail.get(name) for name in kind.echo}, "status": kind.rejected,
                "requestEventId": event.get("id"), "requestDetailType": detail_type,
                "reason": error["message"], "error": error}
        emit(kind.rejected_event, body, (kind.failed_event, body))
        return {"status": kind.rejected, "error": error["message"]}
    return {"status": kind.started, kind.id_field: started}


def _error(exc: SchemashiftError | ValidationError) -> dict[str, Any]:
    if isinstance(exc, SchemashiftError):
        return {"code": exc.code, "message": exc.message, "details": exc.details}
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'detail'}: {e['msg']}" for e in exc.errors()]
    return {"code": "VALIDATION_ERROR", "message": "; ".join(problems), "details": None}
