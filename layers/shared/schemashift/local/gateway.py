"""HTTP gateway on 127.0.0.1 that behaves like the template's API Gateway REST API.

Routes come from the functions' ``Api`` events. Each request runs the REQUEST authorizer first
(unless the route says ``Authorizer: NONE``), then becomes a real API Gateway proxy event
(path/query/headers, multi-value forms, base64 bodies for binary media types) for the route's
handler. Platform errors (unknown route, wrong method, missing key, body too large) use the same
envelopes the deployed API returns. ``/console`` serves the browser console's static files, as
CloudFront does in front of the deployed API.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from schemashift.api.errors import error_response
from schemashift.local.console import console_response, is_console_path
from schemashift.local.docs import docs_response
from schemashift.local.template import Route
from schemashift.observability import logger

if TYPE_CHECKING:
    from schemashift.local.stack import LocalStack

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
API_ID = "local"
STAGE = "local"


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


class Gateway:
    def __init__(self, stack: LocalStack, host: str = "127.0.0.1", port: int = 3000) -> None:
        self.stack = stack
        self.routes: list[Route] = stack.template.routes()
        self.authorizer = stack.template.api_default_authorizer()
        self.binary_types = stack.template.binary_media_types()
        self.console_dist = stack.template.root / "console" / "dist"
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Gateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                gateway.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("gateway " + format % args)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ request handling
    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method in (method, "ANY"):
                return route, found.groupdict(), []
            allowed.append(route.method)
        return None, {}, allowed

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            path = urlsplit(request.path).path
            self._send(request, error_response(path, 413, "Request body too large (API Gateway limit 10 MB); "
                                               "use the presigned upload path", code="PAYLOAD_TOO_LARGE"))
            request.close_connection = True
            return
        body = request.rfile.read(length) if length else b""
        response = self.dispatch(request.command, request.path, list(request.headers.items()), body,
                                 source_ip=request.client_address[0])
        self._send(request, response)

    def dispatch(self, method: str, raw_path: str, headers: list[tuple[str, str]] | dict[str, str],
                 body: bytes = b"", *, source_ip: str = "127.0.0.1") -> dict[str, Any]:
        """One request through API Gateway: route, authorize, invoke; returns the proxy response."""
        started = time.monotonic()
        header_pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        url = urlsplit(raw_path)
        path = url.path or "/"
        method = method.upper()
        if len(body) > MAX_BODY_BYTES:
            return error_response(path, 413, "Request body too large (API Gateway limit 10 MB); "
                                  "use the presigned upload path", code="PAYLOAD_TOO_LARGE")
        documentation = docs_response(self.stack.root, method, path)
        if documentation is not None:
            return documentation
        if is_console_path(path) and method in ("GET", "HEAD"):
            return console_response(self.console_dist, path)
        route, params, allowed = self.match(method, path)
        if route is None:
            if allowed:
                response = error_response(path, 405, f"Method {method} not allowed on {path}",
                                          code="METHOD_NOT_ALLOWED")
                response["headers"]["Allow"] = ", ".join(sorted(set(allowed)))
                return response
            return error_response(path, 404, f"No route for {method} {path}", code="NOT_FOUND")
        event = self.proxy_event(method, path, url.query, header_pairs, body, route, params, source_ip)
        if route.authenticated and self.authorizer:
            denied = self._authorize(event)
            if denied is not None:
                return denied
        assert self.stack.lambdas is not None
        result = self.stack.lambdas.invoke(route.function, json.dumps(event).encode())
        if result.function_error:
            response = error_response(path, 502, "Internal server error", code="INTERNAL_ERROR")
        else:
            response = result.json()
        logger.debug("gateway request", extra={"method": method, "path": path,
                                               "status": response.get("statusCode"),
                                               "ms": round((time.monotonic() - started) * 1000, 1)})
        return response

    def proxy_event(self, method: str, path: str, query: str, header_pairs: list[tuple[str, str]], body: bytes,
                    route: Route, params: dict[str, str], source_ip: str = "127.0.0.1") -> dict[str, Any]:
        """The REST API (v1) proxy event API Gateway would send for this request."""
        headers, multi_headers = _multi(header_pairs)
        query_single, query_multi = _multi(parse_qsl(query, keep_blank_values=True))
        content_type = next((v for k, v in header_pairs if k.lower() == "content-type"), "")
        content_type = content_type.split(";")[0].strip().lower()
        is_binary = content_type in self.binary_types or "*/*" in self.binary_types
        text: str | None = None
        if body and not is_binary:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                is_binary = True
        request_id = str(uuid.uuid4())
        user_agent = next((v for k, v in header_pairs if k.lower() == "user-agent"), None)
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": headers or {},
            "multiValueHeaders": multi_headers or {},
            "queryStringParameters": query_single,
            "multiValueQueryStringParameters": query_multi,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{STAGE}{path}",
                "stage": STAGE,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "accountId": "123456789012",
                "apiId": API_ID,
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": source_ip, "userAgent": user_agent},
                "authorizer": None,
            },
            "body": (base64.b64encode(body).decode() if is_binary else text) if body else None,
            "isBase64Encoded": bool(body) and is_binary,
        }

    def _authorize(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Run the REQUEST authorizer; returns an error response, or None after filling the context."""
        path = event["path"]
        if not any(k.lower() == "x-api-key" for k in event["headers"]):
            return error_response(path, 401, "Unauthorized: a valid x-api-key header is required",
                                  code="UNAUTHORIZED")
        request = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/{STAGE}/{event['httpMethod']}"
            f"{event['resource']}",
            **{k: event[k] for k in ("resource", "path", "httpMethod", "headers", "multiValueHeaders",
                                     "queryStringParameters", "pathParameters", "requestContext")},
        }
        assert self.stack.lambdas is not None and self.authorizer is not None
        result = self.stack.lambdas.invoke(self.authorizer, json.dumps(request).encode())
        if result.function_error:
            message = result.json().get("errorMessage")
            if message == "Unauthorized":
                return error_response(path, 401, "Unauthorized: a valid x-api-key header is required",
                                      code="UNAUTHORIZED")
            return error_response(path, 500, "Authorizer failed", code="INTERNAL_ERROR")
        policy = result.json()
        effects = {s.get("Effect") for s in policy.get("policyDocument", {}).get("Statement", [])}
        if "Allow" not in effects or "Deny" in effects:
            return error_response(path, 403, "User is not authorized to access this resource", code="FORBIDDEN")
        event["requestContext"]["authorizer"] = {**policy.get("context", {}), "principalId": policy["principalId"]}
        return None

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, response: dict[str, Any]) -> None:
        status = int(response.get("statusCode", 200))
        raw = response.get("body") or ""
        payload = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode()
        request.send_response(status)
        headers = dict(response.get("headers") or {})
        for key, values in (response.get("multiValueHeaders") or {}).items():
            for value in values:
                request.send_header(key, str(value))
            headers.pop(key, None)
        for key, value in headers.items():
            if key.lower() != "content-length":
                request.send_header(key, str(value))
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)
