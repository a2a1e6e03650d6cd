"""GET /v1/orgs/{org}/projects/{project}/executions/{executionId}: status, progress, results."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.executions import get_execution

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/executions/<execution_id>")
def handle(org: str, project: str, execution_id: str):
    return json_response(200, get_execution(services(), Tenant.of(current_caller(app), org, project), execution_id))


lambda_handler = entrypoint(app)
