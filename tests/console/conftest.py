"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the local stack's /console.

Playwright never downloads a browser here: it launches the system chromium with a fresh profile.
Screenshots go to a temporary folder, or to ``$SCHEMASHIFT_CONSOLE_SCREENSHOTS`` (``make
console-screenshots`` points it at docs/images/console).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.client import DEV_KEY

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("SCHEMASHIFT_CONSOLE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("console-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("SCHEMASHIFT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
        args=FLAGS, viewport=DESKTOP, reduced_motion="reduce",
        bypass_csp=True)  # lets wait_for_function evaluate its predicates; the page itself never evals
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()
        playwright.stop()


class Console:
    """Opens console pages in new tabs (each tab has its own session storage, so its own key)."""

    def __init__(self, context: Any, base_url: str, shots: Path) -> None:
        self.context = context
        self.base_url = base_url
        self.shots = shots

    def url(self, route: str = "") -> str:
        return f"{self.base_url}/console/#{route}"

    def open(self, route: str = "", key: str | None = DEV_KEY, viewport: dict[str, int] = DESKTOP) -> Any:
        page = self.context.new_page()
        page.set_viewport_size(viewport)
        page.goto(self.url(route))
        if key is not None:
            self.sign_in(page, key)
        return page

    @staticmethod
    def sign_in(page: Any, key: str) -> None:
        page.get_by_label("API key", exact=True).fill(key)
        page.get_by_role("button", name="Use this key").click()

    def shot(self, page: Any, name: str, *, full_page: bool = False) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def record(self, name: str, values: dict[str, Any]) -> None:
        """Measurements the docs report (written next to the screenshots)."""
        path = self.shots / "measurements.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = values
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def console(browser_context: Any, http_url: str, shots: Path) -> Console:
    return Console(browser_context, http_url, shots)


def watch(read: Callable[[], str], done: Callable[[str], bool], timeout: float = 60.0) -> list[str]:
    """Read a live value until ``done``; returns every distinct value seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if done(value):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"still not done after {timeout}s; seen: {seen}")


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
