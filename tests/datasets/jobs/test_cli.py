"""``schemashift table migrate | plan | operation`` against the local stack over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from schemashift.cli.main import main

from tests.datasets.api_helpers import new_table, write
from tests.datasets.jobs.helpers import op, rows
from tests.support.client import DEV_KEY, ApiClient


def cli(http_url: str, *args: str) -> int:
    return main(["table", *args[:1], "--api", http_url, "--key", DEV_KEY, *args[1:]])


def test_migrate_waits_with_a_progress_bar_and_exits_by_outcome(
    api: ApiClient, http_url: str, tmp_path: Path, capsys
) -> None:
    table_id = new_table(api)
    assert write(api, table_id, "append", [{"id": 1, "name": "7"}, {"id": 2, "name": "x"}]).status == 200
    ops = tmp_path / "ops.json"
    ops.write_text(
        json.dumps({"operations": [op("add_column", name="flag", dataType="bool", nullable=True)]})
    )

    assert (
        cli(http_url, "migrate", "--table", table_id, "--ops", str(ops), "--wait", "--description", "cli")
        == 0
    )
    out = capsys.readouterr()
    operation = json.loads(out.out)
    assert operation["status"] == "completed" and operation["description"] == "cli"
    assert "100/100" in out.err and "started" in out.err

    assert cli(http_url, "operation", "--table", table_id, "--operation", operation["operationId"]) == 0
    assert json.loads(capsys.readouterr().out) == operation

    cast = tmp_path / "cast.json"
    cast.write_text(json.dumps([op("change_column_type", name="name", newType="int64")]))
    assert cli(http_url, "plan", "--table", table_id, "--ops", str(cast)) == 0
    assert json.loads(capsys.readouterr().out)["requiresRewrite"] is True
    assert cli(http_url, "migrate", "--table", table_id, "--ops", str(cast), "--wait") == 1
    assert "error: CAST_FAILED" in capsys.readouterr().err
    assert [r["name"] for r in rows(api, table_id)] == ["7", "x"]  # unchanged

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([op("drop_column", name="nope")]))
    assert cli(http_url, "plan", "--table", table_id, "--ops", str(bad)) == 1
    assert "invalid: operations[0]" in capsys.readouterr().err
    assert cli(http_url, "migrate", "--table", "no-such-table", "--ops", str(ops)) == 1
    assert "(404)" in capsys.readouterr().err
