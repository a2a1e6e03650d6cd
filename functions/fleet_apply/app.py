"""POST .../dbschema/{dbschema}/apply: apply to many instances (instances or tags filter) (202)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.models import FleetApplyRequest
from schemashift.deployments.start import start_fleet_apply

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/apply")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, FleetApplyRequest, required=False)
    tenant = Tenant.of(current_caller(app), org, project)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(202, start_fleet_apply(services(), tenant, dbschema, body, key))


lambda_handler = entrypoint(app)
