"""DELETE .../instance/{dbinstance} and its changeset state (204)."""

from schemashift.api.app import Response, create_app, current_caller, entrypoint
from schemashift.dbschema.instances import delete_instance
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.delete("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    delete_instance(services(), Tenant.of(current_caller(app), org, project), dbschema, dbinstance)
    return Response(status_code=204, body="")


lambda_handler = entrypoint(app)
