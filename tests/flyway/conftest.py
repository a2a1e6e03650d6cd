from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.targets.databases import DB_PARAMS, fresh_database


@pytest.fixture(params=DB_PARAMS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url
