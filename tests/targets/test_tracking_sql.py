"""Tracking-table SQL equals what Liquibase 4.28 ``update-sql`` printed for each database."""

from __future__ import annotations

from schemashift.targets.tracking_sql import HistoryRow, TrackingSql

LOCKED_BY = "vm (fd00:0:0:0:0:0:0:2%eth0)"


def _row(**overrides: object) -> HistoryRow:
    values: dict[str, object] = {
        "id": "2", "author": "bob", "filename": "cl.sql", "md5sum": "9:321b59c404265eb51cd30b5690f6665f",
        "description": "sql", "comments": "", "exec_type": "EXECUTED", "contexts": "dev", "labels": "a,b",
        "deployment_id": "5374202480", "order_executed": 2,
    }
    values.update(overrides)
    return HistoryRow(**values)  # type: ignore[arg-type]


def test_postgresql_statements_match_liquibase() -> None:
    sql = TrackingSql("postgresql", "public")
    assert sql.create_lock_table() == (
        "CREATE TABLE public.databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, "
        "LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), "
        "CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID))"
    )
    assert sql.initialize_lock_table() == [
        "DELETE FROM public.databasechangeloglock",
        "INSERT INTO public.databasechangeloglock (ID, LOCKED) VALUES (1, FALSE)",
    ]
    assert sql.acquire_lock(LOCKED_BY) == (
        f"UPDATE public.databasechangeloglock SET LOCKED = TRUE, LOCKEDBY = '{LOCKED_BY}', LOCKGRANTED = NOW() "
        "WHERE ID = 1 AND LOCKED = FALSE"
    )
    assert sql.create_changelog_table() == (
        "CREATE TABLE public.databasechangelog (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, "
        "FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, "
        "ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), "
        "DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), "
        "CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))"
    )
    assert sql.insert_row(_row()) == (
        "INSERT INTO public.databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, "
        "DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID) VALUES ('2', 'bob', "
        "'cl.sql', NOW(), 2, '9:321b59c404265eb51cd30b5690f6665f', 'sql', '', 'EXECUTED', 'dev', 'a,b', "
        "'4.28.0', '5374202480')"
    )
    assert sql.release_lock() == (
        "UPDATE public.databasechangeloglock SET LOCKED = FALSE, LOCKEDBY = NULL, LOCKGRANTED = NULL WHERE ID = 1"
    )


def test_mariadb_quotes_reserved_columns_and_uses_tinyint1() -> None:
    sql = TrackingSql("mariadb", "lbt")
    assert sql.create_lock_table() == (
        "CREATE TABLE lbt.DATABASECHANGELOGLOCK (ID INT NOT NULL, `LOCKED` TINYINT(1) NOT NULL, "
        "LOCKGRANTED datetime NULL, LOCKEDBY VARCHAR(255) NULL, CONSTRAINT PK_DATABASECHANGELOGLOCK PRIMARY KEY (ID))"
    )
    assert sql.initialize_lock_table()[1] == "INSERT INTO lbt.DATABASECHANGELOGLOCK (ID, `LOCKED`) VALUES (1, 0)"
    assert sql.acquire_lock(LOCKED_BY) == (
        f"UPDATE lbt.DATABASECHANGELOGLOCK SET `LOCKED` = 1, LOCKEDBY = '{LOCKED_BY}', LOCKGRANTED = NOW() "
        "WHERE ID = 1 AND `LOCKED` = 0"
    )
    assert sql.create_changelog_table() == (
        "CREATE TABLE lbt.DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, "
        "FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED datetime NOT NULL, ORDEREXECUTED INT NOT NULL, "
        "EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35) NULL, `DESCRIPTION` VARCHAR(255) NULL, "
        "COMMENTS VARCHAR(255) NULL, TAG VARCHAR(255) NULL, LIQUIBASE VARCHAR(20) NULL, CONTEXTS VARCHAR(255) NULL, "
        "LABELS VARCHAR(255) NULL, DEPLOYMENT_ID VARCHAR(10) NULL)"
    )
    assert sql.insert_row(_row(contexts=None, labels=None)).startswith(
        "INSERT INTO lbt.DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, `DESCRIPTION`, "
        "COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID) VALUES ('2', 'bob', 'cl.sql', NOW(), 2, "
    )
    assert TrackingSql("mysql", "lbt").create_lock_table().count("TINYINT NOT NULL") == 1
    assert sql.literal("it's a \\ path") == "'it''s a \\\\ path'"


def test_sqlite_statements_match_liquibase() -> None:
    sql = TrackingSql("sqlite", None)
    assert sql.create_lock_table() == (
        "CREATE TABLE DATABASECHANGELOGLOCK (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TEXT, "
        "LOCKEDBY VARCHAR(255), CONSTRAINT PK_DATABASECHANGELOGLOCK PRIMARY KEY (ID))"
    )
    assert sql.create_changelog_table() == (
        "CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, "
        "FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TEXT NOT NULL, ORDEREXECUTED INTEGER NOT NULL, "
        "EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), "
        "TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))"
    )
    tag_row = _row(id="2", author="al", filename="c2.yaml", md5sum="9:635ff1e577e13420abaf0552fb77ab20",
                   description="tagDatabase", contexts=None, labels=None, deployment_id="5374272038", tag="v1")
    assert sql.insert_row(tag_row) == (
        "INSERT INTO DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, "
        "COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID, TAG) VALUES ('2', 'al', 'c2.yaml', "
        "CURRENT_TIMESTAMP, 2, '9:635ff1e577e13420abaf0552fb77ab20', 'tagDatabase', '', 'EXECUTED', NULL, NULL, "
        "'4.28.0', '5374272038', 'v1')"
    )
    reran = _row(id="3", author="al", filename="c2.yaml", md5sum="9:832f2739b4bf6cd0ac6b11499b976273",
                 exec_type="RERAN", contexts=None, labels=None, deployment_id="5374266570", order_executed=5)
    assert sql.update_reran(reran, "c2.yaml") == (
        "UPDATE DATABASECHANGELOG SET COMMENTS = '', CONTEXTS = NULL, DATEEXECUTED = CURRENT_TIMESTAMP, "
        "DEPLOYMENT_ID = '5374266570', DESCRIPTION = 'sql', EXECTYPE = 'RERAN', LABELS = NULL, LIQUIBASE = '4.28.0', "
        "MD5SUM = '9:832f2739b4bf6cd0ac6b11499b976273', ORDEREXECUTED = 5 "
        "WHERE ID = '3' AND AUTHOR = 'al' AND FILENAME = 'c2.yaml'"
    )
    assert sql.delete_row("4", "al", "c2.yaml") == (
        "DELETE FROM DATABASECHANGELOG WHERE ID = '4' AND AUTHOR = 'al' AND FILENAME = 'c2.yaml'"
    )
