"""POST .../dbschema: create a schema (201)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.models import SchemaIn
from schemashift.dbschema.schemas import create_schema
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema")
def handle(org: str, project: str):
    body = parse_body(app, SchemaIn)
    return json_response(201, create_schema(services(), Tenant.of(current_caller(app), org, project), body))


lambda_handler = entrypoint(app)
