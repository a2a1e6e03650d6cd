"""Changelog parsers under fuzzing (hypothesis, bounded): formatted SQL, YAML, JSON and XML made of
Liquibase's own vocabulary mixed with noise. Parsing (and the checksums registration computes)
either succeeds or raises the documented ``ChangelogError``; never any other exception.
``SCHEMASHIFT_FUZZ_EXAMPLES`` raises the budget (default 150 documents per format)."""

from __future__ import annotations

import json
import os
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog

EXAMPLES = int(os.environ.get("SCHEMASHIFT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

WORDS = st.sampled_from([
    "databaseChangeLog", "changeSet", "id", "author", "changes", "createTable", "tableName", "columns", "column",
    "name", "type", "constraints", "primaryKey", "nullable", "addColumn", "dropTable", "sql", "rollback",
    "preConditions", "onFail", "HALT", "MARK_RAN", "CONTINUE", "WARN", "tableExists", "sqlCheck", "expectedResult",
    "include", "includeAll", "file", "path", "relativeToChangelogFile", "context", "contextFilter", "labels",
    "runOnChange", "runAlways", "failOnError", "dbms", "property", "value", "validCheckSum", "ANY", "tagDatabase",
    "tag", "loadData", "insert", "valueNumeric", "valueBoolean", "defaultValue", "remarks", "splitStatements",
    "endDelimiter", "stripComments", "modifySql", "replace", "runInTransaction", "ignore", "created",
    "createIndex", "indexName", "unique", "renameColumn", "oldColumnName", "newColumnName", "executeCommand",
    "${p}", "${missing}", "!!python/object", "&a", "*a", "0", "1", "-1", "true", "null", "", "a:b", "INT",
    "VARCHAR(50)", "SELECT 1", "postgresql", "mysql", "sqlite", "!all", "x and (y or !z)", "((((",
])
TEXT = st.one_of(WORDS, st.text(max_size=20))
SCALARS = st.one_of(TEXT, st.integers(-10**20, 10**20), st.booleans(), st.none(), st.floats(allow_nan=True))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=30)


NAMES = st.one_of(st.sampled_from(["1", "2", "a", "t", "id"]), SCALARS)
COLUMN = st.fixed_dictionaries({"name": NAMES, "type": st.one_of(st.sampled_from(["INT", "VARCHAR(20)"]), TEXT)},
                               optional={"constraints": TREES, "defaultValue": SCALARS})
CHANGES = st.one_of(
    st.builds(lambda t, c: {"createTable": {"tableName": t, "columns": [{"column": x} for x in c]}},
              NAMES, st.lists(COLUMN, max_size=3)),
    st.builds(lambda t, c: {"addColumn": {"tableName": t, "columns": [{"column": c}]}}, NAMES, COLUMN),
    st.builds(lambda q: {"sql": {"sql": q}}, st.one_of(st.sampled_from(["SELECT 1", "SELECT ${p}"]), TEXT)),
    st.builds(lambda t, rest: {"dropTable": {"tableName": t, **rest}}, NAMES, st.dictionaries(WORDS, TREES, max_size=2)),
    st.dictionaries(WORDS, TREES, max_size=2),
)


def _changelog_tree() -> st.SearchStrategy[Any]:
    """Mostly-shaped documents: a changelog of changesets whose parts are random trees."""
    changeset = st.fixed_dictionaries({"id": NAMES, "author": NAMES}, optional={
        "changes": st.lists(CHANGES, max_size=3),
        "rollback": TREES, "preConditions": TREES, "context": SCALARS, "labels": SCALARS, "dbms": SCALARS,
        "runOnChange": SCALARS, "validCheckSum": SCALARS})
    entry = st.one_of(st.builds(lambda c: {"changeSet": c}, changeset),
                      st.dictionaries(WORDS, TREES, max_size=2), TREES)
    return st.one_of(st.builds(lambda items: {"databaseChangeLog": items}, st.lists(entry, max_size=4)), TREES)


def _parse(name: str, text: str, extra: dict[str, str] | None = None) -> None:
    try:
        changelog = parse_changelog(name, BundleAccessor({name: text, **(extra or {})}))
        for changeset in changelog.changesets:
            changeset.checksum()
    except ChangelogError:
        pass


INCLUDED = {"other.sql": "-- liquibase formatted sql\n-- changeset x:1\nSELECT 1;\n",
            "dir/c.yaml": "databaseChangeLog: []\n"}


@FUZZ
@given(document=_changelog_tree())
def test_yaml_changelogs(document: Any) -> None:
    _parse("c.yaml", yaml.safe_dump(document, allow_unicode=True), INCLUDED)


@FUZZ
@given(document=_changelog_tree())
def test_json_changelogs(document: Any) -> None:
    _parse("c.json", json.dumps(document), INCLUDED)


@FUZZ
@given(text=st.text(max_size=300))
def test_yaml_and_json_noise(text: str) -> None:
    _parse("c.yaml", text)
    _parse("c.json", text)
    _parse("c.yaml", "databaseChangeLog:\n" + text)


def _xml_element(depth: int = 0) -> st.SearchStrategy[str]:
    attributes = st.dictionaries(WORDS.filter(lambda w: w.isidentifier()), TEXT, max_size=3)
    children = st.lists(st.deferred(lambda: _xml_element(depth + 1)), max_size=3) if depth < 4 else st.just([])
    return st.builds(
        lambda tag, attrs, kids, text: f"<{tag}{''.join(f' {k}={quoteattr(v)}' for k, v in attrs.items())}>"
                                       f"{escape(text)}{''.join(kids)}</{tag}>",
        WORDS.filter(lambda w: w.isidentifier()), attributes, children, TEXT)


def _xml_changeset() -> st.SearchStrategy[str]:
    column = st.builds(lambda n, t: f"<column name={quoteattr(n)} type={quoteattr(t)}/>", NAMES.map(str), TEXT)
    change = st.one_of(
        st.builds(lambda t, cols: f"<createTable tableName={quoteattr(t)}>{''.join(cols)}</createTable>",
                  NAMES.map(str), st.lists(column, max_size=3)),
        st.builds(lambda q: f"<sql>{escape(q)}</sql>", TEXT), _xml_element(2))
    return st.builds(lambda i, a, attrs, changes: f"<changeSet id={quoteattr(i)} author={quoteattr(a)}"
                                                  f"{''.join(f' {k}={quoteattr(v)}' for k, v in attrs.items())}>"
                                                  f"{''.join(changes)}</changeSet>",
                     NAMES.map(str), NAMES.map(str), st.dictionaries(WORDS.filter(str.isidentifier), TEXT, max_size=2),
                     st.lists(change, max_size=3))


@FUZZ
@given(body=st.lists(st.one_of(_xml_changeset(), _xml_element()), max_size=4), noise=st.text(max_size=40))
def test_xml_changelogs(body: list[str], noise: str) -> None:
    root = '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">'
    _parse("c.xml", f'<?xml version="1.0"?>{root}{"".join(body)}</databaseChangeLog>', INCLUDED)
    _parse("c.xml", f"{root}{noise}{''.join(body)}</databaseChangeLog>")
    _parse("c.xml", noise)


SQL_LINES = st.one_of(
    st.sampled_from([
        "-- liquibase formatted sql", "-- changeset a:1", "-- changeset a:1 runOnChange:true context:dev",
        "--changeset b:2 labels:x dbms:postgresql,!sqlite endDelimiter:GO splitStatements:false",
        "-- changeset a:1 context:((((", "-- changeset :", "-- changeset a:", "--rollback DROP TABLE t;",
        "--rollback not required", "--precondition-table-exists table:t", "--preconditions onFail:MARK_RAN",
        "--precondition-sql-check expectedResult:0 SELECT COUNT(*) FROM t", "--comment: hello",
        "--validCheckSum: ANY", "--property name:p value:1", "--property name:p", "--include file:other.sql",
        "--include file:../../etc/passwd", "--include file:missing.sql", "--includeAll path:dir/",
        "CREATE TABLE t (id INT);", "SELECT ${p};", "GO", "/", "/* open comment", "*/", "'unterminated",
        "$$ body $$", "--ignoreLines:2", "--ignoreLines:start", "--ignoreLines:end", "",
    ]),
    st.builds(lambda w, t: f"-- changeset {w}:{t} {w}:{t}", WORDS, TEXT),
    st.text(max_size=40),
)


@FUZZ
@given(lines=st.lists(SQL_LINES, max_size=25))
def test_formatted_sql_changelogs(lines: list[str]) -> None:
    _parse("c.sql", "\n".join(lines), INCLUDED)
    _parse("c.sql", "-- liquibase formatted sql\n" + "\n".join(lines), INCLUDED)
