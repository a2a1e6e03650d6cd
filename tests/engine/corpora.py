"""Real public changelogs run by real Liquibase 4.28 and by schemashift, side by side.

The corpora are read in place from ``shared/corpora/liquibase-real`` (found by walking up from
the repository, or ``SCHEMASHIFT_CORPORA``); they are never copied into the repository. Each
case is one project x database as the corpora README says it runs (root changelog, contexts,
``-D`` parameters). :func:`run_case` does, on two fresh databases:

1. Liquibase ``update`` on one and schemashift ``update`` on the other (each timed);
2. snapshots of both: DATABASECHANGELOG rows, the full schema and every table's data;
3. Liquibase ``status``/``validate`` on the schemashift database (the crossover);
4. ``rollback-count`` by each tool on its own database, then snapshots again.

Used by ``tests/engine/test_liquibase_corpora.py`` and ``bench/liquibase_corpora.py``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import make_url

from tests.engine.snapshots import changelog_rows, full_schema_snapshot, table_data
from tests.support.realdb import require_real_db
from tests.targets.databases import fresh_database, jdbc_url

ROLLBACK_COUNT = 3


def corpora_root() -> Path | None:
    """Where the corpora are, or None when this machine has none."""
    configured = os.environ.get("SCHEMASHIFT_CORPORA")
    if configured:
        return Path(configured) if Path(configured).is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "corpora" / "liquibase-real"
        if candidate.is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Case:
    """One project on one database, run as the corpora README says."""

    name: str
    folder: str
    root: str
    kind: str
    contexts: str | None = None
    labels: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    login_user_parameter: str | None = None
    """A ``-D`` parameter that must hold the database user (lbit's ``loginUser``)."""

    @property
    def id(self) -> str:
        return f"{self.name}-{self.kind}"

    def parameters_for(self, url: str) -> dict[str, str]:
        values = dict(self.parameters)
        if self.login_user_parameter:
            values[self.login_user_parameter] = make_url(url).username or ""
        return values


GRAVITEE = (("gravitee_prefix", "gio_"), ("gravitee_rate_limit_prefix", "gio_rl_"))
NOT_RUN_BY_LIQUIBASE = {
    "jhipster-mysql": "its master.xml defines ${datetimeType} only for h2 and postgresql: CREATE TABLE fails",
    "jhipster-sqlite": "Liquibase rejects addPrimaryKey/addForeignKeyConstraint on SQLite (validation)",
}
"""Combinations the corpora README mentions that real Liquibase 4.28 itself does not run."""

CASES = (
    Case("camunda", "camunda", "liquibase/camunda-changelog.xml", "postgresql"),
    Case("gravitee", "gravitee", "liquibase/master.yml", "postgresql", parameters=GRAVITEE),
    Case("gravitee", "gravitee", "liquibase/master.yml", "mysql", parameters=GRAVITEE),
    Case("hyades", "hyades", "migration/changelog-main.xml", "postgresql"),
    Case("jhipster", "jhipster", "config/liquibase/master.xml", "postgresql", contexts="dev,faker"),
    Case("lbit", "lbit", "changelogs/pgsql/complete/root.changelog.xml", "postgresql",
         contexts="test,context-b", login_user_parameter="loginUser"),
    Case("lbit", "lbit", "changelogs/mariadb/complete/root.changelog.xml", "mysql",
         contexts="test,context-b", login_user_parameter="loginUser"),
    Case("lbit", "lbit", "changelogs/sqlite/complete/root.changelog.xml", "sqlite",
         contexts="test,context-b", login_user_parameter="loginUser"),
)


@dataclass
class Snapshot:
    rows: list[tuple[Any, ...]]
    schema: dict[str, Any]
    data: dict[str, list[tuple[Any, ...]]]


@dataclass
class Outcome:
    """What one case produced; ``ss_stop`` is schemashift's error when its update did not finish.

    When Liquibase itself stops part-way (``lb_stop``), schemashift must stop at the same changeset
    with the same database behind it; the crossover then checks that Liquibase ``validate`` is clean
    on schemashift's database and its ``status`` lists the same pending changesets as on its own.
    """

    case: Case
    lb_seconds: float = 0.0
    ss_seconds: float = 0.0
    ss_stop: str | None = None
    lb_stop: str | None = None
    """Liquibase's own failure, where the corpus does not run to its end in Liquibase either."""
    lb: Snapshot | None = None
    ss: Snapshot | None = None
    lb_status: tuple[int, str] | None = None
    """Liquibase ``status --verbose`` on its own database, where it stopped part-way."""
    crossover: dict[str, tuple[int, str]] = field(default_factory=dict)
    rollback: dict[str, Any] = field(default_factory=dict)


class LiquibaseFailed(RuntimeError):
    """Liquibase itself failed: the corpus does not run as described (a harness error)."""


def liquibase(binary: str, case: Case, command: list[str], *, url: str, search_path: Path) -> tuple[int, str]:
    """One Liquibase launch with the case's changelog, contexts and parameters: (exit code, output)."""
    parsed = make_url(url)
    arguments = [binary, "--show-banner=false", f"--url={jdbc_url(url)}", f"--search-path={search_path}",
                 f"--changelog-file={case.root}"]
    if parsed.username:
        arguments.append(f"--username={parsed.username}")
    if parsed.password:
        arguments.append(f"--password={parsed.password}")
    trailing = [f"--contexts={case.contexts}"] if case.contexts and command[0] != "validate" else []
    trailing += [f"--labels={case.labels}"] if case.labels and command[0] != "validate" else []
    trailing += [f"-D{name}={value}" for name, value in case.parameters_for(url).items()]
    environment = {**os.environ, "JAVA_OPTS": os.environ.get("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")}
    completed = subprocess.run(
        [*arguments, *command, *trailing], cwd=search_path, capture_output=True, text=True, timeout=600,
        check=False, env=environment,
    )
    return completed.returncode, completed.stdout + completed.stderr


def schemashift(command: str, case: Case, url: str, search_path: Path, **kwargs: Any) -> Any:
    """Parse the case's changelog for the target and run one engine command on it, as
    ``schemashift db`` runs it (executeCommand runs, as under Liquibase)."""
    from schemashift import engine
    from schemashift.changelog import FileSystemAccessor, parse_changelog
    from schemashift.targets import open_target

    kwargs.setdefault("options", engine.RunOptions(run_commands=True))

    with open_target(url) as target:
        changelog = parse_changelog(
            case.root, FileSystemAccessor([str(search_path)]), database=target,
            parameters=case.parameters_for(url), contexts=case.contexts, labels=case.labels,
        )
        return getattr(engine, command)(target, changelog, contexts=case.contexts, labels=case.labels, **kwargs)


def snapshot(url: str) -> Snapshot:
    return Snapshot(changelog_rows(url), full_schema_snapshot(url), table_data(url))


def run_case(
    case: Case, binary: str, workdir: Path, *, crossover: bool = True, rollback: bool = True,
    search_path: Path | None = None,
) -> Outcome:
    """Run one case end to end: Liquibase on one fresh database, then schemashift on another.

    ``search_path`` replaces the corpus folder (for small changelogs of the tests' own).
    """
    if search_path is None:
        root = corpora_root()
        if root is None:
            raise LiquibaseFailed("the corpora are not on this machine")
        search_path = root / case.folder
    outcome = Outcome(case)
    with case_database(case, workdir / "lb") as url:
        started = time.perf_counter()
        code, output = liquibase(binary, case, ["update"], url=url, search_path=search_path)
        outcome.lb_seconds = time.perf_counter() - started
        if code != 0:
            outcome.lb_stop = _liquibase_error(output)
            if "Migration failed for changeset" not in outcome.lb_stop:
                raise LiquibaseFailed(f"liquibase update of {case.id} failed ({code}):\n{output[-4000:]}")
            if crossover:
                outcome.lb_status = liquibase(binary, case, ["status", "--verbose"], url=url, search_path=search_path)
        outcome.lb = snapshot(url)
        if rollback:
            code, output = liquibase(binary, case, ["rollback-count", f"--count={ROLLBACK_COUNT}"], url=url,
                                     search_path=search_path)
            rolled = [line.split("Rolling Back Changeset:", 1)[1].strip() for line in output.splitlines()
                      if line.startswith("Rolling Back Changeset:")]
            outcome.rollback["lb"] = (code == 0, _liquibase_error(output) if code else "", snapshot(url))
            outcome.rollback["lb rolled"] = rolled
    with case_database(case, workdir / "ss") as url:
        started = time.perf_counter()
        try:
            schemashift("update", case, url, search_path)
        except Exception as error:  # the stop is what is reported
            outcome.ss_stop = f"{type(error).__name__}: {error}"
        outcome.ss_seconds = time.perf_counter() - started
        outcome.ss = snapshot(url)
        if outcome.ss_stop is not None and not (outcome.lb_stop and same_stop(outcome.lb_stop, outcome.ss_stop)):
            outcome.rollback.clear()
            return outcome
        if crossover:
            for command in (["status", "--verbose"], ["validate"]):
                outcome.crossover[command[0]] = liquibase(binary, case, command, url=url, search_path=search_path)
        if rollback:
            try:
                schemashift("rollback_count", case, url, search_path, count=ROLLBACK_COUNT)
                outcome.rollback["ss"] = (True, "", snapshot(url))
            except Exception as error:  # compared with Liquibase's outcome
                outcome.rollback["ss"] = (False, f"{type(error).__name__}: {error}", snapshot(url))
    return outcome


def same_stop(lb_stop: str, ss_stop: str) -> bool:
    """Both tools failed the same changeset (Liquibase names it as path::id::author)."""
    changeset = lb_stop.split("Migration failed for changeset ", 1)[-1].split(":\n", 1)[0].split(": ", 1)[0]
    return changeset.rstrip(":") in ss_stop


def _liquibase_error(output: str) -> str:
    """Liquibase's own summary of a failure: the 'Unexpected error' line and its reason."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Unexpected error running Liquibase"):
            reason = [item.strip() for item in lines[index + 1:index + 4] if item.strip() and "--log-level" not in item]
            return " ".join([line.removeprefix("Unexpected error running Liquibase: "), *reason])
    return output[-600:]


@contextmanager
def case_database(case: Case, workdir: Path) -> Iterator[str]:
    """A fresh database as the case needs it.

    Liquibase's own integration changelogs expect what its test setup creates: on PostgreSQL the
    tablespace ``liquibase2`` (made in place, once per server); on MariaDB the databases ``lbcat``
    (the one connected to, named in a view) and ``lbcat2``, which is why each tool runs in turn.
    """
    if case.name == "lbit" and case.kind == "mysql":
        with _named_databases(("lbcat", "lbcat2")) as url:
            yield url
        return
    with fresh_database(case.kind, _mkdir(workdir), whole_database=True) as url:
        if case.name == "lbit" and case.kind == "postgresql":
            _ensure_tablespace(url, "liquibase2")
        yield url


def _ensure_tablespace(url: str, name: str) -> None:
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.exec_driver_sql("SELECT 1 FROM pg_tablespace WHERE spcname = %s", (name,)).first():
                return
            connection.exec_driver_sql("SET allow_in_place_tablespaces = true")
            connection.exec_driver_sql(f"CREATE TABLESPACE {name} LOCATION ''")
    finally:
        engine.dispose()


@contextmanager
def _named_databases(names: tuple[str, ...]) -> Iterator[str]:
    """Databases with fixed names, held under a server-wide named lock for as long as they are in
    use: other test runs against the same server (another checkout, another xdist worker) wait
    rather than drop them mid-run."""
    base = make_url(require_real_db("SCHEMASHIFT_TEST_MYSQL_URL"))
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)
    lock = f"schemashift_corpus_{'_'.join(names)}"
    try:
        with admin.connect() as holder:
            if holder.exec_driver_sql("SELECT GET_LOCK(%s, 900)", (lock,)).scalar() != 1:
                raise LiquibaseFailed(f"the databases {', '.join(names)} stayed in use by another run for 15 minutes")
            try:
                for name in names:
                    holder.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
                    holder.exec_driver_sql(f"CREATE DATABASE {name}")
                yield base.set(database=names[0]).render_as_string(hide_password=False)
            finally:
                for name in names:
                    holder.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
                holder.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (lock,))
    finally:
        admin.dispose()


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


DELIBERATE_COLUMNS: dict[str, dict[tuple[str, str], str]] = {
    "lbit-sqlite": {("person", "username"): (
        "Liquibase's SQLite mergeColumns rebuild brings back person.username, dropped earlier in the same "
        "update, with its old values (its table snapshot is stale); schemashift rebuilds the table as it is"
    )},
}
"""Case -> (table, column) -> why schemashift deliberately leaves that column out where Liquibase has
it; :func:`without_deliberate` takes it out of Liquibase's snapshots so the rest is compared."""


def without_deliberate(outcome: Outcome) -> None:
    """Drop the case's :data:`DELIBERATE_COLUMNS` from Liquibase's snapshots (schema and data)."""
    columns = DELIBERATE_COLUMNS.get(outcome.case.id, {})
    if not columns:
        return
    rolled = outcome.rollback.get("lb")
    for item in [outcome.lb, rolled[2] if rolled else None]:
        if item is None:
            continue
        for table, column in columns:
            shape = item.schema.get(f"table {table}")
            if not shape or column not in shape["columns"]:
                continue
            position = list(shape["columns"]).index(column)
            del shape["columns"][column]
            item.data[table] = sorted((row[:position] + row[position + 1:] for row in item.data[table]), key=repr)


def differences(lb: Snapshot, ss: Snapshot) -> dict[str, list[str]]:
    """What differs between the two databases, per aspect (rows, schema, data); empty when identical."""
    result: dict[str, list[str]] = {"rows": [], "schema": [], "data": []}
    for index in range(max(len(lb.rows), len(ss.rows))):
        left = lb.rows[index] if index < len(lb.rows) else None
        right = ss.rows[index] if index < len(ss.rows) else None
        if left != right:
            result["rows"].append(f"row {index + 1}: liquibase {left} != schemashift {right}")
    result["schema"] = _dict_differences(lb.schema, ss.schema)
    result["data"] = _dict_differences(lb.data, ss.data)
    return result


def identical_rows(lb: Snapshot, ss: Snapshot) -> int:
    """How many DATABASECHANGELOG rows are identical, position by position."""
    return sum(1 for left, right in zip(lb.rows, ss.rows, strict=False) if left == right)


def _dict_differences(left: dict[str, Any], right: dict[str, Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for key in sorted(left.keys() | right.keys(), key=str):
        name = f"{prefix}{key}"
        if key not in right:
            found.append(f"{name}: only in liquibase")
        elif key not in left:
            found.append(f"{name}: only in schemashift")
        elif isinstance(left[key], dict) and isinstance(right[key], dict):
            found += _dict_differences(left[key], right[key], f"{name}.")
        elif left[key] != right[key]:
            found.append(f"{name}: liquibase {_short(left[key])} != schemashift {_short(right[key])}")
    return found


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."



def crossover_clean(outcome: Outcome) -> bool:
    """Liquibase ``validate`` finds nothing on schemashift's database and ``status`` says it is up to
    date (where Liquibase stopped part-way: lists the same pending changesets as on its own database)."""
    status, validate = outcome.crossover["status"], outcome.crossover["validate"]
    if not (status[0] == 0 and validate[0] == 0 and "No validation errors found" in validate[1]):
        return False
    if outcome.lb_status is None:
        return "is up to date" in status[1]
    pending = status_pending(status[1])
    return bool(pending) and outcome.lb_status[0] == 0 and pending == status_pending(outcome.lb_status[1])


def status_pending(output: str) -> list[str]:
    """The changesets ``status --verbose`` lists as not applied (``file::id::author``)."""
    return [line.strip() for line in output.splitlines() if line.strip().count("::") >= 2]


def rollback_refused_alike(outcome: Outcome) -> str | None:
    """Both tools refused ``rollback-count`` at the same changeset: that changeset (else None).

    Liquibase rolls the newest changesets back one by one and stops at the first it cannot roll
    back, leaving the ones before it rolled back; schemashift refuses before touching anything.
    """
    (lb_ok, _, _), (ss_ok, ss_error, _) = outcome.rollback["lb"], outcome.rollback["ss"]
    rolled = outcome.rollback.get("lb rolled") or []
    if lb_ok or ss_ok or not rolled:
        return None
    return rolled[-1] if rolled[-1] in ss_error else None


def rollback_differences(outcome: Outcome) -> list[str]:
    """How the two ``rollback-count`` runs differ: in success, and in the databases they leave
    (nothing when both refused at the same changeset, see :func:`rollback_refused_alike`)."""
    if rollback_refused_alike(outcome):
        return []
    (lb_ok, lb_error, lb_after), (ss_ok, ss_error, ss_after) = outcome.rollback["lb"], outcome.rollback["ss"]
    found = [] if lb_ok == ss_ok else [f"liquibase {'succeeded' if lb_ok else lb_error!r}, "
                                       f"schemashift {'succeeded' if ss_ok else ss_error!r}"]
    return found + [item for values in differences(lb_after, ss_after).values() for item in values]
