"""POST /dataset-tables/{tableId}/uploads: a presigned S3 PUT for a row body too large to send inline."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.catalog.store import default_catalog
from schemashift.datasets.data.storage import default_bucket
from schemashift.datasets.data.uploads import create_upload
from schemashift.datasets.requests import CreateUpload

app = create_app()


@app.post("/dataset-tables/<tableId>/uploads")
def create(tableId: str):
    body = parse_body(app, CreateUpload)
    account = current_caller(app).account
    default_catalog().get_table(account, tableId)
    return json_response(201, create_upload(default_bucket(), account, tableId, body.contentType))


lambda_handler = entrypoint(app)
