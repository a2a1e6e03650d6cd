"""The Powertools resolver every route handler uses, with errors, auth and logging wired once.

A handler module does::

    app = create_app()

    @app.get("/v1/orgs/<org>/projects/<project>/dbschema")
    def list_schemas(org: str, project: str): ...

    lambda_handler = entrypoint(app)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from schemashift.api.context import Caller, caller_from_event
from schemashift.api.errors import error_body, error_from_exception, is_catalyzed_path
from schemashift.errors import SchemashiftError, ValidationFailed
from schemashift.idempotency import remember_lambda_context
from schemashift.limits import MAX_PATH_PARAMETER, loads_bounded
from schemashift.observability import get_tracer, logger, metrics
from schemashift.settings import get_settings

JSON = "application/json"
M = TypeVar("M")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer; response models (``api.models.Out``), and lists of them, are serialized as the
    contract says."""
    return Response(status_code=status, content_type=JSON, body=_json_text(body), headers=headers or {})


def _json_text(body: Any) -> str:
    if hasattr(body, "json_text"):
        return str(body.json_text())
    if isinstance(body, list) and body and all(hasattr(item, "json_text") for item in body):
        return "[" + ",".join(item.json_text() for item in body) + "]"
    if hasattr(body, "to_json"):
        body = body.to_json()
    elif isinstance(body, list):
        body = [item.to_json() if hasattr(item, "to_json") else item for item in body]
    return json.dumps(body, default=str, separators=(",", ":"))


def _describe_validation_errors(errors: Any) -> tuple[str, list[dict[str, Any]]]:
    """Pydantic/OpenAPI errors -> one readable sentence plus structured details."""
    details: list[dict[str, Any]] = []
    parts: list[str] = []
    for err in errors:
        if err.get("type") == "json_invalid":
            msg = f"request body is not valid JSON: {err.get('ctx', {}).get('error', 'decode error')}"
            return msg, [{"field": "body", "message": msg}]
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        field = ".".join(loc) or "body"
        message = err.get("msg", "invalid value")
        details.append({"field": field, "message": message})
        parts.append(f"{field}: {message}")
    return "invalid request: " + "; ".join(parts), details


class IsolatedResolver(APIGatewayRestResolver):
    """Powertools keeps the current event on the ``BaseRouter`` class, shared by every resolver of a
    process; this one keeps it on the instance, so functions sharing a process (the local stack, or
    tests) never see each other's request, as separate Lambdas would not."""

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.current_event = self._to_proxy_event(event)
        self.lambda_context = context
        try:
            return self._build_response(self._resolve())
        finally:
            self.clear_context()


def create_app(*, authenticated: bool = True) -> APIGatewayRestResolver:
    """A resolver whose every failure is the documented envelope: never a traceback or a bare 500."""
    # Bodies are validated by parse_body (pydantic, our messages); Powertools' OpenAPI validation
    # would add ~70 ms of imports to every cold start for nothing.
    get_settings()  # checks the environment once, at start: a missing table name fails the cold start
    app = IsolatedResolver()

    def path() -> str:
        return app.current_event.path or ""

    @app.exception_handler(SchemashiftError)
    def _domain_error(exc: SchemashiftError) -> Response:
        status, body = error_from_exception(path(), exc)
        if status >= 500:
            logger.exception("request failed", extra={"code": exc.code})
        return json_response(status, body)

    @app.exception_handler(json.JSONDecodeError)
    def _bad_json(exc: json.JSONDecodeError) -> Response:
        message = f"request body is not valid JSON: {exc.msg} at position {exc.pos}"
        return json_response(400, error_body(path(), 400, message, code="VALIDATION_ERROR"))

    @app.exception_handler(RecursionError)
    def _too_deep(exc: RecursionError) -> Response:
        return json_response(400, error_body(path(), 400, "request is nested too deeply", code="VALIDATION_ERROR"))

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(exc: UnicodeDecodeError) -> Response:
        return json_response(400, error_body(path(), 400, "request body is not valid UTF-8 text",
                                             code="VALIDATION_ERROR"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return json_response(500, error_body(path(), 500, "Internal server error", code="INTERNAL_ERROR"))

    @app.not_found
    def _not_found(exc: Exception) -> Response:
        message = f"No route for {app.current_event.http_method} {path()}"
        return json_response(404, error_body(path(), 404, message, code="NOT_FOUND"))

    def _authorize(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        caller = caller_from_event(app.current_event.raw_event)
        params = app.current_event.path_parameters or {}
        for name, value in params.items():
            if len(value) > MAX_PATH_PARAMETER:
                raise ValidationFailed(f"path parameter {name} is {len(value)} characters; the limit is "
                                       f"{MAX_PATH_PARAMETER}", details={"field": name})
        if "org" in params and "project" in params:
            caller.require_project(params["org"], params["project"])
        elif is_catalyzed_path(path()):
            from schemashift.api.scopes import require_catalyzed_scope

            require_catalyzed_scope(caller, app.current_event.raw_event)
        app.append_context(caller=caller)
        return next_middleware(app)

    if authenticated:
        app.use(middlewares=[_authorize])
    return app


def current_caller(app: APIGatewayRestResolver) -> Caller:
    return app.context["caller"]


def parse_body(app: APIGatewayRestResolver, model: type[M], *, required: bool = True) -> M:
    """The JSON body as ``model``; an empty body is ``{}`` unless the route requires one."""
    from pydantic import ValidationError

    raw = request_text(app)
    if not raw or not raw.strip():
        if required:
            raise ValidationFailed("request body is required")
        raw = "{}"
    try:
        data = loads_bounded(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"request body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, details = _describe_validation_errors(exc.errors())
        raise ValidationFailed(message, details=details) from None


def request_text(app: APIGatewayRestResolver) -> str:
    """The body as text; bytes that are not UTF-8 are a 400, not a decoding crash."""
    event = app.current_event
    body = event.body or ""
    if not event.is_base64_encoded:
        return body
    import base64
    import binascii

    try:
        return base64.b64decode(body).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ValidationFailed("request body is not valid UTF-8 text") from None


def query_param(app: APIGatewayRestResolver, name: str, default: str | None = None) -> str | None:
    return app.current_event.get_query_string_value(name, default)


def flag_param(app: APIGatewayRestResolver, name: str) -> bool:
    """A boolean query parameter: absent, ``false`` or ``0`` is False; ``true`` or ``1`` is True."""
    raw = query_param(app, name)
    if raw is None or raw.lower() in ("", "false", "0"):
        return False
    if raw.lower() in ("true", "1"):
        return True
    raise ValidationFailed(f"query parameter {name!r} must be true or false, got {raw!r}", details={"field": name})


def entrypoint(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler: correlation id from the request, tracing and metrics around the resolver.

    Tracing wraps the resolver on the first invocation, keeping the X-Ray SDK out of import time."""
    traced: list[Callable[[dict[str, Any], Any], dict[str, Any]]] = []

    def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # API Gateway's request id, what ``correlation_paths.API_GATEWAY_REST`` names, read without
        # the JMESPath engine that ``correlation_id_path`` would load for it
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        remember_lambda_context(context)
        if not traced:
            traced.append(get_tracer().capture_lambda_handler(resolve))
        return _fit_response(event, traced[0](event, context))

    return lambda_handler


MAX_RESPONSE_BYTES = 5_800_000
"""Lambda's synchronous response limit is 6 MB, envelope included."""


def _fit_response(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A body too large for Lambda becomes a clear 400 instead of an opaque 502 from API Gateway."""
    size = len(response.get("body") or "")
    if size <= MAX_RESPONSE_BYTES:
        return response
    path = event.get("path") or ""
    message = (f"The response would be {size / 1e6:.1f} MB, over the 6 MB API limit; request fewer items "
               "(a smaller `limit`, an instance filter, fewer columns)")
    logger.warning("response too large", extra={"bytes": size, "path": path})
    return {"statusCode": 400, "headers": {"Content-Type": JSON}, "isBase64Encoded": False,
            "body": json.dumps(error_body(path, 400, message, code="RESPONSE_TOO_LARGE", details={"bytes": size}))}
