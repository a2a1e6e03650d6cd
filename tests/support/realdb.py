"""Real database URLs for tests: skipped when unset, a failure when CI requires them."""

from __future__ import annotations

import os

import pytest


def require_real_db(env_var: str) -> str:
    url = os.environ.get(env_var)
    if url:
        return url
    message = f"{env_var} is not set"
    if os.environ.get("SCHEMASHIFT_REQUIRE_REAL_DBS") == "1":
        pytest.fail(f"{message}, but SCHEMASHIFT_REQUIRE_REAL_DBS=1 requires the real-database tests to run")
    pytest.skip(message)
