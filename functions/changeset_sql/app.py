"""POST .../dbinstance/{dbinstance}/changeset/sql: the statements a changeset runs on that instance."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.models import ChangesetSqlRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.sql import changeset_sql
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/changeset/sql")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    body = parse_body(app, ChangesetSqlRequest)
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, changeset_sql(services(), tenant, dbschema, dbinstance, body.changesetFQN))


lambda_handler = entrypoint(app)
