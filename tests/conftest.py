"""Shared fixtures. The local stack (moto emulator + in-process Lambdas) starts once per session,
and only for tests that ask for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.client import ApiClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from schemashift.local.stack import LocalStack

    os.environ["SCHEMASHIFT_HOME"] = str(tmp_path_factory.mktemp("schemashift-home"))
    local = LocalStack(root=ROOT).start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="session")
def api(stack: object) -> ApiClient:
    """Requests as API Gateway events through the local gateway (authorizer first), no sockets."""
    return ApiClient(stack.api())  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def http_url(stack: object) -> str:
    """The local stack's HTTP gateway on a free port."""
    gateway = stack.serve(port=0)  # type: ignore[attr-defined]
    return gateway.url
