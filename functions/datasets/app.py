"""/datasets and /datasets/{datasetId}: the parent datasets of dataset tables (metadata only)."""

from schemashift.api.app import (
    Response,
    create_app,
    current_caller,
    entrypoint,
    flag_param,
    json_response,
    parse_body,
    query_param,
)
from schemashift.api.scopes import dataset_project
from schemashift.datasets.catalog.store import default_catalog
from schemashift.datasets.data.lifecycle import delete_dataset
from schemashift.datasets.data.storage import default_bucket
from schemashift.datasets.requests import CreateDataset
from schemashift.datasets.responses import DatasetList
from schemashift.paging import cursor_page

app = create_app()


@app.post("/datasets")
def create():
    body = parse_body(app, CreateDataset)
    caller = current_caller(app)
    org, project = dataset_project(caller, body.org, body.project)
    dataset = default_catalog().create_dataset(caller.account, body.name, body.description, org=org, project=project)
    return json_response(201, dataset.to_api())


@app.get("/datasets")
def list_datasets():
    page = cursor_page(query_param(app, "limit"), query_param(app, "cursor"))
    caller = current_caller(app)
    found = default_catalog().list_datasets(caller.account, page, None if caller.unrestricted else caller.allows)
    return json_response(200, DatasetList(datasets=found.items, nextCursor=found.next_cursor))


@app.get("/datasets/<datasetId>")
def get(datasetId: str):
    return json_response(200, default_catalog().get_dataset(current_caller(app).account, datasetId).to_api())


@app.delete("/datasets/<datasetId>")
def delete(datasetId: str):
    force = flag_param(app, "force")
    delete_dataset(default_catalog(), default_bucket(), current_caller(app).account, datasetId, force=force)
    return Response(status_code=204)


lambda_handler = entrypoint(app)
