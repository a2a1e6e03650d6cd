"""The console's static files under ``/console``, as CloudFront serves them from S3 when deployed.

The built assets live in ``console/dist`` (committed; ``make console`` rebuilds them). The same
security headers as the deployed response-headers policy: the page may only talk to its own origin,
so nothing loads from a CDN and the API key cannot leave for another host.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from schemashift.api.errors import error_response

PREFIX = "/console"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def console_response(dist: Path, path: str) -> dict[str, Any]:
    """The proxy-style response for a GET of ``/console[/...]``: the file, or index.html for the app's root."""
    relative = path[len(PREFIX):].lstrip("/") or "index.html"
    root = dist.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        if not (root / "index.html").is_file():
            return error_response(path, 404, "The console is not built: run `make console`", code="NOT_FOUND")
        return error_response(path, 404, f"No console file {path}", code="NOT_FOUND")
    content_type = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": content_type, **SECURITY_HEADERS},
        "body": base64.b64encode(target.read_bytes()).decode(),
        "isBase64Encoded": True,
    }
