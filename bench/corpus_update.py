"""``update`` of the largest real corpus on PostgreSQL: schemashift vs Liquibase 4.28, same run.

    python -m bench.corpus_update [--case hyades-postgresql] [--repeat 3]

The corpus is read in place (see ``tests/engine/corpora.py`` for where it is found and how each
project runs: root changelog, contexts, ``-D`` parameters). Each contender updates a fresh, empty
PostgreSQL database (``SCHEMASHIFT_BENCH_POSTGRES_URL`` or ``SCHEMASHIFT_TEST_POSTGRES_URL``) in
its own child process, interleaved, ``--repeat`` times; the median wall time (start to exit) and
the child's peak RSS are shown (the JVM's, for Liquibase, with its default settings). Both must
leave the same number of DATABASECHANGELOG rows. Prints one table; the databases are dropped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.changelog_update import LIQUIBASE, ROOT, Database, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="hyades-postgresql", help="corpus case id (tests/engine/corpora.py)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from tests.engine.corpora import CASES, corpora_root

    case = next(item for item in CASES if item.id == args.case)
    root = corpora_root()
    if root is None:
        raise SystemExit("the corpora are not on this machine (shared/corpora/liquibase-real or SCHEMASHIFT_CORPORA)")
    search_path = root / case.folder
    if args.phase == "schemashift":
        from tests.engine.corpora import schemashift

        schemashift("update", case, args.url, search_path)
        return
    base = os.environ.get("SCHEMASHIFT_BENCH_POSTGRES_URL") or os.environ.get("SCHEMASHIFT_TEST_POSTGRES_URL")
    if not base or case.kind != "postgresql":
        raise SystemExit("set SCHEMASHIFT_BENCH_POSTGRES_URL (or SCHEMASHIFT_TEST_POSTGRES_URL); PostgreSQL cases only")
    workdir = Path(tempfile.mkdtemp(prefix="schemashift-corpus-bench-"))
    database = Database("postgresql", workdir, base)
    times: dict[str, list[float]] = {"schemashift": [], "Liquibase 4.28": []}
    memory: dict[str, list[float]] = {name: [] for name in times}
    rows: dict[str, set[int]] = {name: set() for name in times}
    try:
        for _ in range(args.repeat):
            url = database.fresh()
            seconds, rss = measure([sys.executable, "-m", "bench.corpus_update", "--case", case.id,
                                    "--phase", "schemashift", "--url", url], ROOT)
            times["schemashift"].append(seconds)
            memory["schemashift"].append(rss)
            rows["schemashift"].add(database.rows(url))
            url = database.fresh()
            command = [str(LIQUIBASE), "--show-banner=false", *database.jdbc(url), f"--search-path={search_path}",
                       f"--changelog-file={case.root}", "update"]
            command += [f"--contexts={case.contexts}"] if case.contexts else []
            command += [f"-D{name}={value}" for name, value in case.parameters_for(url).items()]
            seconds, rss = measure(command, search_path)
            times["Liquibase 4.28"].append(seconds)
            memory["Liquibase 4.28"].append(rss)
            rows["Liquibase 4.28"].add(database.rows(url))
    finally:
        database.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    if rows["schemashift"] != rows["Liquibase 4.28"] or len(rows["schemashift"]) != 1:
        raise SystemExit(f"the contenders disagree on DATABASECHANGELOG rows: {rows}")
    ss, lb = statistics.median(times["schemashift"]), statistics.median(times["Liquibase 4.28"])
    print(f"update of {case.id} ({rows['schemashift'].pop()} changesets), median of {args.repeat}:\n")
    print("| contender | wall time | peak RSS |")
    print("|---|---:|---:|")
    for name in times:
        print(f"| {name} | {statistics.median(times[name]):.2f} s | {max(memory[name]):.0f} MB |")
    print(f"\nLiquibase / schemashift: **{lb / ss:.1f}x**")


if __name__ == "__main__":
    main()
