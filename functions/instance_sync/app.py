"""POST .../dbschema/{dbschema}/instance/{dbinstance}/sync: reconcile with DATABASECHANGELOG, report drift."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.sync_instance import sync_instance

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>/sync")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, sync_instance(services(), tenant, dbschema, dbinstance))


lambda_handler = entrypoint(app)
