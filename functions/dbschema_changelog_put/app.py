"""PUT .../dbschema/{dbschema}/changelog: upload a changelog bundle ({rootFile, files} or zipBase64)."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.dbschema.changelogs import upload_changelog
from schemashift.dbschema.models import ChangelogBundle
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.put("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/changelog")
def handle(org: str, project: str, dbschema: str):
    body = parse_body(app, ChangelogBundle)
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, upload_changelog(services(), tenant, dbschema, body))


lambda_handler = entrypoint(app)
