"""Task: lint the pending changesets and evaluate the project's Rego policies before anything runs."""

from schemashift.dbschema.services import services
from schemashift.deployments.steps import ExecutionStep
from schemashift.observability import logger
from schemashift.safety.gate import gate


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    step = ExecutionStep.model_validate(event)
    logger.append_keys(executionId=step.executionId)
    return gate(services(), step.scope, step.executionId).model_dump()
