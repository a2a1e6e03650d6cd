"""The real-corpora table of docs/engine.md: schemashift vs Liquibase 4.28, case by case, one run.

    python -m bench.liquibase_corpora [--case jhipster-postgresql ...] [--jobs 2] [--details]

Needs the corpora (``shared/corpora/liquibase-real`` above the repository, or
``SCHEMASHIFT_CORPORA``), Liquibase (``SCHEMASHIFT_LIQUIBASE``) and the test databases
(``SCHEMASHIFT_TEST_POSTGRES_URL``, ``SCHEMASHIFT_TEST_MYSQL_URL``). Each case runs the harness of
``tests/engine/corpora.py`` (two fresh databases, ``update`` by each tool, snapshots, Liquibase
``status``/``validate`` on schemashift's database, ``rollback-count`` by each on its own) in its own
child process, ``--jobs`` at a time. "both refuse at X": each tool's ``rollback-count`` stopped at
changeset X, which has no rollback (Liquibase after rolling back the newer ones, schemashift
before touching anything). Update times are wall times of the same run: Liquibase's
includes its JVM start; schemashift's includes parsing the changelog. Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="case id (e.g. camunda-postgresql); all when omitted")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--details", action="store_true", help="print the first differences of each case")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    from tests.engine.corpora import CASES

    wanted = args.case or [case.id for case in CASES]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_child, wanted))
    print_table(results, details=args.details)


def _child(case_id: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.liquibase_corpora", "--one", case_id], cwd=ROOT, capture_output=True,
        text=True, check=False,
    )
    if completed.returncode != 0:
        return {"case": case_id, "error": (completed.stdout + completed.stderr)[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_one(case_id: str) -> dict[str, Any]:
    """One case in this process, summarised as JSON-able numbers."""
    from tests.engine.corpora import (
        CASES,
        crossover_clean,
        differences,
        identical_rows,
        rollback_differences,
        rollback_refused_alike,
        run_case,
        same_stop,
        without_deliberate,
    )
    from tests.support.liquibase import liquibase_binary

    case = next(item for item in CASES if item.id == case_id)
    with tempfile.TemporaryDirectory(prefix="schemashift-corpus-") as workdir:
        outcome = run_case(case, liquibase_binary(), Path(workdir))
    assert outcome.lb is not None and outcome.ss is not None
    without_deliberate(outcome)
    found = differences(outcome.lb, outcome.ss)
    summary: dict[str, Any] = {
        "case": case_id, "rows": identical_rows(outcome.lb, outcome.ss), "total": len(outcome.lb.rows),
        "ss_rows": len(outcome.ss.rows), "schema": not found["schema"], "data": not found["data"],
        "lb_seconds": outcome.lb_seconds, "ss_seconds": outcome.ss_seconds, "stop": outcome.ss_stop, "lb_stop": outcome.lb_stop,
        "differences": {key: value[:8] for key, value in found.items()},
    }
    if outcome.lb_stop and outcome.ss_stop and same_stop(outcome.lb_stop, outcome.ss_stop):
        summary["both_stop_at"] = outcome.lb_stop.split("Migration failed for changeset ", 1)[-1].split("::")[1]
    if outcome.crossover:
        summary["crossover"] = crossover_clean(outcome)
        if not summary["crossover"]:
            summary["crossover_output"] = [text[-1500:] for _, text in outcome.crossover.values()]
    if outcome.rollback:
        rolled = rollback_differences(outcome)
        refused = rollback_refused_alike(outcome)
        summary["rollback"] = f"both refuse at {refused.split('::')[1]}" if refused else not rolled
        summary["rollback_differences"] = rolled[:8]
    return summary


def print_table(results: list[dict[str, Any]], *, details: bool) -> None:
    print("| corpus | database | rows identical | schema | data | crossover clean | rollback equal "
          "| update schemashift | update Liquibase |")
    print("|---|---|---|---|---|---|---|---|---|")
    for result in results:
        name, _, kind = result["case"].rpartition("-")
        if "error" in result:
            print(f"| {name} | {kind} | harness error | | | | | | |")
            continue
        stop = f" (schemashift stops: {_one_line(result['stop'])})" if result["stop"] else ""
        if result["lb_stop"]:
            stop += f" (Liquibase stops: {_one_line(result['lb_stop'])})"
        if result.get("both_stop_at"):
            stop = f" (both stop at `{result['both_stop_at']}`)"
        print(
            f"| {name} | {kind} | {result['rows']}/{result['total']}{stop} | {_yes(result['schema'])} "
            f"| {_yes(result['data'])} | {_yes(result.get('crossover'))} | {_yes(result.get('rollback'))} "
            f"| {result['ss_seconds']:.1f} s | {result['lb_seconds']:.1f} s |"
        )
    if details:
        for result in results:
            print(f"\n## {result['case']}\n")
            print(json.dumps({key: value for key, value in result.items() if key != "case"}, indent=1, default=str))


def _yes(value: bool | str | None) -> str:
    if isinstance(value, str):
        return value
    return "-" if value is None else ("yes" if value else "**no**")


def _one_line(text: str, limit: int = 140) -> str:
    line = " ".join(text.split()).replace("|", "\\|")
    return line if len(line) <= limit else line[:limit] + "…"


if __name__ == "__main__":
    main()
