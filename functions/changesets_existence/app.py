"""POST .../dbschema/{dbschema}/changesets/existence: which changeset ids are already taken."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.changesets import changeset_existence
from schemashift.dbschema.models import ChangesetExistenceRequest
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.post("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/changesets/existence")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, ChangesetExistenceRequest)
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, changeset_existence(services(), tenant, dbschema, [c.id for c in body.changeSets]))


lambda_handler = entrypoint(app)
