"""Task: aggregate a fleet apply's per-instance outcomes and emit its completion event."""

from schemashift.deployments.runner import fleet_finish
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    return fleet_finish(event["scope"], event["executionId"], event.get("error"))
