"""POST .../dbschema/{dbschema}/instance/{dbinstance}/apply: start an update (202 + execution)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.models import ApplyRequest
from schemashift.deployments.start import start_apply

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>/apply")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, ApplyRequest, required=False)
    tenant = Tenant.of(current_caller(app), org, project)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(202, start_apply(services(), tenant, dbschema, dbinstance, body, key))


lambda_handler = entrypoint(app)
