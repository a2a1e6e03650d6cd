"""A small client over the local gateway: the same API Gateway events as HTTP, without sockets."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEV_KEY = "local-dev-key"


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class ApiClient:
    def __init__(self, gateway: Any, api_key: str | None = DEV_KEY, headers: dict[str, str] | None = None) -> None:
        self.gateway = gateway
        self.api_key = api_key
        self.default_headers = headers or {}

    def with_key(self, api_key: str | None, **headers: str) -> ApiClient:
        return ApiClient(self.gateway, api_key, {**self.default_headers, **headers})

    def request(self, method: str, path: str, *, json_body: Any = None, body: bytes | str | None = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> ApiResponse:
        all_headers = {**self.default_headers, **(headers or {})}
        if self.api_key is not None:
            all_headers.setdefault("x-api-key", self.api_key)
        raw = b""
        if json_body is not None:
            raw = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            raw = body.encode() if isinstance(body, str) else body
        if params:
            path = f"{path}?{urlencode(params, doseq=True)}"
        response = self.gateway.dispatch(method, path, all_headers, raw)
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode()
        headers_out = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            headers_out[key] = ",".join(str(v) for v in values)
        return ApiResponse(int(response["statusCode"]), headers_out, data)

    def get(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> ApiResponse:
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> ApiResponse:
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> ApiResponse:
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("DELETE", path, **kw)
