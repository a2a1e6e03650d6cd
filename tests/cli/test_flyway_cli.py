"""``schemashift flyway ...`` on a project folder, as the README shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schemashift.cli.main import main


@pytest.fixture
def project(tmp_path: Path) -> Path:
    sql = tmp_path / "proj" / "sql"
    sql.mkdir(parents=True)
    (tmp_path / "proj" / "flyway.toml").write_text('[flyway]\nlocations = ["filesystem:sql"]\n')
    (sql / "V1__Create_person_table.sql").write_text("create table person (id int primary key, name varchar(100));\n")
    (sql / "V2__Add_people.sql").write_text("insert into person values (1, 'Axel');\n")
    (sql / "U2__Add_people.sql").write_text("delete from person;\n")
    return tmp_path / "proj"


def flyway(capsys: pytest.CaptureFixture[str], command: str, project: Path, url: str, *extra: str) -> tuple[int, str]:
    """Exit code and everything printed (stdout, then stderr)."""
    code = main(["flyway", command, "--project", str(project), "--url", url, *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_flyway_cli_round_trip(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    code, out = flyway(capsys, "migrate", project, url)
    assert code == 0 and "Successfully applied 2 migration(s)" in out
    code, out = flyway(capsys, "info", project, url, "--json")
    assert [m["state"] for m in json.loads(out)["migrations"]] == ["Success", "Success"]
    code, out = flyway(capsys, "undo", project, url)
    assert code == 0 and 'Undoing migration of schema main to version "2 - Add people"' in out
    code, out = flyway(capsys, "validate", project, url)
    assert code == 1 and "Detected resolved migration not applied to database: 2" in out
    (project / "sql" / "V1__Create_person_table.sql").write_text("create table person (id int primary key);\n")
    code, out = flyway(capsys, "migrate", project, url)
    assert code == 1 and "ERROR: Validate failed" in out and "Migration checksum mismatch for migration version 1" in out
    code, out = flyway(capsys, "repair", project, url)
    assert code == 0 and "ALIGNED APPLIED MIGRATION CHECKSUMS" in out
    code, out = flyway(capsys, "migrate", project, url, "--json")
    assert code == 0 and [m["version"] for m in json.loads(out)["migrations"]] == ["2"]


def test_flyway_cli_baseline_and_bad_input(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    code, out = flyway(capsys, "baseline", project, url, "--baseline-version", "1")
    assert code == 0 and "Successfully baselined schema with version: 1" in out
    code, out = flyway(capsys, "migrate", project, url, "--target", "9")
    assert code == 1 and "No migration with a target version 9 could be found" in out
    code, out = flyway(capsys, "info", tmp_path / "missing", url)
    assert code == 1 and "is not a folder" in out and "Traceback" not in out
