"""PUT .../dbschema/{dbschema}: update name, tags, description."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.models import SchemaUpdate
from schemashift.dbschema.schemas import update_schema
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.put("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, SchemaUpdate)
    return json_response(200, update_schema(services(), Tenant.of(current_caller(app), org, project), dbschema, body))


lambda_handler = entrypoint(app)
