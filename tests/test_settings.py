"""The environment is checked once, at start: a lost variable is named, never used as ``""``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from schemashift.datasets.jobs.services import StateMachines
from schemashift.settings import ConfigurationError, get_settings, require

ROOT = Path(__file__).resolve().parents[1]
GLOBALS = ("RESOURCES_TABLE", "CHANGESET_STATE_TABLE", "EXECUTIONS_TABLE", "LOCKS_TABLE", "API_KEYS_TABLE",
           "IDEMPOTENCY_TABLE", "DATA_BUCKET", "EVENT_BUS_NAME")


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch):
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_an_empty_table_name_fails_naming_the_variable(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("CHANGESET_STATE_TABLE", "  ")
    with pytest.raises(ConfigurationError, match="CHANGESET_STATE_TABLE is empty"):
        get_settings()


def test_on_lambda_every_global_variable_must_be_set(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("AWS_LAMBDA_FUNCTION_NAME", "schemashift-dbschema-get")
    for name in GLOBALS:
        fresh.setenv(name, name.lower())
    fresh.delenv("LOCKS_TABLE")
    with pytest.raises(ConfigurationError, match="LOCKS_TABLE is not set"):
        get_settings()
    fresh.setenv("LOCKS_TABLE", "locks")
    assert get_settings().locks_table == "locks"


def test_a_state_machine_arn_is_checked_where_it_is_used(fresh: pytest.MonkeyPatch) -> None:
    fresh.delenv("TABLE_MAINTENANCE_STATE_MACHINE_ARN", raising=False)
    with pytest.raises(ConfigurationError, match="TABLE_MAINTENANCE_STATE_MACHINE_ARN is not set"):
        _ = StateMachines().maintenance
    fresh.setenv("FLEET_APPLY_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:1:stateMachine:fleet")
    assert require("FLEET_APPLY_STATE_MACHINE_ARN").endswith(":fleet")
    assert StateMachines(maintenance_arn="arn:x").maintenance == "arn:x"


def test_an_api_handler_with_a_lost_variable_fails_its_cold_start() -> None:
    """The handler module does not import: Lambda reports an init error with the variable's name."""
    code = ("import importlib.util, os\n"
            "os.environ.update(AWS_LAMBDA_FUNCTION_NAME='f', RESOURCES_TABLE='')\n"
            "s = importlib.util.spec_from_file_location('h', 'functions/dbschema_get/app.py')\n"
            "s.loader.exec_module(importlib.util.module_from_spec(s))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ConfigurationError: environment variable RESOURCES_TABLE is empty" in done.stderr
