"""Fixtures of the local-stack tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from schemashift.local.emulator import free_port

from tests.support.local_process import Running, start_stack


@pytest.fixture
def stack_process(tmp_path: Path) -> Iterator[Any]:
    started: list[Running] = []
    ports = free_port(), free_port()  # the same across restarts, as `make run` always uses 3000

    def start() -> Running:
        running = start_stack(tmp_path / "home", *ports)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


