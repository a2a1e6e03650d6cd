"""GET .../dbschema/{dbschema}/dbinstance/{dbinstance}/flyway/info: every migration with Flyway's state."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.flyway_commands import flyway_info

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/flyway/info")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, flyway_info(services(), tenant, dbschema, dbinstance))


lambda_handler = entrypoint(app)
