"""GET P/dbschema/overview: schema and instance counts, the 5 latest deployed instances."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.overview import overview
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/overview")
def handle(org: str, project: str):
    return json_response(200, overview(services(), Tenant.of(current_caller(app), org, project)))


lambda_handler = entrypoint(app)
