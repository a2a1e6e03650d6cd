"""DELETE .../dbschema/{dbschema}: the schema, its instances, changelogs and state (204)."""

from schemashift.api.app import Response, create_app, current_caller, entrypoint
from schemashift.dbschema.schemas import delete_schema
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.delete("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>")
def handle(org: str, project: str, dbschema: str):
    delete_schema(services(), Tenant.of(current_caller(app), org, project), dbschema)
    return Response(status_code=204, body="")


lambda_handler = entrypoint(app)
