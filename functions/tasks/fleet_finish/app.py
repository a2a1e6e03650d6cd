"""Task: aggregate a fleet apply's per-instance outcomes and emit its completion event."""

from schemashift.dbschema.services import services
from schemashift.deployments.runner import fleet_finish
from schemashift.deployments.steps import FinishStep
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = FinishStep.model_validate(event)
    return fleet_finish(services(), step.scope, step.executionId, step.error).model_dump()
