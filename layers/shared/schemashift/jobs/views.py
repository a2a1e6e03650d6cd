"""The two presentations of a job: a Harness-style *execution* and a Catalyzed *operation*."""

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from schemashift.api.models import Out

ExecutionStatus = Literal["IN_PROGRESS", "SUCCESS", "FAILURE", "CANCELLED"]
OperationStatus = Literal["pending", "running", "completed", "failed", "cancelled"]


class JobError(Out):
    code: str
    message: str


class Progress(Out):
    done: int
    total: int


class ChangesetResult(Out):
    """One changeset an execution ran (or recovered after a crash), in the order it happened."""

    model_config = {"extra": "allow"}

    changeSetFQN: str
    status: str
    durationMs: int | None = None
    error: str | None = None
    statement: str | None = None


class FleetInstance(Out):
    instance: str
    executionId: str
    status: ExecutionStatus


class Execution(Out):
    """An apply, rollback, fleet apply or Flyway baseline / repair (``GET P/executions/{executionId}``)."""

    executionId: str
    kind: Literal["apply", "rollback", "fleet", "baseline", "repair"]
    status: ExecutionStatus
    schema_: str = Field(alias="schema")
    instance: str | None
    pipeline: str | None
    planExecutionId: str | None
    stageExecutionId: str | None
    progress: Progress
    preStartTag: str | None
    tag: str | None
    dryRun: bool
    request: dict[str, Any]
    error: JobError | None
    created: int
    updated: int
    completed: int | None
    sql: list[str] | None = None
    summary: dict[str, int] | None = None
    results: list[ChangesetResult] | None = None
    instances: list[FleetInstance] | None = None
    lint: dict[str, Any] | None = Field(default=None, description="the safety gate's lint findings (counts, findings)")
    policy: dict[str, Any] | None = Field(default=None, description="the safety gate's policy decision (deny, warn)")
    dryRunReport: dict[str, Any] | None = Field(default=None, description="a transactional dry run's report")
    report: dict[str, Any] | None = Field(default=None, description=(
        "a Flyway baseline's or repair's result, as its route answered it"))
    snapshotError: JobError | None = Field(default=None, description=(
        "why no schema snapshot was taken after this deployment (its status is unaffected; sync takes one)"))


class ExecutionList(Out):
    executions: list[Execution]
    nextCursor: str | None


class OperationError(Out):
    model_config = {"extra": "allow"}

    code: str = Field(description="Error code")
    message: str = Field(description="Human-readable error message")


Percent = Annotated[int, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100})]


class Operation(Out):
    """A table migration or maintenance run (the seed's operation object)."""

    operationId: str = Field(description="Unique identifier for the operation")
    operationType: str = Field(description="Type of operation (migration, compact, restore)")
    targetType: str = Field(description="Type of target resource (table)")
    targetId: str = Field(description="ID of the target resource")
    description: str = Field(description="Human-readable description of the operation")
    status: OperationStatus = Field(description="Current operation status")
    progressPercent: Percent = Field(description="Progress percentage (0-100)")
    progressMessage: str | None = Field(default=None, description="Human-readable progress message")
    error: OperationError | None = Field(default=None, description="Error details if operation failed")
    createdAt: str = Field(description="When the operation was created")
    startedAt: str | None = Field(default=None, description="When the operation started running")
    completedAt: str | None = Field(default=None, description="When the operation completed")


class OperationList(Out):
    operations: list[Operation]
    nextCursor: str | None


# ---------------------------------------------------------------------- the vocabularies, side by side
#  store        Harness execution   Catalyzed operation
#  queued       IN_PROGRESS         pending
#  running      IN_PROGRESS         running
#  succeeded    SUCCESS             completed
#  failed       FAILURE             failed
#  cancelled    CANCELLED           cancelled
HARNESS_STATUS = {"queued": "IN_PROGRESS", "running": "IN_PROGRESS", "succeeded": "SUCCESS",
                  "failed": "FAILURE", "cancelled": "CANCELLED"}
CATALYZED_STATUS = {"queued": "pending", "running": "running", "succeeded": "completed",
                    "failed": "failed", "cancelled": "cancelled"}
STORE_STATUS_OF_CATALYZED = {v: k for k, v in CATALYZED_STATUS.items()}
STORE_STATUSES_OF_HARNESS = {"IN_PROGRESS": ("queued", "running"), "SUCCESS": ("succeeded",),
                             "FAILURE": ("failed",), "CANCELLED": ("cancelled",)}
TARGET_TYPE = "table"
REWRITING = "rewriting"  # the phase whose progressMessage counts fragments


def harness_status(status: str) -> str:
    return HARNESS_STATUS[status]


def catalyzed_status(status: str) -> str:
    return CATALYZED_STATUS[status]


def execution_view(item: dict[str, Any], results: list[dict[str, Any]] | None = None,
                   children: list[dict[str, Any]] | None = None) -> Execution:
    """A deployment job as ``GET P/executions/{id}`` shows it (epoch-millisecond times)."""
    from schemashift.store.dynamo import plain

    request = plain(item.get("request") or {})
    out: dict[str, Any] = {
        "executionId": item["jobId"], "kind": item["kind"], "status": harness_status(item["status"]),
        "schema": item["schema"], "instance": item.get("instance"),
        "pipeline": request.get("pipeline"), "planExecutionId": request.get("planExecutionId"),
        "stageExecutionId": request.get("stageExecutionId"),
        "progress": {"done": int(item.get("progressDone", 0)), "total": int(item.get("progressTotal", 0))},
        "preStartTag": item.get("preStartTag"), "tag": item.get("tag"), "dryRun": bool(item.get("dryRun")),
        "request": request, "error": plain(item.get("error")),
        "created": plain(item["createdAt"]), "updated": plain(item["updatedAt"]),
        "completed": plain(item.get("completedAt")),
    }
    if item.get("sql") is not None:
        out["sql"] = plain(item["sql"])
    if item.get("summary") is not None:
        out["summary"] = {harness_status(k): v for k, v in plain(item["summary"]).items()}
    # the safety gate's findings and decision, ..., and why a deployment left no snapshot
    for key in ("lint", "policy", "dryRunReport", "report", "snapshotError"):
        if item.get(key) is not None:
            out[key] = plain(item[key])
    if results is not None:
        out["results"] = [plain(r) for r in results]
    if children is not None:
        out["instances"] = [{"instance": c["name"], "executionId": c["jobId"], "status": harness_status(c["status"])}
                            for c in children]
    return Execution.model_validate(out)


def progress_percent(item: dict[str, Any]) -> int:
    """0..99 from the row counter while running (never 100 before the commit), 100 once completed."""
    if item["status"] == "succeeded":
        return 100
    total = int(item.get("rowsTotal") or 0)
    if total <= 0:
        return 0
    return min(99, int(item.get("rowsDone") or 0) * 100 // total)


def progress_message(item: dict[str, Any]) -> str | None:
    if item["status"] in ("queued", "running") and item.get("phase") == REWRITING and not item.get("cancelRequested"):
        done, total = int(item.get("fragmentsDone") or 0), int(item.get("fragmentsTotal") or 0)
        return f"{item.get('workLabel') or 'rewriting'}: {done}/{total} fragments"
    return item.get("progressMessage")


def operation_view(item: dict[str, Any]) -> Operation:
    """A table job as the Catalyzed operation object; optional fields appear only with a value
    (ISO-8601 times)."""
    from schemashift.clock import iso_from_ms
    from schemashift.store.dynamo import plain

    def iso(ms: Any) -> str | None:
        return iso_from_ms(int(ms)) if ms is not None else None

    out: dict[str, Any] = {
        "operationId": item["jobId"], "operationType": item["kind"], "targetType": TARGET_TYPE,
        "targetId": item["tableId"], "description": item.get("description") or "",
        "status": catalyzed_status(item["status"]), "progressPercent": progress_percent(item),
    }
    optional = {"progressMessage": progress_message(item), "error": plain(item.get("error")),
                "createdAt": iso(item.get("createdAt")), "startedAt": iso(item.get("startedAt")),
                "completedAt": iso(item.get("completedAt"))}
    out.update({key: value for key, value in optional.items() if value is not None})
    return Operation.model_validate(out)
