"""The local gateway serves the built console under /console with the deployed security headers."""

from __future__ import annotations

from pathlib import Path

import requests
from schemashift.local.console import console_response

ROOT = Path(__file__).resolve().parents[2]


def test_console_is_served_with_a_same_origin_csp(http_url: str) -> None:
    for path in ("/console", "/console/", "/console/index.html"):
        page = requests.get(f"{http_url}{path}", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert '<div id="app">' in page.text
        assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "no-referrer"
    script = requests.get(f"{http_url}/console/assets/app.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "/console/assets/app.js" in requests.get(f"{http_url}/console/", timeout=10).text
    missing = requests.get(f"{http_url}/console/assets/nope.js", timeout=10)
    assert missing.status_code == 404 and set(missing.json()) == {"message"}
    assert requests.post(f"{http_url}/console/", timeout=10).status_code in (404, 405)


def test_paths_outside_the_build_are_refused(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<html></html>")
    (tmp_path / "secret.txt").write_text("no")
    assert console_response(tmp_path / "dist", "/console/../secret.txt")["statusCode"] == 404
    assert console_response(tmp_path / "dist", "/console/%2e%2e/secret.txt")["statusCode"] == 404
    assert console_response(tmp_path / "nothing", "/console/")["body"].find("make console") > 0
    assert console_response(ROOT / "console" / "dist", "/console/")["statusCode"] == 200
