"""Logger, Tracer and Metrics, set up once and imported everywhere.

Service name and metrics namespace come from the Powertools environment variables that
template.yaml sets in Globals (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE).
The Tracer is created on first use: instantiating it imports the X-Ray SDK (and botocore), which
would otherwise dominate every handler's import time.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from schemashift.redaction import redact

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "schemashift")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "schemashift")


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Every log line passes the one secret rule (``schemashift.redaction``) before it is written."""

    def serialize(self, log: dict[str, Any]) -> str:
        return redact(super().serialize(log))


logger = Logger(logger_formatter=RedactingFormatter())


def isolate_log_state_per_thread() -> None:
    """Give every thread its own logger keys (function name, request id, correlation id, ...).

    A Lambda runs one request per process; the local stack runs every function in one process, one
    thread per request, so keys that one function's ``inject_lambda_context`` set would otherwise
    label another function's lines. A new thread starts from the keys set up at import (service,
    sampling). Only the local stack calls this.
    """
    formatter = logger.registered_formatter
    if getattr(type(formatter), "per_thread", False):
        return
    base = dict(formatter.log_format)
    state = threading.local()

    class PerThreadFormatter(type(formatter)):  # type: ignore[misc, valid-type]
        per_thread = True

        @property  # a data descriptor: wins over the instance attribute the base class assigns
        def log_format(self) -> dict[str, Any]:
            current = getattr(state, "log_format", None)
            if current is None:
                current = state.log_format = dict(base)
            return current

        @log_format.setter
        def log_format(self, value: dict[str, Any]) -> None:
            state.log_format = value

    formatter.__class__ = PerThreadFormatter
metrics = Metrics()

_tracer: Any = None
_tracer_lock = threading.Lock()


def get_tracer() -> Any:
    global _tracer
    with _tracer_lock:
        if _tracer is None:
            from aws_lambda_powertools import Tracer

            _tracer = Tracer()
        return _tracer
