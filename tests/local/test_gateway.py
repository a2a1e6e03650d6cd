"""The local gateway produces the proxy events API Gateway would, and serves real HTTP."""

from __future__ import annotations

import base64

import requests
from schemashift.local.template import Route


def test_proxy_event_carries_path_query_headers_and_binary_bodies(stack) -> None:
    gateway = stack.api()
    route = Route("POST", "/dataset-tables/{tableId}/rows", "HealthFunction", True)
    params = route.pattern.match("/dataset-tables/tbl_1/rows").groupdict()
    body = bytes(range(256))
    event = gateway.proxy_event(
        "POST", "/dataset-tables/tbl_1/rows", "mode=append&tag=a&tag=b",
        [("Content-Type", "application/parquet"), ("X-Trace", "1"), ("X-Trace", "2")],
        body, route, params,
    )
    assert event["resource"] == "/dataset-tables/{tableId}/rows"
    assert event["pathParameters"] == {"tableId": "tbl_1"}
    assert event["queryStringParameters"] == {"mode": "append", "tag": "b"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert event["multiValueHeaders"]["X-Trace"] == ["1", "2"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body

    text = gateway.proxy_event("POST", "/x", "", [("Content-Type", "application/json")], b'{"a": 1}', route, {})
    assert text["isBase64Encoded"] is False and text["body"] == '{"a": 1}'
    assert text["queryStringParameters"] is None


def test_routes_prefer_literal_segments_over_parameters() -> None:
    routes = sorted(
        [Route("GET", "/v1/x/{id}", "A", True), Route("GET", "/v1/x/special", "B", True)],
        key=lambda r: r.specificity, reverse=True,
    )
    assert routes[0].function == "B"
    assert Route("GET", "/v1/x/{id}", "A", True).pattern.match("/v1/x/abc").groupdict() == {"id": "abc"}
    assert Route("GET", "/v1/x/{id}", "A", True).pattern.match("/v1/x/abc/def") is None


def test_http_gateway_serves_health_and_refuses_missing_keys(http_url: str) -> None:
    health = requests.get(f"{http_url}/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    refused = requests.get(f"{http_url}/v1/orgs/o/projects/p/dbschema", timeout=10)
    assert refused.status_code in (401, 404)  # 401 once the route exists; never a 5xx
    assert "message" in refused.json()
    too_big = requests.post(f"{http_url}/dataset-tables/t/rows", data=b"x" * (10 * 1024 * 1024 + 1),
                            headers={"x-api-key": "local-dev-key"}, timeout=30)
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "PAYLOAD_TOO_LARGE"
