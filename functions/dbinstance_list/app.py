"""POST .../instancelist: instances filtered by tags (Equals / NotEquals)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body, query_param
from schemashift.dbschema.instances import list_instances
from schemashift.dbschema.models import InstanceListRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.paging import numbered_page

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/instancelist")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, InstanceListRequest, required=False)
    page = numbered_page(query_param(app, "page"), query_param(app, "limit"))
    tenant = Tenant.of(current_caller(app), org, project)
    instances, total = list_instances(services(), tenant, dbschema, body, page,
                                      search_term=query_param(app, "search_term"))
    return json_response(200, instances, page.headers(total))


lambda_handler = entrypoint(app)
