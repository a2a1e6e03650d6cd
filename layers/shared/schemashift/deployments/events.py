"""Completion events on the schemashift bus, for pipelines that wait on EventBridge."""

from __future__ import annotations

import json
from typing import Any

from schemashift.observability import logger

SOURCE = "schemashift"


def emit(detail_type: str, detail: dict[str, Any]) -> None:
    from schemashift.aws import client
    from schemashift.settings import get_settings

    response = client("events").put_events(Entries=[{
        "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail, default=str),
        "EventBusName": get_settings().event_bus,
    }])
    if response.get("FailedEntryCount"):
        logger.error("could not emit event", extra={"detailType": detail_type, "response": response["Entries"]})
