"""Task: lint the pending changesets and evaluate the project's Rego policies before anything runs."""

from schemashift.observability import logger
from schemashift.safety.gate import gate


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(executionId=event["executionId"])
    return gate(event["scope"], event["executionId"])
