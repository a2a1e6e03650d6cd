"""S3 trigger: a changelog bundle pushed under changelogs/{account}/{org}/{project}/{dbschema}/ is
registered exactly as PUT .../changelog would register it."""

from schemashift.dbschema.ingest import ingest_s3_event
from schemashift.dbschema.services import services
from schemashift.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: object) -> dict:
    return ingest_s3_event(services(), event)
