"""Flyway's naming, ordering, checksums, placeholders and configuration files, without a database."""

from __future__ import annotations

import pytest
from schemashift.flyway import FlywayConfig, Version, flyway_checksum, parse_conf, parse_toml, replace_placeholders
from schemashift.flyway.checksums import PlaceholderMissing
from schemashift.flyway.scripts import DuplicateMigration, resolve_scripts

# Flyway's own documentation (flyway/flyway, tag flyway-11.11.2,
# "documentation/Reference/Tutorials/Tutorial - Dry Runs.md"): Flyway's dry-run output records
# V3__Couple.sql with checksum -722651034. The script keeps the trailing spaces of the page.
COUPLE_SQL = (
    "create table COUPLE (\n"
    "    ID int not null,\n"
    "    PERSON1 int not null references PERSON(ID), \n"
    "    PERSON2 int not null references PERSON(ID) \n"
    ");\n"
)
COUPLE_CHECKSUM = -722651034


def test_checksum_matches_the_value_flyway_wrote() -> None:
    assert flyway_checksum(COUPLE_SQL) == COUPLE_CHECKSUM


def test_checksum_ignores_line_endings_and_bom_but_not_trailing_spaces() -> None:
    assert flyway_checksum("\ufeff" + COUPLE_SQL.replace("\n", "\r\n")) == COUPLE_CHECKSUM
    assert flyway_checksum(COUPLE_SQL.replace("\n", "\r")) == COUPLE_CHECKSUM
    assert flyway_checksum(COUPLE_SQL + "\n\n") == COUPLE_CHECKSUM  # empty lines add no bytes
    assert flyway_checksum(COUPLE_SQL.replace(" \n", "\n")) != COUPLE_CHECKSUM


def test_versions_order_numerically_and_trailing_zeros_are_equal() -> None:
    versions = [Version.parse(text) for text in ("1.10", "1.9", "1.2.3", "2", "1_1", "010")]
    assert [str(v) for v in sorted(versions)] == ["1.1", "1.2.3", "1.9", "1.10", "2", "010"]
    assert Version.parse("1.0") == Version.parse("1")
    assert str(Version.parse("1_1")) == "1.1"


def test_resolution_names_types_scripts_and_order() -> None:
    files = {
        "flyway.toml": "",
        "db/V1_10__ten.sql": "select 10;",
        "db/V1_9__nine.sql": "select 9;",
        "db/sub/V2__Add_people.sql": "select 2;",
        "db/U2__Add_people.sql": "select -2;",
        "db/R__b_view.sql": "select 'b';",
        "db/R__a_view.sql": "select 'a';",
        "db/B1_9__base.sql": "select 'base';",
        "db/notes.txt": "ignored",
        "db/V3__x.sql.conf": "executeInTransaction=false",
        "db/V3__x.sql": "select 3;",
        "db/beforeMigrate.sql": "select 'callback';",
        "other/V9__elsewhere.sql": "select 9;",
    }
    config = FlywayConfig().with_overrides(locations="filesystem:db")
    scripts = resolve_scripts(files, config)
    assert [(s.type, str(s.version) if s.version else None, s.description, s.script) for s in scripts] == [
        ("SQL", "1.9", "nine", "V1_9__nine.sql"),
        ("SQL_BASELINE", "1.9", "base", "B1_9__base.sql"),
        ("SQL", "1.10", "ten", "V1_10__ten.sql"),
        ("SQL", "2", "Add people", "sub/V2__Add_people.sql"),
        ("UNDO_SQL", "2", "Add people", "U2__Add_people.sql"),
        ("SQL", "3", "x", "V3__x.sql"),
        ("SQL", None, "a view", "R__a_view.sql"),
        ("SQL", None, "b view", "R__b_view.sql"),
    ]
    assert next(s for s in scripts if s.version == Version.parse("3")).execute_in_transaction is False


def test_duplicate_versions_are_refused() -> None:
    with pytest.raises(DuplicateMigration, match="Found more than one migration with version 1"):
        resolve_scripts({"V1__a.sql": "", "sub/V1.0__b.sql": ""}, FlywayConfig())


def test_placeholders_case_insensitive_custom_prefix_and_missing() -> None:
    assert replace_placeholders("create table ${Name} (${x});", {"name": "t", "X": "id int"}) == "create table t (id int);"
    assert replace_placeholders("select '#[who]'", {"who": "me"}, prefix="#[", suffix="]") == "select 'me'"
    with pytest.raises(PlaceholderMissing, match=r"No value provided for placeholder: \$\{nope\}"):
        replace_placeholders("select ${nope}", {})
    with pytest.raises(PlaceholderMissing, match="default placeholder"):
        replace_placeholders("select ${flyway:unknown}", {})


def test_repeatable_checksum_is_taken_after_placeholder_replacement() -> None:
    files = {"R__grants.sql": "grant select on t to ${role};", "V1__t.sql": "create table ${role}_t (id int);"}
    one = {s.description: s for s in resolve_scripts(files, FlywayConfig(), {"role": "reader"})}
    two = {s.description: s for s in resolve_scripts(files, FlywayConfig(), {"role": "writer"})}
    assert one["grants"].checksum != two["grants"].checksum  # a new value re-runs the repeatable
    assert one["grants"].equivalent_checksum == flyway_checksum(files["R__grants.sql"])
    assert one["t"].checksum == two["t"].checksum == flyway_checksum(files["V1__t.sql"])  # versioned: raw text


def test_toml_with_environment_overrides() -> None:
    config = parse_toml(
        '[environments.prod]\nurl = "jdbc:postgresql://db/app"\n[environments.prod.flyway]\noutOfOrder = true\n'
        '[flyway]\nenvironment = "prod"\nlocations = ["filesystem:sql", "classpath:db/migration"]\n'
        'table = "schema_history"\ntarget = "2.1?"\nbaselineVersion = "5"\nvalidateOnMigrate = false\nmixed = true\n'
        'placeholderPrefix = "#["\nplaceholderSuffix = "]"\n[flyway.placeholders]\nowner = "app"\n'
    )
    assert config.locations == ("sql", "db/migration")
    assert (config.table, config.out_of_order, config.validate_on_migrate, config.mixed) == (
        "schema_history", True, False, True)
    assert str(config.target) == "2.1" and not config.target.must_exist
    assert config.baseline_version == Version.parse("5")
    assert (config.placeholder_prefix, config.placeholder_suffix, config.placeholders) == ("#[", "]", {"owner": "app"})


def test_conf_properties_file() -> None:
    config = parse_conf(
        "# comment\nflyway.url=jdbc:mysql://db/app\nflyway.locations=filesystem:sql,filesystem:more\n"
        "flyway.placeholders.schema_name = shop\nflyway.outOfOrder=true\nflyway.target=3\n"
        "flyway.ignoreMigrationPatterns=*:missing,*:future\n"
    )
    assert config.locations == ("sql", "more")
    assert config.placeholders == {"schema_name": "shop"}
    assert config.out_of_order and str(config.target) == "3"
    assert [(p.migration_type, p.state) for p in config.ignore_migration_patterns] == [("*", "missing"), ("*", "future")]
