"""The authorizer, scope checks and error envelopes, through API Gateway events on the local stack."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel
from schemashift.api.app import create_app, current_caller, parse_body
from schemashift.auth.keys import create_api_key, hash_key, resolve_api_key
from schemashift.errors import Conflict
from schemashift.local.template import Route


class Widget(BaseModel):
    name: str
    size: int


def _scoped_app() -> APIGatewayRestResolver:
    """A resolver built exactly as route handlers build theirs."""
    app = create_app()

    @app.post("/v1/orgs/<org>/projects/<project>/widgets")
    def create_widget(org: str, project: str) -> dict:
        widget = parse_body(app, Widget)
        return {"account": current_caller(app).account, "org": org, "name": widget.name}

    @app.post("/v1/orgs/<org>/projects/<project>/explode")
    def explode(org: str, project: str) -> dict:
        raise RuntimeError("database password=hunter2 leaked in an exception")

    @app.post("/dataset-tables/<table_id>/widgets")
    def conflict(table_id: str) -> dict:
        raise Conflict("a migration is already running on this table", details={"tableId": table_id})

    return app


def _event(stack, api_key: str | None, path: str, body: str | None, headers: dict[str, str] | None = None):
    """Build the proxy event like API Gateway, running the real authorizer Lambda first."""
    gateway = stack.api()
    resource = "/v1/orgs/{org}/projects/{project}/widgets" if path.startswith("/v1") else "/dataset-tables/{table_id}/widgets"
    route = Route("POST", resource, "HealthFunction", True)
    params = route.pattern.match(path).groupdict()
    pairs = [("Content-Type", "application/json"), *(headers or {}).items()]
    if api_key:
        pairs.append(("x-api-key", api_key))
    event = gateway.proxy_event("POST", path, "", pairs, (body or "").encode(), route, params)
    denied = gateway._authorize(event)
    return event, denied


def test_keys_are_stored_hashed_and_resolved(stack) -> None:
    plaintext, _ = create_api_key("acme", ["payments/*"], description="ci")
    assert plaintext.startswith("ssk_") and len(plaintext) > 40
    from schemashift.aws import dynamodb_table
    from schemashift.settings import get_settings

    item = dynamodb_table(get_settings().api_keys_table).get_item(Key={"keyHash": hash_key(plaintext)})["Item"]
    assert plaintext not in json.dumps(item, default=str)
    assert resolve_api_key(plaintext).account == "acme"
    assert resolve_api_key("ssk_unknown") is None


def test_valid_key_in_scope_reaches_the_handler(stack) -> None:
    key, _ = create_api_key("acme", ["payments/checkout"])
    event, denied = _event(stack, key, "/v1/orgs/payments/projects/checkout/widgets", '{"name": "w", "size": 1}')
    assert denied is None
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"account": "acme", "org": "payments", "name": "w"}


def test_unknown_and_missing_keys_are_401(stack) -> None:
    for key in ("ssk_not-a-key", None):
        _, denied = _event(stack, key, "/v1/orgs/a/projects/b/widgets", "{}")
        assert denied["statusCode"] == 401
        assert "message" in json.loads(denied["body"])


def test_out_of_scope_project_is_403_message(stack) -> None:
    key, _ = create_api_key("acme", ["payments/checkout"])
    event, denied = _event(stack, key, "/v1/orgs/payments/projects/billing/widgets", '{"name": "w", "size": 1}')
    assert denied is None  # the key is valid; the handler refuses the project
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {
        "message": "API key is not allowed to access org 'payments' project 'billing'"
    }


def test_harness_account_header_must_match_the_key(stack) -> None:
    key, _ = create_api_key("acme", ["*/*"])
    event, _ = _event(stack, key, "/v1/orgs/o/projects/p/widgets", '{"name": "w", "size": 1}',
                      {"Harness-Account": "someone-else"})
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 403
    assert "Harness-Account" in json.loads(response["body"])["message"]
    event, _ = _event(stack, key, "/v1/orgs/o/projects/p/widgets", '{"name": "w", "size": 1}',
                      {"Harness-Account": "acme"})
    assert _scoped_app().resolve(event, None)["statusCode"] == 200


def test_bad_bodies_are_400_in_each_envelope(stack) -> None:
    key, _ = create_api_key("acme", ["*/*"])
    event, _ = _event(stack, key, "/v1/orgs/o/projects/p/widgets", '{"name": ')
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"].startswith("request body is not valid JSON")

    event, _ = _event(stack, key, "/v1/orgs/o/projects/p/widgets", '{"name": "w", "size": "big"}')
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 400
    assert "size" in json.loads(response["body"])["message"]

    event, _ = _event(stack, key, "/dataset-tables/t1/widgets", "{}")
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 409
    assert json.loads(response["body"]) == {
        "error": "a migration is already running on this table",
        "code": "CONFLICT",
        "details": {"tableId": "t1"},
        "retryable": False,
    }


def test_gateway_routes_unknown_paths_and_methods(api) -> None:
    assert api.get("/health").json()["status"] == "ok"
    missing = api.get("/v1/nothing-here")
    assert missing.status == 404 and set(missing.json()) == {"message"}
    wrong = api.request("DELETE", "/health")
    assert wrong.status == 405 and wrong.headers["Allow"] == "GET"
    catalyzed = api.get("/dataset-tables/x/unknown-thing")
    assert catalyzed.status == 404
    assert set(catalyzed.json()) == {"error", "code", "details", "retryable"}


def test_unexpected_errors_are_500_envelopes_without_details(stack) -> None:
    key, _ = create_api_key("acme", ["*/*"])
    gateway = stack.api()
    route = Route("POST", "/v1/orgs/{org}/projects/{project}/explode", "HealthFunction", True)
    path = "/v1/orgs/o/projects/p/explode"
    event = gateway.proxy_event("POST", path, "", [("x-api-key", key)], b"{}", route, route.pattern.match(path).groupdict())
    assert gateway._authorize(event) is None
    response = _scoped_app().resolve(event, None)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"message": "Internal server error"}


def test_responses_over_the_lambda_limit_become_clear_400s() -> None:
    from schemashift.api.app import MAX_RESPONSE_BYTES, _fit_response

    big = {"statusCode": 200, "headers": {}, "body": "x" * (MAX_RESPONSE_BYTES + 1)}
    harness = _fit_response({"path": "/v1/orgs/o/projects/p/dbschema/s/migrationstate"}, big)
    assert harness["statusCode"] == 400
    assert "limit" in json.loads(harness["body"])["message"]
    catalyzed = _fit_response({"path": "/dataset-tables/t/query"}, big)
    assert json.loads(catalyzed["body"])["code"] == "RESPONSE_TOO_LARGE"
    small = {"statusCode": 200, "headers": {}, "body": "{}"}
    assert _fit_response({"path": "/x"}, small) is small
