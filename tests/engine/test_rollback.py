"""rollback (to tag, OLDEST semantics), rollback-count, rollback-to-date and rollback-sql."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from schemashift import engine
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.changelog.model import RollbackImpossible
from schemashift.engine import TagNotFound
from schemashift.targets import open_target

from tests.engine.builders import changelog, people, sql, tag
from tests.engine.test_update import rows, tables


def test_rollback_to_a_tag_undoes_everything_after_it_including_the_tagging_changeset(db_url: str) -> None:
    first, seed, pets = people()
    log = changelog(first, tag("t1", "v1"), seed, pets)
    with open_target(db_url) as target:
        engine.update(target, log)
        result = engine.rollback(target, log, "V1")  # tags compare case-insensitively
        assert [item.id for item in result.changesets] == ["3", "2", "t1"]
        assert all(item.status == "ROLLED_BACK" for item in result.changesets)
        assert result.changesets[0].statements[0] == "drop table pet"
        assert "DELETE FROM" in result.changesets[0].statements[-1]
        assert [row["id"] for row in rows(target)] == ["1"]
        assert tables(target) == {"person"}


def test_rollback_to_a_tag_given_by_the_tag_command_keeps_the_tagged_row(db_url: str) -> None:
    first, seed, pets = people()
    log = changelog(first, seed, pets)
    with open_target(db_url) as target:
        engine.update_count(target, log, 1)
        assert engine.tag(target, "release-1").tagged == "db/changelog.sql::1::dev"
        engine.update(target, log)
        engine.tag(target, "release-1")  # a later row with the same tag is rolled back too (OLDEST)
        assert [item.id for item in engine.rollback(target, log, "release-1").changesets] == ["3", "2"]
        assert [(row["id"], row["tag"]) for row in rows(target)] == [("1", "release-1")]


def test_rollback_count_and_to_date(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        engine.update(target, log)
        assert [item.id for item in engine.rollback_count(target, log, 1).changesets] == ["3"]
        executed = rows(target)[-1]["date_executed"]
        assert [item.id for item in engine.rollback_to_date(target, log, executed).changesets] == []
        earlier = executed - timedelta(days=1)
        assert [item.id for item in engine.rollback_to_date(target, log, earlier.isoformat()).changesets] == ["2", "1"]
        assert rows(target) == [] and tables(target) == set()


def test_unknown_tag_and_impossible_rollbacks_fail_before_anything_changes(db_url: str) -> None:
    log = changelog(sql("1", "create table keep (id int)", rollback="drop table keep"),
                    sql("2", "create table no_undo (id int)"))
    with open_target(db_url) as target:
        engine.update(target, log)
        with pytest.raises(TagNotFound, match="Could not find tag 'nope' in the database"):
            engine.rollback(target, log, "nope")
        with pytest.raises(RollbackImpossible, match="automatic rollback generation for raw sql"):
            engine.rollback_count(target, log, 2)
        assert [row["id"] for row in rows(target)] == ["1", "2"] and tables(target) == {"keep", "no_undo"}


def test_rollback_of_an_empty_rollback_only_deletes_the_row(db_url: str) -> None:
    log = changelog(sql("1", "create table stays (id int)", rollback="empty"))
    with open_target(db_url) as target:
        engine.update(target, log)
        result = engine.rollback_count(target, log, 1)
        assert len(result.changesets[0].statements) == 1 and rows(target) == []
        assert tables(target) == {"stays"}


def test_rollback_sql_previews_and_changes_nothing(db_url: str) -> None:
    log = changelog(*people())
    with open_target(db_url) as target:
        engine.update(target, log)
        preview = engine.rollback_sql(target, log, count=2)
        assert "-- Rolling Back ChangeSet: db/changelog.sql::3::dev" in preview.script
        assert "drop table pet" in preview.statements
        deletes = [statement for statement in preview.statements if statement.startswith("DELETE FROM")]
        assert len(deletes) == 2 and all("FILENAME = 'db/changelog.sql'" in statement for statement in deletes)
        assert len(rows(target)) == 3 and tables(target) == {"person", "pet"}


def test_rows_the_changelog_no_longer_has_are_left_alone_with_a_warning(db_url: str) -> None:
    full = people()
    with open_target(db_url) as target:
        engine.update(target, changelog(*full))
        result = engine.rollback_count(target, changelog(full[0], full[1]), 5)
        assert [item.id for item in result.changesets] == ["2", "1"]
        assert "db/changelog.sql::3::dev" in result.warnings[0]
        assert [row["id"] for row in rows(target)] == ["3"]


def test_every_change_type_in_the_mixed_changelog_rolls_back_to_an_empty_schema(db_url: str, tmp_path: Path) -> None:
    """Update, then roll back everything: every inverse (and explicit rollback) runs on every database."""
    shutil.copytree(Path(__file__).parent / "changelogs" / "differential", tmp_path / "db")
    with open_target(db_url) as target:
        log = parse_changelog("db/changelog.yaml", FileSystemAccessor([str(tmp_path)]), dialect=target.dialect)
        applied = engine.update(target, log)
        assert {"product", "orders", "audit_event", "app_person", "app_pet"} <= tables(target)
        result = engine.rollback_count(target, log, len(applied.changesets))
        assert [item.fqn for item in result.changesets] == [item.fqn for item in reversed(applied.changesets)]
        assert rows(target) == [] and tables(target) == set()
        assert engine.status(target, log).pending[0].fqn == "db/sql/people.sql::1::alice"
