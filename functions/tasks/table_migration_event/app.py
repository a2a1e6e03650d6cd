"""EventBridge target: DatasetMigrationRequested starts a migration (the event id is its idempotency key)."""

from schemashift.datasets.jobs.pipeline_events import handle_migration_request
from schemashift.datasets.jobs.services import default_services
from schemashift.idempotency import remember_lambda_context
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    remember_lambda_context(context)
    return handle_migration_request(default_services(), event)
