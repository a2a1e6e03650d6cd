"""Hostile changelog documents are refused quickly with a message, never expanded or recursed into."""

from __future__ import annotations

import time

import pytest
from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog


def _parse(name: str, text: str) -> None:
    parse_changelog(name, BundleAccessor({name: text}))


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    bomb = "databaseChangeLog:\n- a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"- a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]\n" for i in range(1, 9))
    assert len(bomb) < 1000
    started = time.perf_counter()
    with pytest.raises(ChangelogError, match="aliases"):
        _parse("c.yaml", bomb)
    assert time.perf_counter() - started < 2


def test_a_few_aliases_still_work() -> None:
    text = ("databaseChangeLog:\n- changeSet:\n    id: '1'\n    author: a\n    changes:\n"
            "    - sql: &s {sql: SELECT 1}\n- changeSet:\n    id: '2'\n    author: a\n    changes:\n    - sql: *s\n")
    parse_changelog("c.yaml", BundleAccessor({"c.yaml": text}))


@pytest.mark.parametrize("name, text", [
    ("c.yaml", "databaseChangeLog: " + "[" * 5000 + "]" * 5000),
    ("c.yaml", "databaseChangeLog:\n" + "".join("  " * i + "- a:\n" for i in range(300))),
    ("c.json", '{"databaseChangeLog": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("c.json", '{"databaseChangeLog": ' + "[" * 200 + "]" * 200 + "}"),
    ("c.xml", "<databaseChangeLog>" + "<a>" * 5000 + "</a>" * 5000 + "</databaseChangeLog>"),
])
def test_deep_documents_are_refused(name: str, text: str) -> None:
    with pytest.raises(ChangelogError, match=r"nested|deep"):
        _parse(name, text)


def test_xml_entity_declarations_are_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
            + "]><databaseChangeLog>&i;</databaseChangeLog>")
    started = time.perf_counter()
    with pytest.raises(ChangelogError, match="entity"):
        _parse("c.xml", bomb)
    assert time.perf_counter() - started < 1
