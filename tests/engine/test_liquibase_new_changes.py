"""Differential test of loadData, loadUpdateData, the object preconditions and the other change
types added to Liquibase coverage, against the real Liquibase 4.28 CLI.

For each database kind, Liquibase ``update`` runs ``changelogs/new-changes`` on one fresh
database and schemashift on another; then the DATABASECHANGELOG rows (checksums included), the
schema, the loaded data, the remarks, sequences and routines must be identical, and Liquibase
``validate`` must be clean on the schemashift database.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from schemashift import engine
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.targets import open_target

from tests.engine.liquibase_cli import liquibase_binary, run_liquibase
from tests.engine.snapshots import changelog_rows, schema_snapshot
from tests.targets.databases import DB_PARAMS, fresh_database

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "new-changes"
CHANGELOG = "changelog.xml"


@dataclass
class Run:
    kind: str
    outputs: dict[str, str] = field(default_factory=dict)
    states: dict[str, Any] = field(default_factory=dict)


def _values(value: Any) -> Any:
    """Compare loaded values by what they are (drivers differ in Decimal/str/bool)."""
    return None if value is None else str(value)


def database_state(url: str) -> dict[str, Any]:
    """Schema snapshot plus the data of every table, remarks, sequences and routines."""
    state: dict[str, Any] = {"schema": schema_snapshot(url), "rows": changelog_rows(url)}
    with open_target(url) as target:
        tables = ("person", "tag", "contact", "counter", "facts") + (("city",) if target.dialect != "sqlite" else ())
        for table in tables:
            state[table] = [tuple(_values(v) for v in row) for row in target.query_rows(f"SELECT * FROM {table} ORDER BY 1")]
        if target.dialect == "postgresql":
            state["remarks"] = target.query_rows(
                "SELECT obj_description('person'::regclass), col_description('person'::regclass, 6)"
            )
            state["sequences"] = target.query_rows(
                "SELECT sequencename, start_value, increment_by, max_value, cache_size FROM pg_sequences "
                "WHERE schemaname = current_schema() ORDER BY 1"
            )
            state["routines"] = target.query_rows(
                "SELECT routine_name FROM information_schema.routines WHERE routine_schema = current_schema() ORDER BY 1"
            )
        elif target.dialect in ("mysql", "mariadb"):
            state["remarks"] = target.query_rows(
                "SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() "
                "AND table_name = 'person'"
            ) + target.query_rows(
                "SELECT column_name, column_comment, column_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = 'person' ORDER BY ordinal_position"
            )
            state["sequences"] = target.query_rows("SELECT table_name FROM information_schema.tables "
                                                   "WHERE table_schema = DATABASE() AND table_type = 'SEQUENCE'")
            state["routines"] = target.query_rows(
                "SELECT routine_name FROM information_schema.routines WHERE routine_schema = DATABASE() ORDER BY 1"
            )
    return state


@pytest.fixture(scope="module", params=DB_PARAMS)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    liquibase_binary()
    root = tmp_path_factory.mktemp(f"new-changes-{request.param}")
    shutil.copytree(SOURCE, root, dirs_exist_ok=True)
    with ExitStack() as stack:
        lb_url, ss_url = (
            stack.enter_context(fresh_database(request.param, root / name, whole_database=True)) for name in ("lb", "ss")
        )
        for name in ("lb", "ss"):
            (root / name).mkdir(exist_ok=True)
        result = Run(request.param)
        result.outputs["lb update"] = run_liquibase(["update", "--contexts=prod"], url=lb_url, changelog=CHANGELOG, search_path=root)
        with open_target(ss_url) as target:
            changelog = parse_changelog(CHANGELOG, FileSystemAccessor([str(root)]), database=target)
            engine.update(target, changelog, contexts="prod")
        result.states = {"lb": database_state(lb_url), "ss": database_state(ss_url)}
        result.outputs["lb validate"] = run_liquibase(["validate", "--contexts=prod"], url=ss_url, changelog=CHANGELOG, search_path=root)
        result.outputs["lb status"] = run_liquibase(["status", "--contexts=prod"], url=ss_url, changelog=CHANGELOG, search_path=root)
        yield result


def test_rows_and_checksums_equal_liquibase(run: Run) -> None:
    lb_rows, ss_rows = run.states["lb"]["rows"], run.states["ss"]["rows"]
    assert [row[:5] for row in ss_rows] == [row[:5] for row in lb_rows]
    assert ss_rows == lb_rows
    statuses = {row[0]: row[4] for row in ss_rows}
    assert statuses["guard-index-name"] == "EXECUTED" and statuses["guard-fails"] == "MARK_RAN"
    assert statuses["running-as"] == ("MARK_RAN" if run.kind == "sqlite" else "EXECUTED")
    assert "command" not in statuses
    assert statuses["default-schema"] == ("EXECUTED" if run.kind == "postgresql" else "MARK_RAN")


def test_loaded_data_and_schema_equal_liquibase(run: Run) -> None:
    lb, ss = run.states["lb"], run.states["ss"]
    assert ss["person"] == lb["person"] and len(ss["person"]) == 5
    for table in ("tag", "contact", "counter", "city", "facts"):
        assert ss.get(table) == lb.get(table), table
    assert ss["schema"] == lb["schema"]
    for extra in ("remarks", "sequences", "routines"):
        assert ss.get(extra) == lb.get(extra), extra


def test_liquibase_validates_the_schemashift_database(run: Run) -> None:
    assert "No validation errors found" in run.outputs["lb validate"]
    assert "is up to date" in run.outputs["lb status"]
