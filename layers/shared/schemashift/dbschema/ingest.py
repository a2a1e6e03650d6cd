"""Changelog bundles pushed to S3 by pipelines.

Object keys: ``changelogs/{account}/{org}/{project}/{dbschema}/<name>.json`` (a ``{rootFile, files}``
bundle) or ``<name>.zip`` (root file from the object's ``root-file`` metadata, else
``changelog.*``). The outcome is written to ``changelog-status/<same path>.result.json`` so a
pipeline can read whether its push was accepted, and why not.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from schemashift.dbschema.bundles import bundle_from_files, bundle_from_zip
from schemashift.dbschema.changelogs import register_bundle
from schemashift.dbschema.responses import ChangelogUpload
from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import SchemashiftError, ValidationFailed
from schemashift.observability import logger

PREFIX = "changelogs/"
STATUS_PREFIX = "changelog-status/"


def ingest_object(svc: Services, bucket: str, key: str) -> ChangelogUpload:
    parts = key[len(PREFIX):].split("/")
    if not key.startswith(PREFIX) or len(parts) < 5 or not all(parts[:4]):
        raise ValidationFailed(f"key {key!r} must look like changelogs/ACCOUNT/ORG/PROJECT/DBSCHEMA/NAME")
    account, org, project, schema = parts[:4]
    from schemashift.dbschema.changelogs import is_flyway
    from schemashift.dbschema.schemas import get_schema_item

    flyway = is_flyway(get_schema_item(svc, Tenant(account, org, project), schema))
    obj = svc.s3.get_object(Bucket=bucket, Key=key)
    data = obj["Body"].read()
    if key.endswith(".zip"):
        bundle = bundle_from_zip(data, obj.get("Metadata", {}).get("root-file"), flyway=flyway)
    else:
        try:
            payload = json.loads(data)
            bundle = bundle_from_files(payload.get("rootFile"), payload["files"], flyway=flyway)
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ValidationFailed("a .json bundle must be {\"rootFile\": ..., \"files\": {path: text}}") from None
    return register_bundle(svc, Tenant(account, org, project), schema, bundle)


def ingest_s3_event(svc: Services, event: dict[str, Any]) -> dict[str, Any]:
    outcomes = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        try:
            outcome: dict[str, Any] = {"key": key, "accepted": True, **ingest_object(svc, bucket, key).to_json()}
        except SchemashiftError as exc:
            logger.warning("changelog push rejected", extra={"key": key, "reason": exc.message})
            outcome = {"key": key, "accepted": False, "error": exc.message, "details": exc.details}
        svc.s3.put_object(Bucket=bucket, Key=STATUS_PREFIX + key[len(PREFIX):] + ".result.json",
                          Body=json.dumps(outcome, default=str).encode(), ContentType="application/json")
        outcomes.append(outcome)
    return {"results": outcomes}
