"""Task: apply (or roll back) as many changesets as fit in this invocation's remaining time."""

from schemashift.dbschema.services import services
from schemashift.deployments.runner import run_batch
from schemashift.deployments.steps import ExecutionStep
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = ExecutionStep.model_validate(event)
    logger.append_keys(executionId=step.executionId)
    return run_batch(services(), step.scope, step.executionId, context.get_remaining_time_in_millis()).model_dump()
