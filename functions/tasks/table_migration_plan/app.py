"""Task: plan the migration against the latest data, store the plan in S3, size the fan-out."""

from schemashift.datasets.jobs.migration_steps import plan_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"])
    return plan_step(default_services(), event["account"], event["tableId"], event["operationId"])
