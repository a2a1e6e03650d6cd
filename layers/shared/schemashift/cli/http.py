"""A tiny JSON-over-HTTP client for the CLI (standard library only) and a terminal progress bar."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from schemashift.errors import SchemashiftError


@dataclass
class Api:
    base_url: str
    api_key: str
    timeout: float = 30.0

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url.rstrip("/") + path, data=data, method=method,
            headers={"x-api-key": self.api_key, "Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw)
                message = payload.get("message") or payload.get("error") or raw.decode()
            except (json.JSONDecodeError, AttributeError):
                message = raw.decode(errors="replace")
            raise SchemashiftError(f"{method} {path} failed ({error.code}): {message}") from None
        except urllib.error.URLError as error:
            raise SchemashiftError(f"cannot reach {self.base_url}: {error.reason}") from None
        return json.loads(raw) if raw else None


def progress_bar(done: int, total: int, label: str, width: int = 30) -> None:
    """Redraw one line on stderr: ``[#####.....]  12/40  label``."""
    fraction = (done / total) if total else 0.0
    filled = int(width * min(max(fraction, 0.0), 1.0))
    line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>5}/{total:<5} {label[:60]:<60}"
    sys.stderr.write(line)
    sys.stderr.flush()


def add_api_arguments(parser: Any) -> None:
    import os

    parser.add_argument("--api", default=os.environ.get("SCHEMASHIFT_API_URL", "http://127.0.0.1:3000"),
                        help="schemashift API base URL (env SCHEMASHIFT_API_URL)")
    parser.add_argument("--key", default=os.environ.get("SCHEMASHIFT_API_KEY"),
                        help="API key (env SCHEMASHIFT_API_KEY)")
