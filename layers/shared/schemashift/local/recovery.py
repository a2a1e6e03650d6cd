"""Jobs that were running when the local stack stopped end ``failed`` on the next start.

The state machines ran inside the stopped process, so nothing will ever move such a job again.
Each one is finished the way its state machine's ``Catch`` would have finished it, by invoking the
same task functions with an error: the deployment's finish task (releases the instance lock,
records the failure, emits the completion event), a fleet's finish task, a table migration's abort
then finish tasks (delete written files, release the table). Changesets already applied stay
recorded, and the next apply continues from DATABASECHANGELOG; a table keeps its last committed
version.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.observability import logger

STOPPED = "LocalStackStopped"
MESSAGE = ("The local stack stopped while this was running; it was ended on the next start. "
           "Work already committed is kept: run it again to continue.")
_DEPLOYMENTS = ("apply", "rollback", "baseline", "repair")  # Flyway baseline/repair: the same finish
_TABLE_JOBS = ("migration", "compact", "restore")


def orphaned_jobs(table_name: str) -> list[dict[str, Any]]:
    """Active jobs of every tenant. A Scan, once at start-up of the local stack, never on a request path."""
    from schemashift.aws import dynamodb_table
    from schemashift.jobs.store import ACTIVE, JOB

    table = dynamodb_table(table_name)
    kwargs: dict[str, Any] = {
        "FilterExpression": "sk = :job AND #s IN (:a, :b)",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":job": JOB, ":a": ACTIVE[0], ":b": ACTIVE[1]},
    }
    jobs: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        jobs += page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return jobs
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def end_orphaned_jobs(invoke: Any, table_name: str) -> list[dict[str, str]]:
    """``invoke(logical_id, event)`` runs a template function; returns what was ended."""
    error = {"Error": STOPPED, "Cause": json.dumps({"errorMessage": MESSAGE})}
    ended: list[dict[str, str]] = []
    jobs = orphaned_jobs(table_name)
    # Children first: a fleet's finish counts its instances' outcomes.
    for job in sorted(jobs, key=lambda j: j["kind"] == "fleet"):
        scope = job["pk"][: -len(f"JOB#{job['jobId']}")]
        kind = job["kind"]
        try:
            if kind in _DEPLOYMENTS:
                invoke("DeploymentFinishFunction", {"executionId": job["jobId"], "scope": scope, "error": error})
            elif kind == "fleet":
                invoke("FleetFinishFunction", {"executionId": job["jobId"], "scope": scope})
            elif kind in _TABLE_JOBS:
                ids = {"account": job["account"], "tableId": job["tableId"], "operationId": job["jobId"]}
                if kind == "migration":
                    invoke("TableMigrationAbortFunction", ids)
                invoke("TableOperationFinishFunction", {**ids, "error": error})
            else:
                continue
        except Exception:
            logger.exception("could not end a job left running", extra={"jobId": job["jobId"], "kind": kind})
            continue
        ended.append({"jobId": job["jobId"], "kind": kind})
    return ended
