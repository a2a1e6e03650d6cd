"""Small differential cases of what the real corpora showed schemashift doing differently from
Liquibase 4.28 (``changelogs/findings``): types, defaults, identity columns, valueSequenceCurrent, sqlCheck on a boolean, deferrable and repeated foreign keys, addColumn values
and remarks, a stray YAML list item, objectQuotingStrategy. Same harness as the corpora: Liquibase ``update`` on one
fresh database, schemashift on another; identical rows (checksums), schema and data, and
Liquibase ``status``/``validate`` clean on schemashift's database. Two Liquibase launches and
one ``rollback-count`` per database kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.corpora import Case, crossover_clean, differences, rollback_differences, run_case
from tests.support.liquibase import liquibase_binary

pytestmark = pytest.mark.liquibase

SOURCE = Path(__file__).parent / "changelogs" / "findings"
ROWS = {"postgresql": 12, "mysql": 9}


@pytest.mark.parametrize("kind", [
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
])
def test_findings_run_like_liquibase(kind: str, tmp_path: Path) -> None:
    case = Case("findings", "findings", "root.xml", kind)
    outcome = run_case(case, liquibase_binary(), tmp_path, search_path=SOURCE)
    assert outcome.lb is not None and outcome.ss is not None
    assert outcome.lb_stop is None, outcome.lb_stop
    assert outcome.ss_stop is None, outcome.ss_stop
    found = differences(outcome.lb, outcome.ss)
    assert not any(found.values()), "\n".join(f"{aspect}: {item}" for aspect, items in found.items() for item in items)
    assert len(outcome.ss.rows) == ROWS[kind]
    assert crossover_clean(outcome), outcome.crossover
    assert not rollback_differences(outcome)
    if kind == "postgresql":
        assert outcome.ss.data["tickets"] == [(5, 5)]
    serials = outcome.ss.data["serials"]
    assert [row[1:] for row in serials] == [("one", "new", __import__("datetime").date(2020, 1, 2), 3, None),
                                            ("two", "new", __import__("datetime").date(2020, 1, 2), 3, None)]
