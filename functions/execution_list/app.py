"""GET .../dbschema/{dbschema}/executions and .../instance/{dbinstance}/executions: newest first."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.deployments.executions import list_executions
from schemashift.paging import cursor_page

app = create_app()
P = "/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>"


@app.get(f"{P}/executions")
def by_schema(org: str, project: str, dbschema: str):
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, list_executions(services(), tenant, dbschema, page, status=query_param(app, "status")))


@app.get(f"{P}/instance/<dbinstance>/executions")
def by_instance(org: str, project: str, dbschema: str, dbinstance: str):
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    tenant = Tenant.of(current_caller(app), org, project)
    executions = list_executions(services(), tenant, dbschema, page, instance=dbinstance,
                                 status=query_param(app, "status"))
    return json_response(200, executions)


lambda_handler = entrypoint(app)
