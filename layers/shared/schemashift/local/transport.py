"""In-process AWS calls: boto3 clients of this process reach the emulator without HTTP.

Everything in the local stack (handlers, task Lambdas, moto's own Step Functions interpreter)
runs in the emulator's process, yet every call used to cross a socket: a fresh TCP connection,
a werkzeug thread, Flask routing, then moto. A botocore ``before-send`` hook answers requests
addressed to the emulator's endpoint straight from moto's backends instead (the path moto's
``mock_aws`` takes), so a DynamoDB call costs moto's work and nothing else. Clients in other
processes (the AWS CLI, Lance's Rust object store, ``schemashift`` commands) still use HTTP, and
both paths see the same backends.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from schemashift.local import service_locks

_SIGNING_SCOPE = re.compile(r"Credential=[^/]*/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_installed: InProcessTransport | None = None


class InProcessTransport:
    """The ``before-send`` handler: requests to ``http://127.0.0.1:<port>`` or ``localhost:<port>``."""

    def __init__(self, port: int, region: str) -> None:
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.region = region
        self.enabled = True

    def __call__(self, event_name: str = "", request: Any = None, **kwargs: Any) -> Any:
        if not self.enabled or request is None:
            return None
        url = urlsplit(request.url)
        if url.netloc not in self.hosts:
            return None
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse
        from moto.core.models import botocore_stubber

        service, region = self._scope(request)
        with service_locks.holding(service):
            answer = dynamodb_fast_path(request, region) if service == "dynamodb" else None
            if answer is None:
                query = f"?{url.query}" if url.query else ""
                request.url = f"https://{service}.{region}.amazonaws.com{url.path}{query}"
                answer = botocore_stubber.process_request(request)
        service_locks.notify(service, event_name.rpartition(".")[2] or request.method)
        if answer is None:  # moto does not know the service: let the real HTTP request go
            request.url = url.geturl()
            return None
        status, headers, body = answer
        return AWSResponse(request.url, status, headers, MockRawResponse(body))

    def _scope(self, request: Any) -> tuple[str, str]:
        """Service and region, from the signing scope (moto routes by the AWS endpoint they name)."""
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        scope = _SIGNING_SCOPE.search(authorization)
        return (scope["service"], scope["region"]) if scope else ("s3", self.region)


_DYNAMODB_DATA_PLANE = {
    "GetItem": "get_item", "PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item",
    "Query": "query", "Scan": "scan", "BatchGetItem": "batch_get_item", "BatchWriteItem": "batch_write_item",
    "TransactGetItems": "transact_get_items", "TransactWriteItems": "transact_write_items",
}  # fmt: skip


def dynamodb_fast_path(request: Any, region: str) -> tuple[int, dict[str, str], str] | None:
    """DynamoDB item operations straight into moto's handler methods.

    The JSON body already is the operation's parameters in wire form, and the handler's result is
    the response in wire form, so moto's model-driven request parser and response serializer
    (two thirds of a request's cost) add nothing here. Binary attributes (which the parser
    decodes) and control-plane operations take moto's full path."""
    target = request.headers.get("X-Amz-Target", b"")
    target = target.decode() if isinstance(target, bytes) else target
    method = _DYNAMODB_DATA_PLANE.get(target.rpartition(".")[2])
    body = request.body or b"{}"
    if isinstance(body, str):
        body = body.encode()
    if method is None or not isinstance(body, bytes) or b'"B"' in body or b'"BS"' in body:
        return None
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.exceptions import HTTPException, ServiceException
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler

    handler = DynamoHandler()
    handler.region = region
    handler.current_account = DEFAULT_ACCOUNT_ID
    handler.headers = request.headers
    handler.querystring = {}
    handler.body = handler.params = json.loads(body)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    try:
        result = getattr(handler, method)()
    except ServiceException as error:
        status, error_headers, error_body = handler.serialized(ActionResult(error))
        return status, {**headers, **error_headers}, error_body
    except HTTPException as error:
        return error.code or 400, {**headers, **dict(error.get_headers() or [])}, error.get_body()
    try:
        return 200, headers, json.dumps(result.result)
    except TypeError:  # a value JSON cannot carry (bytes from a projection): let moto serialize it
        status, result_headers, result_body = handler.serialized(result)
        return status, {**headers, **result_headers}, result_body


def install(port: int, region: str) -> InProcessTransport:
    """Route this process's boto3 calls to the emulator on ``port`` in-process (idempotent)."""
    global _installed
    from botocore.handlers import BUILTIN_HANDLERS

    if _installed is not None:
        _installed.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        _installed.region = region
        _installed.enabled = True
        return _installed
    _installed = InProcessTransport(port, region)
    # Before moto's own stubber, which only matches *.amazonaws.com URLs.
    BUILTIN_HANDLERS.insert(0, ("before-send", _installed))
    return _installed


def uninstall() -> None:
    if _installed is not None:
        _installed.enabled = False
