"""Task: lease the instance lock, reconcile state, tag the pre-start state, size the work."""

from schemashift.dbschema.services import services
from schemashift.deployments.runner import start
from schemashift.deployments.steps import ExecutionStep
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = ExecutionStep.model_validate(event)
    logger.append_keys(executionId=step.executionId)
    return start(services(), step.scope, step.executionId).model_dump()
