"""GET .../policies/{policy}: one policy of the project."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.safety.policy_store import get_policy

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/policies/<policy>")
def handle(org: str, project: str, policy: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, get_policy(services(), tenant, policy))


lambda_handler = entrypoint(app)
