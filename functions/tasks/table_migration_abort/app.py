"""Task: after a failure or cancel, delete the files the fragment workers wrote."""

from schemashift.datasets.jobs.migration_steps import abort_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"])
    return abort_step(default_services(), event["account"], event["tableId"], event["operationId"])
