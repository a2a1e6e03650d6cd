"""GET .../policies: the project's policies."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.safety.policy_store import list_policies
from schemashift.safety.responses import PolicyList

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/policies")
def handle(org: str, project: str):
    policies = list_policies(services(), Tenant.of(current_caller(app), org, project))
    return json_response(200, PolicyList(policies=policies),
                         headers={"X-Total-Elements": str(len(policies))})


lambda_handler = entrypoint(app)
