"""Helpers for deployment tests: fresh projects, instances on real databases, waiting for executions."""

from __future__ import annotations

import time
import uuid
from typing import Any

TERMINAL = ("SUCCESS", "FAILURE", "CANCELLED")


def new_base() -> tuple[str, str, str]:
    org, project = "org" + uuid.uuid4().hex[:8], "prj" + uuid.uuid4().hex[:8]
    return f"/v1/orgs/{org}/projects/{project}", org, project


def wait_for(api: Any, base: str, execution_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = api.get(f"{base}/executions/{execution_id}").json()
        if execution["status"] in TERMINAL:
            return execution
        time.sleep(0.1)
    raise AssertionError(f"execution {execution_id} did not finish in {timeout}s: {execution}")


def statuses(api: Any, base: str, schema: str, instance: str) -> dict[str, str]:
    body = api.get(f"{base}/dbschema/{schema}/dbinstance/{instance}/migrationstate", params={"limit": 100}).json()
    return {c["changeSet"]: c["status"] for c in body["changeSets"]}
