"""Differential test for the change types added after the first release, against real Liquibase 4.28.

Liquibase runs ``changelog-sync`` on offline PostgreSQL and MariaDB targets (history written to
a CSV file, no database needed) for ``fixtures/liquibase-new/changes.xml``; our parser must
give the same MD5SUM and DESCRIPTION for every changeset on each database (dbms-targeted
createProcedure makes the two differ).
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.changelog.model import Dialect

from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

FIXTURES = Path(__file__).parent / "fixtures" / "liquibase-new"
ROOT = "changes.xml"
DIALECTS: tuple[Dialect, ...] = ("postgresql", "mariadb")


@pytest.fixture(scope="module")
def liquibase(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    binary = liquibase_binary()
    workdir = tmp_path_factory.mktemp("liquibase-new")
    env = {**os.environ, "JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"}
    runs = {
        dialect: subprocess.Popen(
            [binary, "--show-banner=false", f"--search-path={FIXTURES}", f"--changelog-file={ROOT}",
             f"--url=offline:{dialect}?changeLogFile={workdir / dialect}.csv", "changelog-sync"],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for dialect in DIALECTS
    }
    rows: dict[str, list[dict[str, str]]] = {}
    for dialect, process in runs.items():
        output, _ = process.communicate(timeout=240)
        assert process.returncode == 0, output.decode(errors="replace")[-3000:]
        with (workdir / f"{dialect}.csv").open(newline="") as handle:
            rows[dialect] = [{key: row[key] for key in ("ID", "MD5SUM", "DESCRIPTION")} for row in csv.DictReader(handle)]
    return rows


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_equal_liquibase(liquibase: dict[str, list[dict[str, str]]], dialect: Dialect) -> None:
    changelog = parse_changelog(ROOT, FileSystemAccessor([str(FIXTURES)]), dialect=dialect)
    ours = [
        {"ID": cs.id, "MD5SUM": cs.checksum(dialect), "DESCRIPTION": cs.description()} for cs in changelog.changesets
    ]
    assert len(ours) >= 6
    assert ours == liquibase[dialect]
