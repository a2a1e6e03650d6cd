"""The Lambda REQUEST authorizer's decision.

Unknown keys raise ``Unauthorized`` (API Gateway answers 401). Known keys get an Allow policy
for the whole API, so API Gateway can cache the decision per key, and the key's account and
scopes travel to every handler in ``requestContext.authorizer``; handlers check the org/project
of each request against those scopes (403 ``{"message"}``).
"""

from __future__ import annotations

import json
from typing import Any

from schemashift.auth.keys import resolve_api_key

API_KEY_HEADER = "x-api-key"


class Unauthorized(Exception):
    """Raised with the exact message API Gateway maps to 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def header(event: dict[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def api_wide_resource(method_arn: str) -> str:
    """``arn:...:api-id/stage/GET/path`` -> ``arn:...:api-id/stage/*/*`` so the cached policy fits any route."""
    prefix, _, rest = method_arn.partition(":execute-api:")
    parts = rest.split("/")
    return f"{prefix}:execute-api:{parts[0]}/{parts[1] if len(parts) > 1 else '*'}/*/*"


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    key = resolve_api_key(header(event, API_KEY_HEADER))
    if key is None:
        raise Unauthorized()
    return {
        "principalId": key.key_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": api_wide_resource(event.get("methodArn", "arn:aws:execute-api:*:*:*/*/*/*")),
                }
            ],
        },
        "context": {"account": key.account, "scopes": json.dumps(list(key.scopes)), "keyId": key.key_id},
    }
