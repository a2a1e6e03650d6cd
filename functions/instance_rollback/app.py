"""POST .../dbschema/{dbschema}/instance/{dbinstance}/rollback: roll back to a tag or by count (202)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.models import RollbackRequest
from schemashift.deployments.start import start_rollback

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>/rollback")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, RollbackRequest)
    tenant = Tenant.of(current_caller(app), org, project)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(202, start_rollback(services(), tenant, dbschema, dbinstance, body, key))


lambda_handler = entrypoint(app)
