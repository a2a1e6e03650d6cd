"""POST .../dbinstance/{dbinstance}/snapshot-object-values: the named objects of the latest snapshot."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.models import SnapshotObjectValuesRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.snapshots import snapshot_object_values
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/snapshot-object-values")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, SnapshotObjectValuesRequest)
    tenant = Tenant.of(current_caller(app), org, project)
    values = snapshot_object_values(services(), tenant, dbschema, dbinstance, body.objectType, body.objectNames)
    return json_response(200, values)


lambda_handler = entrypoint(app)
