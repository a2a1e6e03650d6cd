"""GET .../dbschema/{dbschema}."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.schemas import get_schema
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>")
def handle(org: str, project: str, dbschema: str):
    return json_response(200, get_schema(services(), Tenant.of(current_caller(app), org, project), dbschema))


lambda_handler = entrypoint(app)
