"""POST .../dbschema/{dbschema}/migrationstate: every changeset's status on every instance (paged)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body, query_param
from schemashift.dbschema.models import MigrationStateRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.state import migration_state
from schemashift.dbschema.tenancy import Tenant
from schemashift.paging import numbered_page

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/migrationstate")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, MigrationStateRequest, required=False)
    page = numbered_page(query_param(app, "page"), query_param(app, "limit"))
    tenant = Tenant.of(current_caller(app), org, project)
    state, total = migration_state(services(), tenant, dbschema, body, page, query_param(app, "search_term"))
    return json_response(200, state, page.headers(total))


lambda_handler = entrypoint(app)
