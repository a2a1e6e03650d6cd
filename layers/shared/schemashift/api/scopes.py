"""Org/project scopes on the Catalyzed-style routes, whose paths carry no org/project.

Every dataset belongs to one org/project, given when it is created (``org``/``project`` in the
body; by default the key's only scope when it names exactly one, else ``default/default``); its
tables inherit it. A key limited to some org/projects sees only the datasets and tables inside
them: a request naming one outside (path ``tableId``/``datasetId``, query or body ``datasetId``)
answers 404 exactly as for an id that does not exist, creating a dataset outside is 403, and
listings leave them out. ``*/*`` keys skip the lookup.
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.api.context import Caller
from schemashift.errors import NotFound

DEFAULT_SCOPE = "default"


def dataset_project(caller: Caller, org: str | None, project: str | None) -> tuple[str, str]:
    """The org/project a new dataset goes to; 403 when the key may not use it."""
    concrete = [s.split("/", 1) for s in caller.scopes if "*" not in s]
    if org is None and project is None and len(caller.scopes) == 1 and len(concrete) == 1:
        org, project = concrete[0]
    chosen = (org or DEFAULT_SCOPE, project or DEFAULT_SCOPE)
    caller.require_project(*chosen)
    return chosen


def require_catalyzed_scope(caller: Caller, event: dict[str, Any]) -> None:
    """404 when the request names a dataset or table outside the key's scopes."""
    if caller.unrestricted:
        return
    from schemashift.datasets.catalog.store import default_catalog, table_not_found

    catalog = default_catalog()
    params = event.get("pathParameters") or {}
    if params.get("tableId"):
        owner = catalog.owner(caller.account, table_id=params["tableId"])
        if owner is not None and not caller.allows(*owner):
            raise table_not_found(params["tableId"])
    for dataset_id in _named_datasets(event, params):
        owner = catalog.owner(caller.account, dataset_id=dataset_id)
        if owner is not None and not caller.allows(*owner):
            raise NotFound(f"Dataset {dataset_id!r} not found", details={"datasetId": dataset_id})


def _named_datasets(event: dict[str, Any], params: dict[str, str]) -> list[str]:
    named = [params.get("datasetId"), (event.get("queryStringParameters") or {}).get("datasetId")]
    if event.get("httpMethod") == "POST" and event.get("resource") == "/dataset-tables" and event.get("body"):
        try:
            body = json.loads(event["body"]) if not event.get("isBase64Encoded") else None
        except (ValueError, TypeError, RecursionError):
            body = None
        if isinstance(body, dict) and isinstance(body.get("datasetId"), str):
            named.append(body["datasetId"])
    return [d for d in dict.fromkeys(named) if d]
