"""GET .../dbschema/{dbschema}/dbinstance/{dbinstance}/flyway/validate: Flyway's validate (findings are a 200)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.flyway_commands import flyway_validate

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/flyway/validate")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, flyway_validate(services(), tenant, dbschema, dbinstance,
                                              query_param(app, "ignoreMigrationPatterns")))


lambda_handler = entrypoint(app)
