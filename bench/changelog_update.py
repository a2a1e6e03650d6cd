"""``update`` of a generated formatted-SQL changelog: schemashift vs Liquibase 4.28 vs the raw driver.

    python -m bench.changelog_update [--changesets 500] [--repeat 1]

For SQLite (always) and PostgreSQL (when ``SCHEMASHIFT_BENCH_POSTGRES_URL`` or
``SCHEMASHIFT_TEST_POSTGRES_URL`` is set), each contender updates a fresh, empty database in
its own child process; the time is that process's wall time, start to exit, and the peak RSS
its own (the JVM's, for Liquibase). Contenders:

* schemashift: parse the changelog, lock, create the tracking tables, validate, run every
  changeset in its own transaction with its DATABASECHANGELOG row, unlock;
* raw driver: the same statements (split beforehand, outside the timing) sent with
  sqlite3 / psycopg2, one transaction per changeset, no tracking tables: the floor;
* Liquibase: ``liquibase update`` with its default JVM settings (column blank if not installed).

Prints one table; writes nothing else (its temporary files and databases are removed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = "changelog.sql"
LIQUIBASE = Path(
    os.environ.get("SCHEMASHIFT_LIQUIBASE")
    or ROOT / "tools/liquibase/node_modules/liquibase/dist/liquibase/liquibase"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changesets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the median is shown")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.url, args.workdir)
        return
    workdir = Path(tempfile.mkdtemp(prefix="schemashift-bench-"))
    try:
        print_table(run_all(workdir, args.changesets, args.repeat), args.changesets)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# -- the changelog ---------------------------------------------------------------------------


def write_changelog(workdir: Path, changesets: int) -> None:
    """A changelog in four repeating shapes: create table, multi-row insert, create index, add column."""
    parts = ["--liquibase formatted sql\n"]
    for number in range(changesets):
        table = f"item_{number // 4}"
        shape = number % 4
        if shape == 0:
            body = (f"create table {table} (id int primary key, name varchar(100) not null, qty int default 0, "
                    f"created timestamp);")
            undo = f"drop table {table};"
        elif shape == 1:
            body = f"insert into {table} (id, name, qty) values (1, 'a', 1), (2, 'b', 2), (3, 'c''s', 3);"
            undo = f"delete from {table};"
        elif shape == 2:
            body = f"create index ix_{table}_name on {table} (name);"
            undo = f"drop index ix_{table}_name;"
        else:
            body = f"alter table {table} add column note varchar(200);"
            undo = f"alter table {table} drop column note;"
        parts.append(f"\n--changeset bench:{number + 1}\n{body}\n--rollback {undo}\n")
    (workdir / CHANGELOG).write_text("".join(parts))


def write_statements(workdir: Path, dialect: str) -> None:
    """The split statements per changeset, for the raw-driver contender (prepared outside the timing)."""
    from schemashift.changelog import FileSystemAccessor, parse_changelog

    changelog = parse_changelog(CHANGELOG, FileSystemAccessor([str(workdir)]), dialect=dialect)  # type: ignore[arg-type]
    batches = [
        [sql for change in changeset.changes for sql in change.generate_statements(dialect)]  # type: ignore[arg-type]
        for changeset in changelog.changesets
    ]
    (workdir / f"statements-{dialect}.json").write_text(json.dumps(batches))


# -- contenders (each runs in its own child process) -----------------------------------------


def run_phase(phase: str, url: str, workdir: Path) -> None:
    if phase == "schemashift":
        from schemashift.changelog import FileSystemAccessor, parse_changelog
        from schemashift.engine import update
        from schemashift.targets import open_target

        with open_target(url) as target:
            changelog = parse_changelog(CHANGELOG, FileSystemAccessor([str(workdir)]), dialect=target.dialect)
            update(target, changelog)
    elif phase == "raw":
        run_raw(url, workdir)
    else:
        raise SystemExit(f"unknown phase {phase}")


def run_raw(url: str, workdir: Path) -> None:
    if url.startswith("sqlite"):
        import sqlite3

        batches = json.loads((workdir / "statements-sqlite.json").read_text())
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for batch in batches:
            connection.execute("BEGIN")
            for sql in batch:
                connection.execute(sql)
            connection.execute("COMMIT")
        connection.close()
        return
    import psycopg2

    batches = json.loads((workdir / "statements-postgresql.json").read_text())
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    with connection.cursor() as cursor:
        for batch in batches:
            for sql in batch:
                cursor.execute(sql)
            connection.commit()
    connection.close()


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the child and its descendants) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{output.decode(errors='replace')[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


# -- databases -------------------------------------------------------------------------------


class Database:
    """Fresh databases of one kind, and the URLs each contender needs."""

    def __init__(self, kind: str, workdir: Path, base_url: str | None = None) -> None:
        self.kind = kind
        self.workdir = workdir
        self.base_url = base_url
        self._created: list[str] = []

    def fresh(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        self._admin(f"CREATE DATABASE {name}")
        self._created.append(name)
        from sqlalchemy.engine import make_url

        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def jdbc(self, url: str) -> list[str]:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if self.kind == "sqlite":
            return [f"--url=jdbc:sqlite:{parsed.database}"]
        credentials = [f"--username={parsed.username}"] if parsed.username else []
        credentials += [f"--password={parsed.password}"] if parsed.password else []
        return [f"--url=jdbc:postgresql://{parsed.host}:{parsed.port or 5432}/{parsed.database}", *credentials]

    def rows(self, url: str) -> int:
        from schemashift.targets import open_target

        with open_target(url) as target:
            return int(str(target.query_scalar("SELECT COUNT(*) FROM DATABASECHANGELOG")))

    def drop_all(self) -> None:
        for name in self._created:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str) -> None:
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.base_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
        engine.dispose()


def commands(database: Database, workdir: Path) -> dict[str, Callable[[str], list[str]]]:
    """How to launch each contender against a database URL."""
    python = [sys.executable, "-m", "bench.changelog_update", "--workdir", str(workdir)]
    launchers: dict[str, Callable[[str], list[str]]] = {
        "schemashift": lambda url: [*python, "--phase", "schemashift", "--url", url],
        "raw": lambda url: [*python, "--phase", "raw", "--url", url],
    }
    if LIQUIBASE.is_file():
        launchers["liquibase"] = lambda url: [
            str(LIQUIBASE), "--show-banner=false", f"--search-path={workdir}", f"--changelog-file={CHANGELOG}",
            *database.jdbc(url), "update",
        ]
    return launchers


def run_all(workdir: Path, changesets: int, repeat: int) -> list[dict[str, Any]]:
    write_changelog(workdir, changesets)
    kinds = [Database("sqlite", workdir)]
    postgres = os.environ.get("SCHEMASHIFT_BENCH_POSTGRES_URL") or os.environ.get("SCHEMASHIFT_TEST_POSTGRES_URL")
    if postgres:
        kinds.append(Database("postgresql", workdir, postgres))
    table = []
    for database in kinds:
        write_statements(workdir, database.kind)
        contenders = commands(database, workdir)
        try:
            row: dict[str, Any] = {"database": database.kind}
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
            for _ in range(repeat):  # interleaved, so drifting machine load hits every contender alike
                for name, command in contenders.items():
                    url = database.fresh()
                    samples[name].append(measure(command(url), ROOT))
                    if name != "raw" and database.rows(url) != changesets:
                        raise RuntimeError(f"{name} did not record {changesets} changesets")
            for name, runs in samples.items():
                row[name] = statistics.median(seconds for seconds, _ in runs)
                row[f"{name}_rss"] = max(rss for _, rss in runs)
            table.append(row)
        finally:
            database.drop_all()
    return table


def print_table(table: list[dict[str, Any]], changesets: int) -> None:
    print(f"update of {changesets} formatted-SQL changesets into an empty database (wall s, peak RSS MB)")
    header = (f"{'database':<11} {'schemashift':>11} {'raw driver':>10} {'liquibase':>9}  "
              f"{'ss/raw':>6} {'lb/ss':>6}  {'RSS ss':>6} {'RSS raw':>7} {'RSS lb':>6}")
    print(header)
    print("-" * len(header))
    for row in table:
        ours, raw, lb = row["schemashift"], row["raw"], row.get("liquibase")
        lb_time = f"{lb:.2f}" if lb else "-"
        speedup = f"{lb / ours:.2f}x" if lb else "-"
        lb_rss = f"{row['liquibase_rss']:.0f}" if lb else "-"
        print(
            f"{row['database']:<11} {ours:>11.2f} {raw:>10.2f} {lb_time:>9}  {ours / raw:>5.2f}x {speedup:>6}  "
            f"{row['schemashift_rss']:>6.0f} {row['raw_rss']:>7.0f} {lb_rss:>6}"
        )

if __name__ == "__main__":
    main()
