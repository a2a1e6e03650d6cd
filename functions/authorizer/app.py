"""Lambda REQUEST authorizer: resolves the x-api-key header to an account and scopes."""

from schemashift.auth.authorizer import authorize
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    return authorize(event)
