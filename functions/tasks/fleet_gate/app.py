"""Task: before one instance of a fleet apply starts, skip it if the fleet passed maxFailures."""

from schemashift.dbschema.services import services
from schemashift.deployments.runner import fleet_gate
from schemashift.deployments.steps import GateStep
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = GateStep.model_validate(event)
    return fleet_gate(services(), step.scope, step.executionId, step.parentId, step.maxFailures).model_dump()
