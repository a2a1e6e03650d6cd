"""Statement splitting (Liquibase's rules plus dollar quoting) and context/label/dbms filters."""

from __future__ import annotations

import pytest
from schemashift.changelog import ChangeSet, dbms_matches, split_statements
from schemashift.changelog.expressions import expression_matches


@pytest.mark.parametrize(
    ("sql", "kwargs", "expected"),
    [
        ("select 1; select 2;", {}, ["select 1", "select 2"]),
        ("select 1\nGO\nselect 2\n/\nselect 3", {}, ["select 1", "select 2", "select 3"]),
        ("select 4 / 2; select 'a;b', \"c;d\"", {}, ["select 4 / 2", "select 'a;b', \"c;d\""]),
        ("select 1 -- x;y\n; /* ; */ select 2", {"strip_comments": True}, ["select 1", "select 2"]),
        ("select 1 -- x;y\n;", {}, ["select 1 -- x;y"]),
        ("a; b", {"split": False}, ["a; b"]),
        ("a\nGO\nb\ngo\n", {"end_delimiter": r"\nGO"}, ["a", "b"]),
        ("a; b // c //", {"end_delimiter": "//"}, ["a; b", "c"]),
        ("x $$ ; $$ y", {"end_delimiter": "$$"}, ["x $$ ; $$ y"]),
        (
            "create trigger t begin update a set b = 1; end; select 1",
            {},
            ["create trigger t begin update a set b = 1; end", "select 1"],
        ),
        ("begin transaction; update a set b = 1; commit;", {}, ["begin transaction", "update a set b = 1", "commit"]),
        (
            "do $$ begin raise notice 'a;b'; end $$; select 1",
            {},
            ["do $$ begin raise notice 'a;b'; end $$", "select 1"],
        ),
        (
            "create function f() returns int as $fn$ select 1; $fn$ language sql;",
            {},
            ["create function f() returns int as $fn$ select 1; $fn$ language sql"],
        ),
        ("select 'it''s; fine'; select $1", {}, ["select 'it''s; fine'", "select $1"]),
        ("  \n  ", {}, []),
    ],
)
def test_split_statements(sql: str, kwargs: dict[str, object], expected: list[str]) -> None:
    assert split_statements(sql, **kwargs) == expected  # type: ignore[arg-type]


def test_dollar_quotes_are_postgres_only() -> None:
    body = "create function f() returns int as $$ begin if x then y; end if; end; $$ language plpgsql; select 2"
    assert len(split_statements(body, dialect="postgresql")) == 2
    assert len(split_statements(body, dialect="mysql")) > 2  # Liquibase's own behaviour (liquibase#5538)


@pytest.mark.parametrize(
    ("expression", "items", "expected"),
    [
        ("dev", [], True),
        ("@dev", [], False),
        ("dev", ["DEV"], True),
        ("dev, test", ["test"], True),
        ("dev and test", ["test"], False),
        ("!prod", ["prod"], False),
        ("not prod", ["qa"], True),
        ("(dev or qa) and !prod", ["qa"], True),
        ("(dev or qa) and !prod", ["qa", "prod"], False),
    ],
)
def test_expressions(expression: str, items: list[str], expected: bool) -> None:
    assert expression_matches(expression, items) is expected


@pytest.mark.parametrize(
    ("definition", "dialect", "expected"),
    [(None, "sqlite", True), ("all", "sqlite", True), ("none", "sqlite", False), ("!mysql", "sqlite", True),
     ("!mysql", "mysql", False), ("postgresql, mariadb", "mariadb", True), ("mysql", "mariadb", False)],
)  # fmt: skip
def test_dbms(definition: str | None, dialect: str, expected: bool) -> None:
    assert dbms_matches(definition, dialect) is expected


def test_changeset_matching_combines_inherited_and_own_filters() -> None:
    changeset = ChangeSet(
        "1", "a", "f.sql", contexts="dev or qa", labels="Feature-X, core", dbms="!mysql",
        inherited_contexts=["!prod"], inherited_labels=["release"],
    )  # fmt: skip
    assert changeset.matches(None, None, "sqlite")
    assert changeset.matches(["qa"], "core or release", "postgresql")
    assert not changeset.matches(["qa"], "core", "postgresql")  # every inherited label set must match too
    assert not changeset.matches(["qa", "prod"], None, "postgresql")
    assert not changeset.matches(["qa"], "missing", "postgresql")
    assert not changeset.matches(["qa"], None, "mysql")
    assert changeset.full_contexts() == "!prod AND (dev or qa)"
    assert changeset.full_labels() == "release,feature-x,core"
    changeset.ignore = True
    assert not changeset.matches(None, None, "sqlite")


def test_description_and_comment_limits() -> None:
    from schemashift.changelog.changes.tables import DropTableChange

    changeset = ChangeSet("1", "a", "f.xml", changes=[DropTableChange(table_name="t" * 300)], comment="  c" * 200)
    assert len(changeset.description()) == 250 and changeset.description().endswith("...")
    assert len(changeset.comments()) == 250
    assert ChangeSet("2", "a", "f.xml").description() == "empty"


def test_parsing_and_checksums_do_not_import_sqlalchemy() -> None:
    """API handlers parse changelogs; SQLAlchemy must load only when statements are generated."""
    import subprocess
    import sys
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "liquibase"
    code = (
        "import sys\n"
        "from schemashift.changelog import FileSystemAccessor, parse_changelog\n"
        f"log = parse_changelog('root.xml', FileSystemAccessor([{str(fixtures)!r}]))\n"
        "assert [c.checksum('sqlite') for c in log.changesets]\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
        "log.changesets[0].changes[0].generate_statements('sqlite')\n"
        "assert 'sqlalchemy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
