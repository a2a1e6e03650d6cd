"""Task: record success or failure, release the instance lock, emit the completion event."""

from schemashift.deployments.runner import finish
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(executionId=event["executionId"])
    return finish(event["scope"], event["executionId"], event.get("error"))
