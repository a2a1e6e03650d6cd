"""Task: compact the table's fragments, or restore an earlier schema version with its data."""

from schemashift.datasets.jobs.maintenance_steps import maintenance_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"])
    return maintenance_step(default_services(), event["account"], event["tableId"], event["operationId"])
