"""PUT .../policies/{policy}: create or replace a Rego policy of the project (201 / 200)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.safety.policy_store import PolicyIn, put_policy

app = create_app()


@app.put("/v1/orgs/<org>/projects/<project>/policies/<policy>")
def handle(org: str, project: str, policy: str):
    body = parse_body(app, PolicyIn)
    stored, created = put_policy(services(), Tenant.of(current_caller(app), org, project), policy, body)
    return json_response(201 if created else 200, stored)


lambda_handler = entrypoint(app)
