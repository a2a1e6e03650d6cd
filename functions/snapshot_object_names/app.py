"""GET .../dbinstance/{dbinstance}/snapshot-object-names?objectType=Table: names in the latest snapshot."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.services import services
from schemashift.dbschema.snapshots import snapshot_object_names
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/snapshot-object-names")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    names = snapshot_object_names(services(), tenant, dbschema, dbinstance, query_param(app, "objectType"))
    return json_response(200, names)


lambda_handler = entrypoint(app)
