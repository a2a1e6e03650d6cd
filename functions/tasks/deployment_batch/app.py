"""Task: apply (or roll back) as many changesets as fit in this invocation's remaining time."""

from schemashift.deployments.runner import run_batch
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(executionId=event["executionId"])
    return run_batch(event["scope"], event["executionId"], context.get_remaining_time_in_millis())
