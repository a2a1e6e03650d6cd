"""Running the real Liquibase 4.28 CLI from tests (skipped when it is not installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.liquibase import liquibase_binary
from tests.targets.databases import jdbc_url


def run_liquibase(command: list[str], *, url: str, changelog: str | None, search_path: Path) -> str:
    """One Liquibase launch; returns its output and fails the test (with the output) on error."""
    parsed = make_url(url)
    arguments = [liquibase_binary(), "--show-banner=false", f"--url={jdbc_url(url)}", f"--search-path={search_path}"]
    if parsed.username:
        arguments.append(f"--username={parsed.username}")
    if parsed.password:
        arguments.append(f"--password={parsed.password}")
    if changelog:
        arguments.append(f"--changelog-file={changelog}")
    # A client JIT and serial GC roughly halve the JVM's start-up, which dominates each launch.
    environment = {**os.environ, "JAVA_OPTS": os.environ.get("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")}
    completed = subprocess.run(
        [*arguments, *command], cwd=search_path, capture_output=True, text=True, timeout=180, check=False,
        env=environment,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        pytest.fail(f"liquibase {' '.join(command)} failed ({completed.returncode}):\n{output}")
    return output
