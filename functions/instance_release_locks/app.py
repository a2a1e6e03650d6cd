"""POST .../dbschema/{dbschema}/instance/{dbinstance}/releaselocks[?force=true]: free an instance after a crash."""

from schemashift.api.app import create_app, current_caller, entrypoint, flag_param, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.liveness import release_locks

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instance/<dbinstance>/releaselocks")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    force = flag_param(app, "force")
    return json_response(200, release_locks(services(), tenant, dbschema, dbinstance, force=force))


lambda_handler = entrypoint(app)
