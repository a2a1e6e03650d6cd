"""Run the benchmarks: ``python -m bench`` (all, default sizes) or ``python -m bench NAME [args]``.

Each benchmark prints ratios against a baseline measured in the same run; see docs/benchmarks.md.
"""

from __future__ import annotations

import runpy
import sys

BENCHMARKS = {
    "cold_start": "import time of every API handler in fresh interpreters",
    "changelog_parse": "parse + checksum a 500-changeset formatted-SQL changelog",
    "changelog_update": "update of 500 changesets: schemashift vs Liquibase vs the raw driver",
    "corpus_update": "update of the largest real corpus (hyades) on PostgreSQL: schemashift vs Liquibase",
    "liquibase_corpora": "the real corpora x databases vs Liquibase: rows, schema, data, crossover, rollback",
    "lint": "lint of 1,000 changesets per dialect vs the engine's SQL generation and the bare parsers",
    "migrationstate": "migrationstate pages on 2,000 changesets x 50 / 1,000 instances vs bare Queries",
    "deployments": "fleet apply vs maxConcurrency; one apply through the state machine vs the engine",
    "datasets_ingest": "ingest 1M rows / query 10M rows: domain vs raw Lance",
    "datasets_api": "the same through the API handlers vs direct Lance calls",
    "table_migrations": "migration operations on 10M rows: domain vs raw Lance vs a pyarrow rewrite",
    "table_migrations_e2e": "migrations through API + state machine vs the domain call",
    "load": "20 clients x 60 s on the local stack: reads, appends, apply and migration starts; lost writes",
    "local_stack": "apply through the local stack vs the engine; the cost of durable local state",
}


def main() -> None:
    names = sys.argv[1:2] or list(BENCHMARKS)
    if names[0] in ("-h", "--help") or any(n not in BENCHMARKS for n in names):
        for name, what in BENCHMARKS.items():
            print(f"  {name:<22} {what}")
        return
    for name in names:
        print(f"\n== bench.{name}: {BENCHMARKS[name]}", flush=True)
        sys.argv = [f"bench.{name}", *sys.argv[2:]]
        runpy.run_module(f"bench.{name}", run_name="__main__")


if __name__ == "__main__":
    main()
