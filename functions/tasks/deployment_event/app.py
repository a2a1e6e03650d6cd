"""EventBridge target: DbSchemaApplyRequested / DbSchemaRollbackRequested start a deployment."""

from schemashift.dbschema.services import services
from schemashift.deployments.pipeline_events import handle_request_event
from schemashift.idempotency import remember_lambda_context
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    remember_lambda_context(context)
    return handle_request_event(services(), event)
