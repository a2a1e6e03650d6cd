"""Task: publish the migration as one Lance commit, then as the table's next schema version."""

from schemashift.datasets.jobs.migration_steps import commit_step
from schemashift.datasets.jobs.services import default_services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    logger.append_keys(operationId=event["operationId"])
    return commit_step(default_services(), event["account"], event["tableId"], event["operationId"])
