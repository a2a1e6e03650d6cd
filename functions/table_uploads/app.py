"""POST /dataset-tables/{tableId}/uploads: a presigned S3 PUT for a row body too large to send inline."""

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, parse_body
from schemashift.datasets.catalog import default_catalog
from schemashift.datasets.requests import CreateUpload
from schemashift.datasets.storage import default_bucket
from schemashift.datasets.uploads import create_upload

app = create_app()


@app.post("/dataset-tables/<tableId>/uploads")
def create(tableId: str):
    body = parse_body(app, CreateUpload)
    account = current_caller(app).account
    default_catalog().get_table(account, tableId)
    return json_response(201, create_upload(default_bucket(), account, tableId, body.contentType))


lambda_handler = entrypoint(app)
