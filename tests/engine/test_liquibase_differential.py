"""Differential tests against the real Liquibase 4.28 CLI.

The changelog (``changelogs/differential``) is a YAML root that includes formatted SQL, XML and
(via includeAll) YAML and JSON files: property substitution, contexts, labels, comments,
preconditions (MARK_RAN), dbms filters, validCheckSum, endDelimiter/splitStatements, and most
structural change types. For each database kind, one module-scoped scenario runs both tools side by side:
  lb_full   Liquibase ``update``                         -> compared with ss_full
  ss_full   schemashift ``update``                       -> Liquibase ``status``/``validate`` must be clean,
                                                            then Liquibase ``rollback-count``
  half      Liquibase ``update-count``, schemashift finishes it (nothing re-run)
and schemashift rolls back what Liquibase applied. Five Liquibase launches per database kind.
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
from tests.engine.snapshots import changelog_rows, lock_row, schema_snapshot
from tests.targets.databases import DB_PARAMS, fresh_database

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "differential"
CHANGELOG = "db/changelog.yaml"
HALF = 3
ROLLBACK = 6
ROWS = {"sqlite": 24, "postgresql": 33, "mysql": 32}


@dataclass
class Scenario:
    kind: str
    root: Path
    lb_full: str
    ss_full: str
    half: str
    outputs: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


def _schemashift(command: str, url: str, root: Path, **kwargs: Any) -> Any:
    with open_target(url) as target:
        changelog = parse_changelog(CHANGELOG, FileSystemAccessor([str(root)]), dialect=target.dialect)
        return getattr(engine, command)(target, changelog, **kwargs)


@pytest.fixture(scope="module", params=DB_PARAMS)
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    liquibase_binary()
    root = tmp_path_factory.mktemp(f"differential-{request.param}")
    shutil.copytree(SOURCE, root / "db")
    with ExitStack() as stack:
        urls = [
            stack.enter_context(fresh_database(request.param, root / name, whole_database=True))
            for name in ("lb", "ss", "half")
        ]
        for name in ("lb", "ss", "half"):
            (root / name).mkdir(exist_ok=True)
        run = Scenario(request.param, root, *urls)
        lb = lambda command, url: run_liquibase(command, url=url, changelog=CHANGELOG, search_path=root)  # noqa: E731

        run.outputs["lb update"] = lb(["update"], run.lb_full)
        run.results["ss update"] = _schemashift("update", run.ss_full, root)
        run.snapshots["full"] = {
            name: (schema_snapshot(url), changelog_rows(url)) for name, url in (("lb", run.lb_full), ("ss", run.ss_full))
        }
        run.snapshots["locks"] = (lock_row(run.lb_full), lock_row(run.ss_full))

        run.outputs["lb update-count"] = lb(["update-count", f"--count={HALF}"], run.half)
        run.results["ss finish"] = _schemashift("update", run.half, root)
        run.snapshots["half"] = (schema_snapshot(run.half), changelog_rows(run.half))

        run.outputs["lb status"] = lb(["status", "--verbose"], run.ss_full)
        run.outputs["lb validate"] = lb(["validate"], run.ss_full)
        run.outputs["lb rollback-count"] = lb(["rollback-count", f"--count={ROLLBACK}"], run.ss_full)
        run.results["ss rollback"] = _schemashift("rollback_count", run.lb_full, root, count=ROLLBACK)
        run.snapshots["rolled back"] = {
            name: (schema_snapshot(url), changelog_rows(url)) for name, url in (("lb", run.ss_full), ("ss", run.lb_full))
        }
        yield run


def test_update_writes_identical_rows_and_schema(scenario: Scenario) -> None:
    (lb_schema, lb_rows), (ss_schema, ss_rows) = scenario.snapshots["full"]["lb"], scenario.snapshots["full"]["ss"]
    assert ss_rows == lb_rows
    assert ss_schema == lb_schema
    assert len(ss_rows) == ROWS[scenario.kind]
    assert ss_rows[2][:3] == ("guard", "dave", "db/sql/people.sql") and ss_rows[2][4] == "MARK_RAN"
    assert {row[2] for row in ss_rows} == {
        "db/sql/people.sql", "db/xml/catalog.xml", "db/more/01-audit.yaml", "db/more/02-seed.json",
        "db/more/03-reshape.xml", CHANGELOG,
    }


def test_lock_is_left_released_like_liquibase_leaves_it(scenario: Scenario) -> None:
    lb_lock, ss_lock = scenario.snapshots["locks"]
    assert ss_lock == lb_lock == (1, False, None, None)


def test_schemashift_finishes_a_database_half_updated_by_liquibase(scenario: Scenario) -> None:
    finished = scenario.results["ss finish"]
    assert [item.id for item in finished.changesets][:3] == ["3", "4", "5" if scenario.kind == "postgresql" else "6"]
    assert len(finished.changesets) == ROWS[scenario.kind] - HALF
    assert all(item.status == "EXECUTED" for item in finished.changesets)
    assert scenario.snapshots["half"] == scenario.snapshots["full"]["lb"]


def test_liquibase_status_and_validate_are_clean_after_schemashift(scenario: Scenario) -> None:
    assert "is up to date" in scenario.outputs["lb status"]
    assert "No validation errors found" in scenario.outputs["lb validate"]


def test_rollbacks_agree_in_both_directions(scenario: Scenario) -> None:
    """Liquibase rolled back what schemashift applied, and schemashift what Liquibase applied."""
    rolled = scenario.results["ss rollback"]
    middle = ["reshape-10"] if scenario.kind != "sqlite" else []
    tail = ["reshape-9", "reshape-8"] + (["reshape-7"] if scenario.kind == "sqlite" else [])
    assert [item.id for item in rolled.changesets] == ["product-view", "release-1", "reshape-11", *middle, *tail]
    lb_side, ss_side = scenario.snapshots["rolled back"]["lb"], scenario.snapshots["rolled back"]["ss"]
    assert ss_side == lb_side
    assert "extra_note" in ss_side[0] and not {"v_product", "v_stage"} & set(ss_side[0]["views"])
