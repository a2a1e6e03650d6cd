"""POST /dataset-tables/{tableId}/rows?mode=...: append, upsert, overwrite or delete rows.

The body is JSON, CSV, Parquet or Arrow IPC (API Gateway delivers binary types base64 encoded),
or absent when ``upload_id`` names a body uploaded to S3 beforehand.
"""

import base64

from schemashift.api.app import create_app, current_caller, entrypoint, json_response, query_param
from schemashift.datasets.data.table_data import RowsRequest, default_table_data
from schemashift.datasets.data.uploads import check_inline_body

app = create_app()


def request_body() -> bytes | None:
    raw = app.current_event.body
    if not raw:
        return None
    check_inline_body(len(raw))
    return base64.b64decode(raw) if app.current_event.is_base64_encoded else raw.encode()


@app.post("/dataset-tables/<tableId>/rows")
def write(tableId: str):
    request = RowsRequest(
        mode=query_param(app, "mode"),
        body=request_body(),
        content_type=app.current_event.headers.get("content-type"),
        upload_id=query_param(app, "upload_id"),
        idempotency_key=query_param(app, "idempotency_key"),
    )
    result = default_table_data().write_rows(current_caller(app).account, tableId, request)
    return json_response(200, result)


lambda_handler = entrypoint(app)
