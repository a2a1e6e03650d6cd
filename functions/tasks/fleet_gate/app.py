"""Task: before one instance of a fleet apply starts, skip it if the fleet passed maxFailures."""

from schemashift.deployments.runner import fleet_gate
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    return fleet_gate(event["scope"], event["executionId"], event["parentId"], int(event.get("maxFailures", 0)))
