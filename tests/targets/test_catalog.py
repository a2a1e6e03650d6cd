"""The bulk catalog readers give the same snapshot as the inspector's per-table calls, on a schema
that uses what each dialect can say about tables: many column types, defaults (literals, quotes,
expressions), nullability, named and unnamed, single and composite keys, unique constraints and
indexes, foreign keys (composite, self-referencing, to a unique column, with actions), views."""

from __future__ import annotations

import time

import pytest
from schemashift.targets import open_target
from schemashift.targets.catalog import BATCH
from schemashift.targets.snapshot import schema_snapshot

from tests.targets.databases import fresh_database

FILLER = BATCH + 3
"""Plain tables beyond the rich ones, so the multi-table reads span more than one batch."""

COMMON = [
    "CREATE TABLE parent (id INT NOT NULL, code VARCHAR(20) NOT NULL, name VARCHAR(100) DEFAULT 'it''s',"
    " amount DECIMAL(12, 2) DEFAULT 0, ratio FLOAT, small SMALLINT DEFAULT -1, big BIGINT NOT NULL DEFAULT 42,"
    " born DATE, seen TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP, initials CHAR(3) DEFAULT 'abc', note TEXT,"
    " CONSTRAINT pk_parent PRIMARY KEY (id), CONSTRAINT uq_parent_code UNIQUE (code))",
    "CREATE TABLE child (parent_id INT NOT NULL, seq INT NOT NULL, code VARCHAR(20), a INT, b INT,"
    " manager_parent INT, manager_seq INT, label VARCHAR(30) NOT NULL DEFAULT '',"
    " PRIMARY KEY (parent_id, seq),"
    " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,"
    " FOREIGN KEY (code) REFERENCES parent (code),"
    " CONSTRAINT fk_child_manager FOREIGN KEY (manager_parent, manager_seq) REFERENCES child (parent_id, seq),"
    " CONSTRAINT uq_child_ab UNIQUE (a, b))",
    "CREATE INDEX ix_child_ba ON child (b, a)",
    "CREATE UNIQUE INDEX ux_child_label ON child (label, seq)",
    "CREATE INDEX ix_parent_name ON parent (name)",
    "CREATE TABLE no_key (x INT, y VARCHAR(5) DEFAULT 'n', z INT NOT NULL)",
    "CREATE TABLE unique_only (k INT NOT NULL UNIQUE, v INT)",
    "CREATE VIEW v_parent AS SELECT id, code FROM parent WHERE amount > 0",
]

DIALECT = {
    "sqlite": [
        "CREATE TABLE kinds (id INTEGER PRIMARY KEY AUTOINCREMENT, r REAL, d DOUBLE, n NUMERIC(5), b BLOB,"
        " t TEXT COLLATE NOCASE, vc NVARCHAR(7), bool BOOLEAN DEFAULT 1, dt DATETIME DEFAULT (datetime('now')),"
        " odd MYTYPE(3, 4), twice INT GENERATED ALWAYS AS (id * 2) STORED,"
        " inline_u VARCHAR(9) CONSTRAINT inline_named UNIQUE, ref INT REFERENCES parent)",
        "CREATE TABLE \"Mixed Case\" (\"Key\" TEXT PRIMARY KEY, \"some value\" INT DEFAULT 3) WITHOUT ROWID",
        "CREATE TABLE quoted_pk (a INT, b INT, CONSTRAINT \"pk quoted\" PRIMARY KEY (a, b), UNIQUE (b))",
        "CREATE TABLE cased (Id INT, Code TEXT, CONSTRAINT PK_CASED PRIMARY KEY (Id),"
        " CONSTRAINT UQ_Cased_Code UNIQUE (Code), CONSTRAINT FK_Cased_Parent FOREIGN KEY (Id) REFERENCES parent (id))",
        "CREATE INDEX ix_kinds_expr ON kinds (lower(t))",
        "CREATE INDEX ix_kinds_partial ON kinds (r) WHERE r > 0",
        "CREATE TEMP TABLE scratch (id INT)",
    ],
    "postgresql": [
        "CREATE TABLE kinds (id SERIAL PRIMARY KEY, ident BIGINT GENERATED ALWAYS AS IDENTITY, r REAL,"
        " d DOUBLE PRECISION, n NUMERIC(5), raw BYTEA, flag BOOLEAN DEFAULT true, j JSONB DEFAULT '{}',"
        " u UUID, tags TEXT[], at TIMESTAMPTZ DEFAULT now(), span INTERVAL, ip INET,"
        " twice INT GENERATED ALWAYS AS (id * 2) STORED, ref INT REFERENCES parent)",
        "CREATE TABLE \"Mixed Case\" (\"Key\" TEXT PRIMARY KEY, \"some value\" INT DEFAULT 3)",
        "CREATE INDEX ix_kinds_expr ON kinds (lower(d::text))",
        "CREATE INDEX ix_kinds_partial ON kinds (r) WHERE r > 0",
        "CREATE UNIQUE INDEX ux_kinds_u ON kinds (u) INCLUDE (r)",
        "CREATE SEQUENCE loose_seq",
        "CREATE MATERIALIZED VIEW mv_parent AS SELECT id FROM parent",
    ],
    "mysql": [
        "CREATE TABLE kinds (id INT AUTO_INCREMENT PRIMARY KEY, r FLOAT(7, 3), d DOUBLE, n NUMERIC(5),"
        " raw BLOB, bin VARBINARY(16) DEFAULT 'ab', flag BOOLEAN DEFAULT TRUE, tiny TINYINT UNSIGNED DEFAULT 7,"
        " e ENUM('a', 'b', 'it''s') DEFAULT 'a', s SET('x', 'y') DEFAULT 'x,y', j JSON,"
        " at DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), yr YEAR,"
        " expr INT DEFAULT (1 + 1), txt VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x''y',"
        " twice INT AS (tiny * 2) STORED, ref INT, KEY ix_kinds_ref (ref),"
        " CONSTRAINT fk_kinds_ref FOREIGN KEY (ref) REFERENCES parent (id) ON UPDATE CASCADE,"
        " UNIQUE KEY uq_kinds_rd (r, d), FULLTEXT KEY ft_kinds_txt (txt))",
        "CREATE TABLE `Mixed Case` (`Key` VARCHAR(20) PRIMARY KEY, `some value` INT DEFAULT 3)",
        "CREATE INDEX ix_kinds_prefix ON kinds (raw(10))",
        "CREATE SEQUENCE loose_seq",
    ],
}


def _build(url: str, kind: str) -> None:
    with open_target(url) as target:
        for sql in COMMON + DIALECT[kind] + [f"CREATE TABLE filler_{i} (id INT PRIMARY KEY)" for i in range(FILLER)]:
            target.execute(sql)
        if kind == "mysql":
            target.execute("CREATE VIEW v_kinds AS SELECT id, e FROM kinds")


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
                                  pytest.param("mysql", marks=pytest.mark.mysql)])
def test_the_bulk_snapshot_equals_the_per_table_one(kind: str, tmp_path) -> None:
    with fresh_database(kind, tmp_path) as url:
        _build(url, kind)
        with open_target(url) as target:
            fast = schema_snapshot(target)
            reference = schema_snapshot(target, one_by_one=True)
            bounded = schema_snapshot(target, max_tables=3), schema_snapshot(target, max_tables=3, one_by_one=True)
            expired = schema_snapshot(target, deadline=time.monotonic() - 1)
        assert fast == reference
        tables = fast["tables"]
        rich = {"parent", "child", "no_key", "unique_only", "kinds", "Mixed Case"} | (
            {"quoted_pk", "cased"} if kind == "sqlite" else set())
        assert set(tables) == rich | {f"filler_{i}" for i in range(FILLER)}, "no temp, internal or other-schema tables"
        assert {fk["name"] for fk in tables["child"]["foreignKeys"]} >= {"fk_child_parent", "fk_child_manager"}
        assert ["a", "b"] in [u["columns"] for u in tables["child"]["uniqueConstraints"]]
        assert tables["child"]["primaryKey"]["columns"] == ["parent_id", "seq"]
        assert {"ix_child_ba", "ux_child_label"} <= {i["name"] for i in tables["child"]["indexes"]}
        assert len(tables["kinds"]["columns"]) >= 13 and tables["parent"]["columns"][2]["default"]
        assert "v_parent" in fast["views"]
        if kind == "sqlite":  # names as the table's text writes them
            cased = tables["cased"]
            assert (cased["primaryKey"]["name"], [u["name"] for u in cased["uniqueConstraints"]],
                    [k["name"] for k in cased["foreignKeys"]]) == ("PK_CASED", ["UQ_Cased_Code"], ["FK_Cased_Parent"])
        assert bounded[0] == bounded[1] and len(bounded[0]["tables"]) == 3 and bounded[0]["truncated"]
        assert expired["tables"] == {} and expired["truncated"]


def test_sqlite_reads_its_catalog_in_a_few_queries(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    with open_target(url) as target:
        for i in range(300):
            target.execute(f"CREATE TABLE t{i} (id INT PRIMARY KEY, v VARCHAR(20) DEFAULT 'x' NOT NULL)")
        statements: list[str] = []
        # what the connection is sent; "-- PRAGMA ..." lines are SQLite's own, inside the pragma functions
        target._dbapi.set_trace_callback(lambda sql: sql.startswith("--") or statements.append(sql))
        snapshot = schema_snapshot(target)
        fast = len(statements)
        statements.clear()
        assert schema_snapshot(target, one_by_one=True) == snapshot
        target._dbapi.set_trace_callback(None)
    assert len(snapshot["tables"]) == 300 and snapshot["tables"]["t7"]["columns"][1] == {
        "name": "v", "type": "VARCHAR(20)", "nullable": False, "default": "'x'"}
    assert fast <= 10 < 300 * 5 <= len(statements), (fast, len(statements))


def test_sqlite_columns_declared_without_a_type(tmp_path) -> None:
    """SQLite lets a column have no type (its affinity is BLOB); the inspector reflects NullType, which
    has no DDL to render: the snapshot says what was declared, nothing."""
    with open_target(f"sqlite:///{tmp_path / 'untyped.db'}") as target:
        target.execute("CREATE TABLE untyped (a, b INTEGER, c DEFAULT 3)")
        fast, reference = schema_snapshot(target), schema_snapshot(target, one_by_one=True)
    assert fast == reference
    assert fast["tables"]["untyped"]["columns"] == [
        {"name": "a", "type": "", "nullable": True, "default": None},
        {"name": "b", "type": "INTEGER", "nullable": True, "default": None},
        {"name": "c", "type": "", "nullable": True, "default": "3"}]


@pytest.mark.mysql
def test_mysql_binary_defaults_that_are_not_text(tmp_path) -> None:
    """MariaDB's SHOW CREATE TABLE prints a binary column's default as its raw bytes, which the
    driver cannot decode as text: such a default is shown as a hex literal."""
    with fresh_database("mysql", tmp_path) as url, open_target(url) as target:
        target.execute("CREATE TABLE bins (a BINARY(2) DEFAULT 0xFF00, b VARBINARY(4) DEFAULT x'ff',"
                       " c VARBINARY(4) DEFAULT 'ab', d VARBINARY(4) DEFAULT 'x''y', e BINARY(2) DEFAULT 0x00ff,"
                       " f VARCHAR(3) DEFAULT 'é', g VARBINARY(4) DEFAULT 0x27ff5c27, h VARBINARY(4))")
        target.execute("CREATE TABLE `bïns ü` (`ä` VARBINARY(2) DEFAULT 0xc3ff, `ö` VARCHAR(2) DEFAULT 'ö')")
        fast, reference = schema_snapshot(target), schema_snapshot(target, one_by_one=True)
        assert target.query_scalar("SELECT 1") == 1, "the connection is still usable"
    assert fast == reference
    defaults = {c["name"]: c["default"] for c in fast["tables"]["bins"]["columns"]}
    assert defaults == {"a": "0xff00", "b": "0xff", "c": "'ab'", "d": "'x''y'", "e": "0x00ff", "f": "'é'",
                        "g": "0x27ff5c27", "h": None}, defaults
    assert [(c["name"], c["default"]) for c in fast["tables"]["bïns ü"]["columns"]] == [("ä", "0xc3ff"), ("ö", "'ö'")]


def test_decoding_a_create_table_text_with_binary_literals() -> None:
    from schemashift.targets.mysql_create_table import decode_create_table

    raw = b"CREATE TABLE `it's` (\n  `a` binary(2) DEFAULT '\xff\\0',\n  `b'` varchar(3) DEFAULT '\xc3\xa9''\\\\'\n)"
    assert decode_create_table(raw) == "CREATE TABLE `it's` (\n  `a` binary(2) DEFAULT 0xff00,\n" \
                                       "  `b'` varchar(3) DEFAULT 'é''\\\\'\n)"
    assert decode_create_table(b"\"x'\" varbinary(2) DEFAULT '\\\xff'", b'"', backslash_escapes=False) == \
        "\"x'\" varbinary(2) DEFAULT 0x5cff"


SQLITE_NAMED = [
    "CREATE TABLE p (id INT PRIMARY KEY, code TEXT UNIQUE)",
    "CREATE TABLE one_line (a INT, b INT, CONSTRAINT fk_x FOREIGN KEY (a) REFERENCES p(id),"
    " CONSTRAINT uq_ab UNIQUE (a, b), CONSTRAINT uq_b UNIQUE (b))",
    "CREATE TABLE \"multi line\" (\n  a INT CONSTRAINT \"pk of a\" PRIMARY KEY,\n  b TEXT CONSTRAINT\n    [uq b] UNIQUE,"
    " -- CONSTRAINT not_me UNIQUE (a)\n  c TEXT DEFAULT 'CONSTRAINT no UNIQUE (c)' REFERENCES p (code),\n"
    "  CONSTRAINT `uq, c` UNIQUE\n    (c COLLATE NOCASE, a),\n  CONSTRAINT fk_c\n    FOREIGN KEY (c) REFERENCES p\n)",
    "CREATE TABLE spaced (a INT, b INT, CONSTRAINT \"pk a b\" PRIMARY KEY (a, b), CONSTRAINT 'uq ''b''' UNIQUE (b),"
    " CONSTRAINT \"fk \"\"a\"\"\" FOREIGN KEY (a) REFERENCES p (id), UNIQUE (b, a))",
]


def test_sqlite_key_names_however_the_table_is_written(tmp_path) -> None:
    """Constraint names come from the table's text: right on one line (where a UNIQUE after a named
    foreign key took the text between them as its name), across lines, quoted and with spaces."""
    with open_target(f"sqlite:///{tmp_path / 'named.db'}") as target:
        for sql in SQLITE_NAMED:
            target.execute(sql)
        fast, reference = schema_snapshot(target), schema_snapshot(target, one_by_one=True)
    assert fast == reference
    tables = fast["tables"]

    def keys(table: str) -> tuple:
        body = tables[table]
        return (body["primaryKey"] and body["primaryKey"]["name"],
                {u["name"]: u["columns"] for u in body["uniqueConstraints"]},
                {fk["name"]: (fk["columns"], fk["referredTable"], fk["referredColumns"]) for fk in body["foreignKeys"]})

    assert keys("one_line") == (None, {"uq_ab": ["a", "b"], "uq_b": ["b"]}, {"fk_x": (["a"], "p", ["id"])})
    assert keys("multi line") == ("pk of a", {"uq b": ["b"], "uq, c": ["c", "a"]},
                                  {None: (["c"], "p", ["code"]), "fk_c": (["c"], "p", ["id"])})
    assert keys("spaced") == ("pk a b", {"uq 'b'": ["b"], None: ["b", "a"]}, {'fk "a"': (["a"], "p", ["id"])})
    assert keys("p") == (None, {None: ["code"]}, {})


def _write_into_schema(path, entries: list[tuple[str, str]]) -> None:
    """Put ``(name, CREATE VIRTUAL TABLE ...)`` entries into sqlite_master as SQLite does for a module
    it has (rootpage 0), so that a SQLite without the module finds tables it cannot open."""
    import sqlite3

    database = sqlite3.connect(path)
    database.execute("PRAGMA writable_schema = ON")
    for name, sql in entries:
        database.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', ?, ?, 0, ?)",
                         (name, name, sql))
    database.commit()
    database.close()


def test_sqlite_virtual_tables_of_a_module_it_does_not_have(tmp_path) -> None:
    """sqlite-vec's ``vec0`` is not loaded here: its table is described by its USING clause, its shadow
    tables (ordinary ones) and the rest of the schema as always, and an FTS5 table is read as before."""
    path = tmp_path / "vec.db"
    with open_target(f"sqlite:///{path}") as target:
        target.execute("CREATE TABLE person (id INT PRIMARY KEY, name TEXT NOT NULL)")
        target.execute("CREATE TABLE vectors_rowids (rowid INTEGER PRIMARY KEY AUTOINCREMENT, id, chunk_id INTEGER,"
                       " chunk_offset INTEGER)")  # one of vec0's shadow tables
        target.execute("CREATE VIRTUAL TABLE notes USING fts5(title, body)")
    _write_into_schema(path, [("vectors", "CREATE VIRTUAL TABLE vectors USING vec0(\n  embedding float[4]\n)"),
                              ("words", "CREATE VIRTUAL TABLE words USING fts5(w, tokenize = 'nosuch')")])
    with open_target(f"sqlite:///{path}") as target:
        fast, reference = schema_snapshot(target), schema_snapshot(target, one_by_one=True)
    assert fast == reference
    tables = fast["tables"]
    assert tables["vectors"] == {"using": "vec0( embedding float[4] )", "columns": [], "primaryKey": None,
                                 "foreignKeys": [], "uniqueConstraints": [], "indexes": []}
    assert tables["words"]["using"] == "fts5(w, tokenize = 'nosuch')", "a tokenizer it lacks: the same"
    assert [c["name"] for c in tables["notes"]["columns"]] == ["title", "body"] and "using" not in tables["notes"]
    assert [c["name"] for c in tables["vectors_rowids"]["columns"]] == ["rowid", "id", "chunk_id", "chunk_offset"]
    assert tables["person"]["primaryKey"]["columns"] == ["id"] and "using" not in tables["person"]


def test_sqlite_a_virtual_table_that_cannot_be_opened_for_another_reason_fails(tmp_path) -> None:
    """A virtual table of a module SQLite has, written wrongly, is a broken database: it is not hidden."""
    from sqlalchemy.exc import OperationalError

    path = tmp_path / "broken.db"
    with open_target(f"sqlite:///{path}") as target:
        target.execute("CREATE TABLE person (id INT PRIMARY KEY)")
    _write_into_schema(path, [("bad", "CREATE VIRTUAL TABLE bad USING fts5(a, nosuchoption = 1)")])
    for one_by_one in (False, True):
        with open_target(f"sqlite:///{path}") as target, pytest.raises(OperationalError, match="nosuchoption"):
            schema_snapshot(target, one_by_one=one_by_one)


UNKNOWN_TYPES = {
    "postgresql": (["CREATE EXTENSION IF NOT EXISTS ltree", "CREATE TYPE pair AS (a INT, b INT)",
                    "CREATE TYPE floatrange AS RANGE (subtype = float8)",
                    "CREATE TABLE odd (id INT PRIMARY KEY, path ltree, twin pair NOT NULL, span floatrange,"
                    " paths ltree[], known VARCHAR(3)[])"],
                   {"path": "ltree", "twin": "pair", "span": "floatrange", "paths": "ltree[]", "known": "VARCHAR(3)[]"},
                   ("ALTER TABLE odd ALTER COLUMN path TYPE pair USING NULL", "path", "pair")),
    "mysql": (["CREATE TABLE odd (id INT PRIMARY KEY, path INET6, twin POINT NOT NULL, span INET4,"
               " paths GEOMETRY, known VARCHAR(3))"],
              {"path": "inet6", "twin": "point", "span": "inet4", "paths": "geometry", "known": "VARCHAR(3)"},
              ("ALTER TABLE odd MODIFY paths POINT", "paths", "point")),
}


@pytest.mark.filterwarnings("ignore:Did not recognize type")
@pytest.mark.parametrize("kind", [pytest.param("postgresql", marks=pytest.mark.postgres),
                                  pytest.param("mysql", marks=pytest.mark.mysql)])
def test_types_sqlalchemy_does_not_know_are_named_as_the_catalog_names_them(kind: str, tmp_path) -> None:
    """SQLAlchemy reflects such a column as NullType, which has no DDL: the snapshot names the type as
    the database does, so that a change from one such type to another is seen."""
    from schemashift.targets.snapshot import snapshot_changes

    statements, expected, (change, column, now) = UNKNOWN_TYPES[kind]
    with fresh_database(kind, tmp_path, whole_database=True) as url:
        with open_target(url) as target:
            for sql in statements + [f"CREATE TABLE filler_{i} (id INT PRIMARY KEY)" for i in range(FILLER)]:
                target.execute(sql)
            fast, reference = schema_snapshot(target), schema_snapshot(target, one_by_one=True)
            target.execute(change)
        with open_target(url) as target:
            after = schema_snapshot(target)
    assert fast == reference
    assert {c["name"]: c["type"] for c in fast["tables"]["odd"]["columns"][1:]} == expected
    changed = [(c["objectName"], c["before"]["type"], c["after"]["type"]) for c in snapshot_changes(fast, after)]
    assert changed == [(f"odd.{column}", expected[column], now)], changed
