"""Task: record success or failure, release the instance lock, emit the completion event."""

from schemashift.dbschema.services import services
from schemashift.deployments.runner import finish
from schemashift.deployments.steps import FinishStep
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = FinishStep.model_validate(event)
    logger.append_keys(executionId=step.executionId)
    return finish(services(), step.scope, step.executionId, step.error).model_dump()
