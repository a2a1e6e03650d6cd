"""Lint of 1,000 changesets per dialect, against baselines measured in the same run.

    python -m bench lint [CHANGESETS]

The changelog mixes what real changelogs hold (a createTable every tenth changeset, then addColumn,
createIndex, addForeignKeyConstraint, a raw UPDATE, modifyDataType, addNotNullConstraint, insert,
renameColumn, dropColumn). Measured in one warm process, median of 5:

- ``lint``: what ``lint_changelog`` does: the engine generates each changeset's SQL for the dialect,
  the dialect's parser reads every statement, every rule runs;
- ``generate``: the engine's statement generation alone (the part lint cannot skip);
- ``parse``: the bare parser (pglast / sqlglot) over the same statements, no rules.

The goal is lint < 1 s for 1,000 changesets; ``lint / (generate + parse)`` is the rules' overhead.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

RUNS = 5


def changelog_text(count: int) -> str:
    lines = ["databaseChangeLog:"]
    tables: list[str] = []
    for i in range(count):
        kind = i % 10
        lines += ["  - changeSet:", f"      id: '{i}'", "      author: bench", "      changes:"]
        if kind == 0 or not tables:
            table = f"t{i}"
            tables.append(table)
            lines += [
                "        - createTable:", f"            tableName: {table}", "            columns:",
                "              - column: {name: id, type: bigint, autoIncrement: true, constraints: {primaryKey: true}}",
                "              - column: {name: name, type: 'varchar(100)', constraints: {nullable: false}}",
                "              - column: {name: created, type: timestamp, defaultValueComputed: CURRENT_TIMESTAMP}",
                "              - column: {name: amount, type: 'decimal(10,2)'}",
                "              - column: {name: note, type: text}",
            ]
            continue
        table = tables[-1]
        lines += {
            1: [f"        - addColumn: {{tableName: {table}, columns: [{{column: {{name: c{i}, type: int}}}}]}}"],
            2: [f"        - createIndex: {{tableName: {table}, indexName: ix{i}, columns: [{{column: {{name: name}}}}]}}"],
            3: [f"        - addForeignKeyConstraint: {{baseTableName: {table}, baseColumnNames: id, "
                f"referencedTableName: {tables[0]}, referencedColumnNames: id, constraintName: fk{i}}}"],
            4: [f"        - sql: {{sql: \"UPDATE {table} SET note = 'x' WHERE id > 10\"}}"],
            5: [f"        - modifyDataType: {{tableName: {table}, columnName: name, newDataType: 'varchar(200)'}}"],
            6: [f"        - addNotNullConstraint: {{tableName: {table}, columnName: amount, "
                "columnDataType: 'decimal(10,2)', defaultNullValue: '0'}"],
            7: [f"        - insert: {{tableName: {table}, columns: [{{column: {{name: name, value: n{i}}}}}]}}"],
            8: [f"        - renameColumn: {{tableName: {table}, oldColumnName: note, newColumnName: note{i}, "
                "columnDataType: text}"],
            9: [f"        - dropColumn: {{tableName: {table}, columnName: c{i - 8}}}"],
        }[kind]
    return "\n".join(lines) + "\n"


def bare_parse(sql: str, dialect: str) -> object:
    """The parser alone, as the lint calls it (pglast's JSON tree; sqlglot's expression tree)."""
    if dialect == "postgresql":
        from pglast import parser

        try:
            return parser.parse_sql_json(sql)
        except parser.ParseError:
            return None
    import sqlglot

    try:
        return sqlglot.parse(sql, read="sqlite" if dialect == "sqlite" else "mysql")
    except sqlglot.errors.ParseError:
        return None


def median_seconds(action: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds, medians of RUNS after a warm-up (imports, dialect objects).

    CPU time is this process's own: on a loaded machine it is what the wall time would be alone."""
    action()
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    started = time.perf_counter()
    from schemashift.changelog import BundleAccessor, parse_changelog
    from schemashift.safety.lint import lint_changelog
    from schemashift.safety.units import units_from_changelog

    changelog = parse_changelog("bench.yaml", BundleAccessor({"bench.yaml": changelog_text(count)}))
    print(f"{count} changesets (imports + parse {time.perf_counter() - started:.2f} s)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; seconds are wall (CPU)")
    print(f"{'dialect':<11} {'statements':>10} {'findings':>9} {'lint':>15} {'generate':>15} {'parse':>15} "
          f"{'lint/(gen+parse)':>17} {'goal: lint CPU < 1 s':>21}")
    for dialect in ("postgresql", "mysql", "mariadb", "sqlite"):
        statements = [sql for unit in units_from_changelog(changelog, dialect) for sql in unit.statements]
        report = lint_changelog(changelog, dialect)
        lint = median_seconds(lambda d=dialect: lint_changelog(changelog, d))
        generate = median_seconds(lambda d=dialect: units_from_changelog(changelog, d))
        parse = median_seconds(lambda d=dialect, s=statements: [bare_parse(sql, d) for sql in s])
        verdict = "met" if lint[1] < 1.0 else "NOT met"
        print(f"{dialect:<11} {len(statements):>10} {len(report.findings):>9} {_pair(lint):>15} {_pair(generate):>15} "
              f"{_pair(parse):>15} {lint[1] / (generate[1] + parse[1]):>17.2f} {verdict:>21}")


def _pair(seconds: tuple[float, float]) -> str:
    return f"{seconds[0]:.3f} ({seconds[1]:.3f})"


if __name__ == "__main__":
    main()
