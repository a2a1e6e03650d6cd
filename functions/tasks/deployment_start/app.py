"""Task: lease the instance lock, reconcile state, tag the pre-start state, size the work."""

from schemashift.deployments.runner import start
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(executionId=event["executionId"])
    return start(event["scope"], event["executionId"])
