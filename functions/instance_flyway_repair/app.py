"""POST .../dbschema/{dbschema}/dbinstance/{dbinstance}/flyway/repair: Flyway's repair of the history table."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.flyway_commands import flyway_repair
from schemashift.deployments.models import FlywayRepairRequest

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/flyway/repair")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, FlywayRepairRequest, required=False)
    tenant = Tenant.of(current_caller(app), org, project)
    key = app.current_event.headers.get("Idempotency-Key")
    return json_response(200, flyway_repair(services(), tenant, dbschema, dbinstance, body, key))


lambda_handler = entrypoint(app)
