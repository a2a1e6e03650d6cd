"""Logger, Tracer and Metrics, set up once and imported everywhere.

Service name and metrics namespace come from the Powertools environment variables that
template.yaml sets in Globals (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE).
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "schemashift")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "schemashift")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
