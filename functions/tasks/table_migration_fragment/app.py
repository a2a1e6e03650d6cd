"""Task (one Map item): rewrite one fragment's columns; the result goes to S3, progress to DynamoDB."""

from schemashift.datasets.jobs.migration_steps import fragment_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"], fragmentId=event["fragmentId"])
    return fragment_step(
        default_services(),
        event["account"],
        event["tableId"],
        event["operationId"],
        int(event["fragmentId"]),
        attempt=int(event.get("attempt") or 0),
    )
