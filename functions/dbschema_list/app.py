"""GET .../dbschema: list schemas (search_term, sort, order, migrationType, page, limit)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.schemas import list_schemas
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant
from schemashift.paging import numbered_page

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema")
def handle(org: str, project: str):
    page = numbered_page(query_param(app, "page"), query_param(app, "limit"))
    schemas, total = list_schemas(
        services(), Tenant.of(current_caller(app), org, project), page,
        search_term=query_param(app, "search_term"),
        sort=query_param(app, "sort", "created"), order=(query_param(app, "order", "DESC") or "DESC").upper(),
        migration_type=query_param(app, "migrationType"),
    )
    return json_response(200, schemas, page.headers(total))


lambda_handler = entrypoint(app)
