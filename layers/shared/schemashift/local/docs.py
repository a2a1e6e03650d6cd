"""The published contract on the local stack: ``GET /openapi.json`` and a Swagger UI at ``/docs``.

The document is the committed ``docs/openapi.json`` (what clients generate from). The Swagger UI
assets come from the ``swagger-ui-py`` package's bundled copy of swagger-ui 5 (it renders
OpenAPI 3.1), served from disk: no CDN, works offline.
"""

from __future__ import annotations

import base64
import importlib.util
import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>schemashift API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                                 persistAuthorization: true});
  </script>
</body>
</html>
"""
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")


@cache
def swagger_ui_dir() -> Path | None:
    """The package's static folder, found without importing the package (it pulls in Jinja)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _response(status: int, body: bytes, content_type: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": content_type},
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def docs_response(root: Path, method: str, path: str) -> dict[str, Any] | None:
    """The answer for a documentation path, or None when ``path`` is an API route."""
    if method not in ("GET", "HEAD"):
        return None
    if path == "/openapi.json":
        document = root / "docs" / "openapi.json"
        if not document.exists():
            return _response(404, b'{"message":"docs/openapi.json is missing: run make openapi"}',
                             "application/json")
        return _response(200, document.read_bytes(), "application/json")
    if path in ("/docs", "/docs/"):
        return _response(200, DOCS_PAGE.encode(), "text/html; charset=utf-8")
    name = path.removeprefix("/docs/")
    if path.startswith("/docs/") and name in ASSETS:
        folder = swagger_ui_dir()
        if folder is None or not (folder / name).exists():
            return _response(404, b"swagger-ui assets are not installed (pip install -e '.[dev]')", "text/plain")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return _response(200, (folder / name).read_bytes(), content_type)
    return None
