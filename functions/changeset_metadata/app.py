"""GET .../dbinstance/{dbinstance}/changesetmetadata: the SQL/YAML/snapshot one pipeline step produced."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.metadata import changeset_metadata

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/changesetmetadata")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, changeset_metadata(
        services(), tenant, dbschema, dbinstance, query_param(app, "harnessCommand"),
        query_param(app, "pipelineExecutionId"), query_param(app, "stageExecutionId"), query_param(app, "contentType")))


lambda_handler = entrypoint(app)
