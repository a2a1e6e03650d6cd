"""In-process AWS calls: boto3 clients of this process reach the emulator without HTTP.

Everything in the local stack (handlers, task Lambdas, moto's own Step Functions interpreter)
runs in the emulator's process, yet every call used to cross a socket: a fresh TCP connection,
a werkzeug thread, Flask routing, then moto. A botocore ``before-send`` hook answers requests
addressed to the emulator's endpoint straight from moto's backends instead (the path moto's
``mock_aws`` takes), so a DynamoDB call costs moto's work and nothing else. Clients in other
processes (the AWS CLI, Lance's Rust object store, ``schemashift`` commands) still use HTTP, and
both paths see the same backends.

DynamoDB's item operations are answered one step earlier, at ``before-call``: after botocore has
validated and serialized the parameters (what a wrong call on AWS would fail on stays checked) but
before it builds, signs and sends an HTTP request and parses the answer through the service model,
which cost more than moto's own work for a small item. A successful answer's JSON is the parsed
response as is (no binary or timestamp members in these operations' results); errors and
anything with binary values go through botocore's own parser.
"""

from __future__ import annotations

import json
import re
from functools import cache
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
        self.answer_before_call = True
        """Off: DynamoDB item operations wait for ``before-send`` (the parser test compares the two)."""
        self.answered = 0
        """DynamoDB operations answered at ``before-call``."""

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

    def before_call(self, model: Any = None, params: Any = None, request_signer: Any = None,
                    **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        """The ``before-call`` handler: DynamoDB item operations, answered without an HTTP request."""
        if not (self.enabled and self.answer_before_call) or params is None or model is None:
            return None
        if model.service_model.endpoint_prefix != "dynamodb" or model.name not in _DYNAMODB_DATA_PLANE:
            return None
        url = params.get("url") or ""
        if urlsplit(url).netloc not in self.hosts:
            return None
        region = getattr(request_signer, "region_name", None) or self.region
        with service_locks.holding("dynamodb"):
            answer = dynamodb_operation(model.name, params.get("body"), params.get("headers") or {}, region)
        if answer is None:  # binary values: the before-send path (moto's full parser) answers
            return None
        service_locks.notify("dynamodb", model.name)
        self.answered += 1
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse

        status, headers, body = answer
        raw = body.encode() if isinstance(body, str) else body
        http = AWSResponse(url, status, headers, MockRawResponse(raw))
        return http, parsed_response(model, status, http.headers, raw)

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
    """An HTTP-shaped DynamoDB request (``before-send``) through ``dynamodb_operation``."""
    target = request.headers.get("X-Amz-Target", b"")
    target = target.decode() if isinstance(target, bytes) else target
    return dynamodb_operation(target.rpartition(".")[2], request.body, request.headers, region)


def dynamodb_operation(operation: str, body: Any, request_headers: Any, region: str
                       ) -> tuple[int, dict[str, str], str] | None:
    """DynamoDB item operations straight into moto's handler methods.

    The JSON body already is the operation's parameters in wire form, and the handler's result is
    the response in wire form, so moto's model-driven request parser and response serializer
    (two thirds of a request's cost) add nothing here. Binary attributes (which the parser
    decodes) and control-plane operations take moto's full path (None: nothing was done)."""
    method = _DYNAMODB_DATA_PLANE.get(operation)
    body = body or b"{}"
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
    handler.headers = request_headers
    handler.querystring = {}
    handler.response_headers = {}  # what moto's serializer adds its own headers to (binary results)
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


def parsed_response(model: Any, status: int, headers: Any, body: bytes) -> dict[str, Any]:
    """What botocore's parser makes of an in-process answer: for a success without binary values
    (``dynamodb_operation`` answers only those without binary input; a binary value read back is
    checked here) the JSON itself, minus members the output shape does not declare, as the parser
    drops them; anything else through the parser, with an error's modeled fields as botocore adds them."""
    metadata = {"RequestId": headers.get("x-amzn-requestid", ""), "HTTPStatusCode": status,
                "HTTPHeaders": dict(headers), "RetryAttempts": 0}
    if status == 200 and b'"B":' not in body and b'"BS":' not in body:
        data = json.loads(body) if body else {}
        members = model.output_shape.members if model.output_shape is not None else {}
        parsed = {key: value for key, value in data.items() if key in members and value is not None}
        parsed["ResponseMetadata"] = metadata
        return parsed
    parser = _parser(model.service_model.protocol)
    response = {"status_code": status, "headers": headers, "body": body, "context": {"operation_name": model.name}}
    parsed = parser.parse(response, model.output_shape)
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        error_shape = model.service_model.shape_for_error_code(code) if code else None
        if error_shape is not None:
            parsed.update(parser.parse(response, error_shape))
    parsed.setdefault("ResponseMetadata", {}).update(RetryAttempts=0)
    return parsed


@cache
def _parser(protocol: str) -> Any:
    from botocore.parsers import create_parser

    return create_parser(protocol)


def install(port: int, region: str) -> InProcessTransport:
    """Route this process's boto3 calls to the emulator on ``port`` in-process (idempotent)."""
    global _installed
    from botocore.handlers import BUILTIN_HANDLERS, REGISTER_LAST

    if _installed is not None:
        _installed.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        _installed.region = region
        _installed.enabled = True
        return _installed
    _installed = InProcessTransport(port, region)
    # Before moto's own stubber, which only matches *.amazonaws.com URLs.
    BUILTIN_HANDLERS.insert(0, ("before-send", _installed))
    # Last: hooks of others (tests counting calls) still see every call before it is answered.
    BUILTIN_HANDLERS.append(("before-call.dynamodb", _installed.before_call, REGISTER_LAST))
    return _installed


def uninstall() -> None:
    if _installed is not None:
        _installed.enabled = False
