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
