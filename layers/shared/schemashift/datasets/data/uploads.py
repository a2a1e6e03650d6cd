"""Row bodies too large for API Gateway (10 MB) or a Lambda request (6 MB) go through S3.

``POST /dataset-tables/{id}/uploads`` answers a presigned PUT URL; the client uploads the body
there and then calls ``POST .../rows?mode=...&upload_id=...``, which reads the object and
performs exactly the write an inline body would. The object key embeds account and table, so an
upload id is useless to anyone else, and the object is deleted once its write has committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from schemashift.datasets.data.storage import DataBucket, upload_key
from schemashift.datasets.responses import Upload as UploadOut
from schemashift.errors import NotFound, PayloadTooLarge, ValidationFailed
from schemashift.ids import new_id

UPLOAD_URL_SECONDS = 15 * 60
MAX_UPLOAD_BYTES = 1024**3
# A synchronous Lambda invocation carries at most 6 MB, and API Gateway sends binary bodies base64
# encoded, so this is the largest request body (as it arrives in the event) a rows call can take.
MAX_INLINE_BODY_BYTES = 6 * 1024 * 1024
_SPOOL_BYTES = 64 * 1024 * 1024


def check_inline_body(size: int) -> None:
    """Refuse bodies the deployed API could not deliver, pointing at the upload path instead."""
    if size > MAX_INLINE_BODY_BYTES:
        raise PayloadTooLarge(
            f"Request body of {size} bytes is over the {MAX_INLINE_BODY_BYTES}-byte limit for inline rows; "
            "create an upload (POST /dataset-tables/{tableId}/uploads) and pass its upload_id",
            details={"size": size, "limit": MAX_INLINE_BODY_BYTES},
        )


def create_upload(
    bucket: DataBucket, account: str, table_id: str, content_type: str, *, now: dt.datetime | None = None
) -> UploadOut:
    """A presigned PUT for one body; the Content-Type is signed, so the upload must send it."""
    upload_id = new_id("upl_")
    url = (bucket.presigner or bucket.s3).generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket.name,
            "Key": upload_key(account, table_id, upload_id),
            "ContentType": content_type,
        },
        ExpiresIn=UPLOAD_URL_SECONDS,
    )
    expires = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=UPLOAD_URL_SECONDS)
    return UploadOut(
        uploadId=upload_id,
        uploadUrl=url,
        method="PUT",
        headers={"Content-Type": content_type},
        expiresAt=expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
        maxBytes=MAX_UPLOAD_BYTES,
    )


@dataclass
class Upload:
    """A downloaded upload: a seekable local file (Parquet needs random access) and its type."""

    key: str
    content_type: str
    size: int
    body: IO[bytes]

    def close(self) -> None:
        self.body.close()


def open_upload(bucket: DataBucket, account: str, table_id: str, upload_id: str) -> Upload:
    """Fetch an upload into a spooled temp file; 404 when it is missing or already used."""
    if not upload_id.startswith("upl_") or "/" in upload_id:
        raise ValidationFailed(f"{upload_id!r} is not an upload id", details={"upload_id": upload_id})
    key = upload_key(account, table_id, upload_id)
    try:
        response = bucket.s3.get_object(Bucket=bucket.name, Key=key)
    except bucket.s3.exceptions.NoSuchKey:
        raise NotFound(
            f"Upload {upload_id!r} not found for this table (never uploaded, expired or already written)",
            details={"upload_id": upload_id},
        ) from None
    size = int(response["ContentLength"])
    if size > MAX_UPLOAD_BYTES:
        response["Body"].close()
        raise PayloadTooLarge(
            f"Upload {upload_id!r} is {size} bytes; the limit is {MAX_UPLOAD_BYTES}",
            details={"upload_id": upload_id, "size": size, "limit": MAX_UPLOAD_BYTES},
        )
    import tempfile  # and shutil with it: only when an upload is read, not to load an upload route

    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - the Upload owns it
    for chunk in response["Body"].iter_chunks(chunk_size=1024 * 1024):
        spool.write(chunk)
    spool.seek(0)
    content_type = response.get("ContentType") or "application/octet-stream"
    return Upload(key=key, content_type=content_type, size=size, body=spool)


def discard_upload(bucket: DataBucket, upload: Upload) -> None:
    upload.close()
    bucket.s3.delete_object(Bucket=bucket.name, Key=upload.key)
