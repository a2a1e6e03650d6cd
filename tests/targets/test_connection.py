"""The connection wrapper: explicit transactions per dialect, literal SQL, recording, probes."""

from __future__ import annotations

import pytest
from schemashift.targets import StatementFailed, open_target


def test_a_failed_transaction_rolls_back_its_ddl_except_where_mysql_commits_it(db_url: str) -> None:
    with open_target(db_url) as target:
        target.begin()
        target.execute("CREATE TABLE made_in_tx (id INT)")
        with pytest.raises(StatementFailed) as failure:
            target.commit_with("INSERT INTO no_such_table VALUES (1)")
        target.rollback()
        assert failure.value.sql.startswith("INSERT INTO no_such_table") and failure.value.db_message
        # MySQL and MariaDB commit implicitly after DDL; PostgreSQL and SQLite roll it back.
        assert target.table_exists("made_in_tx") == (target.dialect in ("mysql", "mariadb"))


def test_sql_is_sent_literally_and_probes_see_the_schema(db_url: str) -> None:
    with open_target(db_url) as target:
        target.execute("CREATE TABLE probe_me (pct VARCHAR(20))")
        target.execute("CREATE VIEW probe_view AS SELECT pct FROM probe_me")
        with target.transaction():
            target.execute("INSERT INTO probe_me VALUES ('100%:done')")
        assert target.query_scalar("SELECT pct FROM probe_me") == "100%:done"
        assert target.query_dicts("SELECT pct FROM probe_me") == [{"PCT": "100%:done"}]
        assert target.table_exists("PROBE_ME") and target.column_exists("probe_me", "PCT")
        assert target.view_exists("probe_view") and not target.view_exists("probe_me")
        assert not target.column_exists("probe_me", "missing") and not target.table_exists("missing")


def test_recording_captures_writes_while_reads_reach_the_database(db_url: str) -> None:
    with open_target(db_url) as target:
        target.execute("CREATE TABLE seen (id INT)")
        with target.recording() as recording:
            target.comment("Changeset x::1::me")
            with target.transaction():
                target.execute("INSERT INTO seen VALUES (1)")
            assert target.query_scalar("SELECT COUNT(*) FROM seen") == 0
        assert recording.statements == ["INSERT INTO seen VALUES (1)"]
        assert recording.script() == "-- Changeset x::1::me\nINSERT INTO seen VALUES (1);\n\n"
        assert target.query_scalar("SELECT COUNT(*) FROM seen") == 0
