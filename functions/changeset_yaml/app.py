"""GET .../dbinstance/{dbinstance}/changeset/yaml?changeSet=<FQN>: a changeset as YAML."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.dbschema.changesets import changeset_yaml
from schemashift.dbschema.services import services
from schemashift.dbschema.tenancy import Tenant

app = create_app()


@app.get("/v1/orgs/<org>/projects/<project>/dbschema/<dbschema>/dbinstance/<dbinstance>/changeset/yaml")
def handle(org: str, project: str, dbschema: str, dbinstance: str):
    tenant = Tenant.of(current_caller(app), org, project)
    return json_response(200, changeset_yaml(services(), tenant, dbschema, dbinstance, query_param(app, "changeSet")))


lambda_handler = entrypoint(app)
