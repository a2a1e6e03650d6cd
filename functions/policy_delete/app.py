"""DELETE .../policies/{policy}: remove a policy (204)."""

from schemashift.api.app import Response, create_app, current_caller, entrypoint
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.safety.policy_store import delete_policy

app = create_app()


@app.delete("/v1/orgs/<org>/projects/<project>/policies/<policy>")
def handle(org: str, project: str, policy: str):
    delete_policy(services(), Tenant.of(current_caller(app), org, project), policy)
    return Response(status_code=204, body="")


lambda_handler = entrypoint(app)
