"""Real public changelogs: real Liquibase 4.28 and schemashift must leave the same databases.

One test per project x database (see ``tests/engine/corpora.py`` for what each does); each is
independent, so ``-n 2`` runs them side by side. Slow (the whole set takes a few minutes, most
of it Liquibase's JVM): marked ``corpora``, deselect with ``-m 'not corpora'``.

Where schemashift still stops on an element it does not support yet, the test is an xfail whose
reason is schemashift's exact error (``KNOWN_STOPS``); a stop that is not listed fails, and a
listed stop that no longer happens simply lets the comparisons run. ``KNOWN_DIFFERENCES`` are
deliberate differences of a whole aspect, each with its reason; ``DELIBERATE_COLUMNS``
(``tests/engine/corpora.py``) are single columns left out of the comparison, each with its reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.engine.corpora import (
    CASES,
    Case,
    corpora_root,
    crossover_clean,
    differences,
    rollback_differences,
    run_case,
    same_stop,
    without_deliberate,
)
from tests.support.liquibase import liquibase_binary

pytestmark = [pytest.mark.liquibase, pytest.mark.corpora]

KNOWN_STOPS: dict[str, str] = {}
"""Case -> part of the error schemashift stops with today (remove an entry once it runs)."""

KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}
"""(case, aspect) -> why schemashift deliberately differs there."""


def _params() -> list[object]:
    marks = {"postgresql": pytest.mark.postgres, "mysql": pytest.mark.mysql, "sqlite": ()}
    return [pytest.param(case, id=case.id, marks=marks[case.kind]) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_corpus_runs_like_liquibase(case: Case, tmp_path: Path) -> None:
    if corpora_root() is None:
        message = "the real corpora (shared/corpora/liquibase-real or SCHEMASHIFT_CORPORA) are not on this machine"
        if os.environ.get("SCHEMASHIFT_REQUIRE_CORPORA") == "1":
            pytest.fail(f"{message}, but SCHEMASHIFT_REQUIRE_CORPORA=1 requires the corpus runs")
        pytest.skip(message)
    outcome = run_case(case, liquibase_binary(), tmp_path)
    assert outcome.lb is not None and outcome.ss is not None
    without_deliberate(outcome)  # DELIBERATE_COLUMNS: compared everywhere else
    if outcome.ss_stop is not None:
        same = outcome.lb_stop is not None and same_stop(outcome.lb_stop, outcome.ss_stop)
        known = KNOWN_STOPS.get(case.id)
        if known and known in outcome.ss_stop and not same:
            pytest.xfail(f"schemashift stops: {outcome.ss_stop}")
        if not same:
            pytest.fail(f"{case.id}: schemashift stops where Liquibase does not: {outcome.ss_stop}\n"
                        f"(Liquibase: {outcome.lb_stop or 'ran to the end'})")
    found = differences(outcome.lb, outcome.ss)
    if outcome.crossover:
        found["crossover"] = [] if crossover_clean(outcome) else [
            text[-1500:] for _, text in outcome.crossover.values()
        ]
    if outcome.rollback:
        found["rollback"] = rollback_differences(outcome)
    failing = {aspect: items for aspect, items in found.items() if items and (case.id, aspect) not in KNOWN_DIFFERENCES}
    assert not failing, f"{case.id} differs from Liquibase:\n" + "\n".join(
        f"  {aspect}: {item}" for aspect, items in failing.items() for item in items[:10]
    )
    known = [KNOWN_DIFFERENCES[(case.id, aspect)] for aspect, items in found.items() if items]
    if known:
        pytest.xfail("; ".join(known))

