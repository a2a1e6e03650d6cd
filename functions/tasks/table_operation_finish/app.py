"""Task: record the outcome, release the table's lock, emit DatasetMigrationCompleted/Failed."""

from schemashift.datasets.jobs.finish import finish_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"])
    return finish_step(
        default_services(), event["account"], event["tableId"], event["operationId"], event.get("error")
    )
