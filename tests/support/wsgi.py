"""The local gateway as a WSGI app, so HTTP tools that speak WSGI (schemathesis) reach the local
stack in process, through the same authorizer and proxy events as a socket would."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any


def gateway_app(gateway: Any) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
            if environ.get(key):
                headers.append((name, environ[key]))
        path = environ.get("PATH_INFO") or "/"
        # WSGI decodes the path as latin-1; the gateway wants the raw (percent-encoded) form back.
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not raw_path:
            from urllib.parse import quote

            raw_path = quote(path.encode("latin-1"), safe="/%:@!$&'()*+,;=-._~")
            if environ.get("QUERY_STRING"):
                raw_path += "?" + environ["QUERY_STRING"]
        response = gateway.dispatch(environ["REQUEST_METHOD"], raw_path, headers, body)
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode()
        status = int(response["statusCode"])
        out = [(k, str(v)) for k, v in (response.get("headers") or {}).items() if k.lower() != "content-length"]
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out = [(k, v) for k, v in out if k != key] + [(key, str(v)) for v in values]
        out.append(("Content-Length", str(len(data))))
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        start_response(f"{status} {phrase}", out)
        return [data]

    return app
