"""Where real Liquibase 4.28 is: skipped when absent, a failure when CI requires it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DEFAULT_BINARY = Path(__file__).resolve().parents[2] / "tools/liquibase/node_modules/liquibase/dist/liquibase/liquibase"


def liquibase_binary() -> str:
    """The Liquibase launcher (env ``SCHEMASHIFT_LIQUIBASE`` overrides the default path)."""
    binary = Path(os.environ.get("SCHEMASHIFT_LIQUIBASE") or DEFAULT_BINARY)
    if binary.is_file() and os.access(binary, os.X_OK) and shutil.which("java"):
        return str(binary)
    message = f"Liquibase is not installed at {binary} (run: make liquibase)"
    if os.environ.get("SCHEMASHIFT_REQUIRE_LIQUIBASE") == "1":
        pytest.fail(f"{message}, but SCHEMASHIFT_REQUIRE_LIQUIBASE=1 requires the differential tests to run")
    pytest.skip(message)
