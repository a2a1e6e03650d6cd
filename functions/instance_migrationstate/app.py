"""GET .../dbinstance/{dbinstance}/migrationstate: one instance's changesets."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.services import services
from schemashift.dbschema.state import instance_migration_state
from schemashift.dbschema.tenancy import Tenant
from schemashift.paging import numbered_page

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/migrationstate")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    page = numbered_page(query_param(app, "page"), query_param(app, "limit"))
    tenant = Tenant.of(current_caller(app), org, project)
    state, total = instance_migration_state(services(), tenant, dbschema, dbinstance, page,
                                            query_param(app, "search_term"))
    return json_response(200, state, page.headers(total))


lambda_handler = entrypoint(app)
