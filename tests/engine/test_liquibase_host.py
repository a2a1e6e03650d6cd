"""executeCommand and customPrecondition against real Liquibase 4.28, on two fresh SQLite files.

executeCommand runs where the engine runs when its caller allows it (``schemashift db``, and the
corpus harness, which runs the engine as the CLI does): the command with its arguments, only for a
matching ``os``, failing the changeset on a non-zero exit or its timeout. customPrecondition names
a Java class neither tool can load here: a precondition *failure*, so onFail decides (MARK_RAN,
CONTINUE, WARN, or HALT by default, whatever onError says). Compared: every DATABASECHANGELOG
column (so the checksums), schema, data, what the commands wrote, Liquibase ``status``/``validate``
on schemashift's database, and ``rollback-count 3``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.corpora import (
    Case,
    differences,
    rollback_differences,
    rollback_refused_alike,
    run_case,
    same_stop,
    status_pending,
)
from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "host"


def test_execute_command_and_custom_preconditions_run_like_liquibase(tmp_path: Path) -> None:
    log = tmp_path / "commands.log"
    case = Case("host", "host", "commands.xml", "sqlite", parameters=(("log", str(log)),))
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.lb_stop is None and outcome.ss_stop is None, (outcome.lb_stop, outcome.ss_stop)
    found = differences(outcome.lb, outcome.ss)
    assert not any(found.values()), found
    assert [(row[0], row[4]) for row in outcome.ss.rows] == [
        ("run", "EXECUTED"), ("other-os", "EXECUTED"), ("this-os", "EXECUTED"), ("custom-mark-ran", "MARK_RAN"),
        ("custom-warn", "EXECUTED"),
    ]
    # each tool ran the two commands for this machine once; the other os's, the failing and the slow ones left no row
    assert log.read_text().split() == ["ran", "this-os"] * 2
    assert outcome.ss.data["after_command"] == [(3,)]  # MARK_RAN and CONTINUE skipped their inserts, WARN ran
    status, validate = outcome.crossover["status"], outcome.crossover["validate"]
    assert validate[0] == 0 and "No validation errors found" in validate[1], validate[1][-1500:]
    assert [line.split("::")[1] for line in status_pending(status[1])] == [
        "exit-3", "too-slow", "custom-continue",
    ], status[1][-1500:]
    # rollback-count 3: custom-warn and custom-mark-ran roll back, this-os has no inverse in either tool
    assert rollback_refused_alike(outcome) is not None and "this-os" in rollback_refused_alike(outcome)
    assert not rollback_differences(outcome)


def test_a_failing_custom_precondition_halts_at_the_same_changeset(tmp_path: Path) -> None:
    case = Case("host", "host", "halt.xml", "sqlite")
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE, rollback=False)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.lb_stop is not None and outcome.ss_stop is not None
    assert same_stop(outcome.lb_stop, outcome.ss_stop), (outcome.lb_stop, outcome.ss_stop)
    assert "Could not open custom precondition class com.example.Check" in outcome.lb_stop
    assert "halt.xml::halts::t" in outcome.ss_stop
    assert "Could not open custom precondition class com.example.Check" in outcome.ss_stop
    assert not any(differences(outcome.lb, outcome.ss).values())
    assert [row[0] for row in outcome.ss.rows] == ["1"]
    validate = outcome.crossover["validate"]
    assert validate[0] == 0 and "No validation errors found" in validate[1]
    assert outcome.lb_status is not None
    assert status_pending(outcome.crossover["status"][1]) == status_pending(outcome.lb_status[1]) == [
        "halt.xml::halts::t", "halt.xml::never::t",
    ]
