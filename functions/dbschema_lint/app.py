"""POST .../dbschema/{dbschema}/lint: lint the schema's changelog for a dialect or instance."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.safety.service import LintRequest, lint_schema

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/lint")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, LintRequest)
    return json_response(200, lint_schema(services(), Tenant.of(current_caller(app), org, project), dbschema, body))


lambda_handler = entrypoint(app)
