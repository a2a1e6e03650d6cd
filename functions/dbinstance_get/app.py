"""GET .../instance/{dbinstance} (never returns secrets)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.instances import get_instance
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, get_instance(services(), tenant, dbschema, dbinstance))


lambda_handler = entrypoint(app)
