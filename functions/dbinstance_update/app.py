"""PUT .../instance/{dbinstance}."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.instances import update_instance
from schemashift.dbschema.models import InstanceUpdate
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.put("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, InstanceUpdate)
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, update_instance(services(), tenant, dbschema, dbinstance, body))


lambda_handler = entrypoint(app)
