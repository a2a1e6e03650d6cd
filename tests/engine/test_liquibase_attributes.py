"""Changeset, include and includeAll attributes and the ``database.*`` properties, run by real
Liquibase 4.28 on one fresh database and by schemashift on another (``changelogs/attributes``):
identical DATABASECHANGELOG rows (order and checksums), schema and data, and Liquibase
``status``/``validate`` on schemashift's database.

Covered: ``runOrder`` first/last, ``runWith="jdbc"``, ``created``, ``onValidationFail="MARK_RAN"``, the ``expectedQuotingStrategy`` precondition (the root
changelog's strategy, not the changeset's), ``ignore`` on a changeset and an
include, booleans read as ``Boolean.valueOf`` (YAML ``ignore: "yes"`` is false, so that changeset runs;
``valueBoolean`` "falsee" and "1" are false) in XML and YAML, modifySql ``dbms`` (a visitor for another database leaves the checksum),
includeAll ``minDepth``/``maxDepth`` and a case-insensitive ``endsWithFilter``, and every
``database.*`` property but the catalog (each tool's database has its own name).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from schemashift.changelog import FileSystemAccessor, parse_changelog
from schemashift.engine import update, validate
from schemashift.targets import open_target

from tests.engine.corpora import Case, crossover_clean, differences, run_case
from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "attributes"
ORDER = ["runs-first", "properties", "booleans", "yaml-booleans", "validation-fails", "default-executor", "modify-sql-dbms",
         "quoting-expected", "quoting-unexpected", "deep_one_two", "deep_one", "upper-case-extension", "runs-last", "also-last"]


@pytest.mark.parametrize("kind", [
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
])
def test_attributes_run_like_liquibase(kind: str, tmp_path: Path) -> None:
    case = Case("attributes", "attributes", "root.xml", kind)
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE, rollback=False)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.lb_stop is None and outcome.ss_stop is None, (outcome.lb_stop, outcome.ss_stop)
    found = differences(outcome.lb, outcome.ss)
    assert not any(found.values()), "\n".join(f"{aspect}: {item}" for aspect, items in found.items() for item in items)
    expected = ORDER if kind == "mysql" else [*ORDER[:2], "schema-properties", *ORDER[2:]]
    assert [row[0] for row in outcome.ss.rows] == expected
    exec_types = {row[0]: row[4] for row in outcome.lb.rows}
    assert exec_types["validation-fails"] == exec_types["quoting-unexpected"] == "MARK_RAN"
    assert exec_types["quoting-expected"] == "EXECUTED"
    assert crossover_clean(outcome), outcome.crossover
    flags = {name: sorted(rows) for name, rows in outcome.ss.data.items() if name.endswith("flags")}
    assert [flag for _, flag in flags["flags"]] == [False, False, True]
    assert [flag for _, flag in flags["yaml_flags"]] == [False, False, True]
    props = dict(outcome.ss.data["props"])
    assert props["liquibaseSchemaName"] == "${database.liquibaseSchemaName}"  # Liquibase leaves it null
    assert props["typeName"] == ("postgresql" if kind == "postgresql" else "mariadb")


@pytest.mark.postgres
def test_modify_sql_scoped_by_context_and_labels_like_liquibase(tmp_path: Path) -> None:
    """A run with contexts and labels keeps only the modifySql edits they select, in the SQL and in the
    checksum, as Liquibase does. Liquibase's own ``validate`` without contexts then reports those two
    changesets' checksums as changed (it does so on its own database too): the same here."""
    case = Case("modify-sql-scope", "attributes", "modify_sql_scope.xml", "postgresql", contexts="test", labels="l1")
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE, rollback=False)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.ss_stop is None, outcome.ss_stop
    found = differences(outcome.lb, outcome.ss)
    assert not any(found.values()), "\n".join(f"{aspect}: {item}" for aspect, items in found.items() for item in items)
    tables = {key.removeprefix("table ") for key in outcome.ss.schema if key.startswith("table ")}
    assert tables == {"changed", "keepme", "labelled_l1", "plain"}
    status, checked = outcome.crossover["status"], outcome.crossover["validate"]
    assert status[0] == 0 and "is up to date" in status[1], status
    assert checked[0] != 0 and "2 changesets check sum" in checked[1], checked
    assert "modify_sql_scope.xml::by-context::attributes was:" in checked[1]
    assert "modify_sql_scope.xml::by-label::attributes was:" in checked[1]


def test_validate_without_the_run_contexts_sees_other_modify_sql(tmp_path: Path) -> None:
    """schemashift's own validate agrees: with the run's contexts/labels clean, without them the two
    scoped changesets' checksums differ (the visitors the run left out count again)."""
    url = f"sqlite:///{tmp_path / 'scope.db'}"
    with open_target(url) as target:
        changelog = parse_changelog("modify_sql_scope.xml", FileSystemAccessor([str(SOURCE)]), database=target)
        update(target, changelog, contexts="test", labels="l1")
        assert validate(target, changelog, contexts="test", labels="l1").valid
        errors = validate(target, changelog).errors
    assert [error.split(" was: ")[0] for error in errors] == [
        "modify_sql_scope.xml::by-context::attributes", "modify_sql_scope.xml::by-label::attributes"]


@pytest.mark.postgres
def test_on_sql_output_under_update_sql_like_liquibase(tmp_path: Path) -> None:
    """update-sql with failing changeset preconditions (onFail MARK_RAN): TEST evaluates them (marked ran),
    IGNORE skips them (the SQL is shown), FAIL fails them (marked ran); both tools print the same decisions."""
    from schemashift.engine import update_sql

    from tests.engine.corpora import case_database, liquibase

    case = Case("sql-output", "attributes", "sql_output.xml", "postgresql")
    with case_database(case, tmp_path / "lb") as url:
        code, output = liquibase(liquibase_binary(), case, ["update-sql"], url=url, search_path=SOURCE)
        assert code == 0, output[-2000:]
        with open_target(url) as target:
            changelog = parse_changelog("sql_output.xml", FileSystemAccessor([str(SOURCE)]), database=target)
            preview = update_sql(target, changelog)
    ours = "\n".join(preview.statements)
    for table, shown in (("tested", False), ("ignored", True), ("failed", False)):
        assert (f"CREATE TABLE public.{table}" in output) is shown, output[-3000:]
        assert (f"CREATE TABLE {table}" in ours or f"CREATE TABLE public.{table}" in ours) is shown, ours
    marked = [line for line in output.splitlines() if "MARK_RAN" in line]
    assert len(marked) == 2 and sum("MARK_RAN" in statement for statement in preview.statements) == 2
