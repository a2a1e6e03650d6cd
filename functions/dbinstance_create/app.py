"""POST .../dbschema/{dbschema}/instance: register a database instance (201)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.instances import create_instance
from schemashift.dbschema.models import InstanceIn
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, InstanceIn)
    return json_response(201, create_instance(services(), Tenant.of(current_caller(app), org, project), dbschema, body))


lambda_handler = entrypoint(app)
