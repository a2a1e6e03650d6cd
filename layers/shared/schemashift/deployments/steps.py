"""What the deployment state machines hand their tasks, and what each task hands back.

The ASL (``statemachines/apply_changesets``, ``rollback_changesets``, ``fleet_apply``) builds every
task's payload from these fields by JSONPath and branches on the answers (``remaining``, ``skip``,
``status``), so the field names are the contract with the state machines. Each task validates its
payload on entry: a malformed one fails the step at once, naming the field.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class ExecutionStep(_Payload):
    """Every task of a deployment: the execution, by its job key (``scope``, ``executionId``)."""

    executionId: str
    scope: str


class FinishStep(ExecutionStep):
    """RecordSuccess / RecordFailure (and the fleet's Finish / FinishDenied): ``error`` is the
    Step Functions ``Catch`` output (``{Error, Cause}``) of the state that failed."""

    error: dict[str, Any] | None = None


class GateStep(ExecutionStep):
    """One instance of a fleet, before it starts."""

    parentId: str
    maxFailures: int = 0


class FleetItem(_Payload):
    executionId: str
    parentId: str


class FleetInput(ExecutionStep):
    """The fleet machine's input: its instances' executions and its limits."""

    items: list[FleetItem]
    maxConcurrency: int
    maxFailures: int


class Remaining(ExecutionStep):
    """Start and each batch: ``remaining`` > 0 sends the machine to the next batch."""

    remaining: int


class PolicyOutcome(ExecutionStep):
    warnings: int


class GateOutcome(ExecutionStep):
    skip: bool


class Finished(_Payload):
    executionId: str
    status: str


class FleetFinished(Finished):
    summary: dict[str, int]
