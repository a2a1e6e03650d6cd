"""POST .../instance/{dbinstance}/deployedState: changesets one pipeline step ran."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.models import DeployedStateRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.state import deployed_state
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>/deployedState")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, DeployedStateRequest)
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, deployed_state(services(), tenant, dbschema, dbinstance, body))


lambda_handler = entrypoint(app)
