"""The SQL Liquibase 4.28 runs against DATABASECHANGELOG and DATABASECHANGELOGLOCK, per dialect.

Statements are built as literal SQL text, the way Liquibase's generators write them, so the
same strings are executed and shown by ``update-sql``. Values are always escaped here;
nothing else builds tracking-table SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemashift.changelog.model import Dialect

LIQUIBASE_VERSION = "4.28.0"
"""What goes into the LIQUIBASE column: the Liquibase release whose behaviour we reproduce."""

CHANGELOG_COLUMNS: dict[str, str] = {
    "ID": "VARCHAR(255)",
    "AUTHOR": "VARCHAR(255)",
    "FILENAME": "VARCHAR(255)",
    "DATEEXECUTED": "<datetime>",
    "ORDEREXECUTED": "<int>",
    "EXECTYPE": "VARCHAR(10)",
    "MD5SUM": "VARCHAR(35)",
    "DESCRIPTION": "VARCHAR(255)",
    "COMMENTS": "VARCHAR(255)",
    "TAG": "VARCHAR(255)",
    "LIQUIBASE": "VARCHAR(20)",
    "CONTEXTS": "VARCHAR(255)",
    "LABELS": "VARCHAR(255)",
    "DEPLOYMENT_ID": "VARCHAR(10)",
}
_NOT_NULL = {"ID", "AUTHOR", "FILENAME", "DATEEXECUTED", "ORDEREXECUTED", "EXECTYPE"}

_DATETIME = {"postgresql": "TIMESTAMP WITHOUT TIME ZONE", "mysql": "datetime", "mariadb": "datetime", "sqlite": "TEXT"}
_INT = {"postgresql": "INTEGER", "mysql": "INT", "mariadb": "INT", "sqlite": "INTEGER"}
_BOOLEAN = {"postgresql": "BOOLEAN", "mysql": "TINYINT", "mariadb": "TINYINT(1)", "sqlite": "BOOLEAN"}
_NOW = {"postgresql": "NOW()", "mysql": "NOW()", "mariadb": "NOW()", "sqlite": "CURRENT_TIMESTAMP"}
_MYSQL_RESERVED = {"DESCRIPTION", "LOCKED"}


@dataclass(frozen=True)
class HistoryRow:
    """The values Liquibase writes for one changeset (MarkChangeSetRanGenerator)."""

    id: str
    author: str
    filename: str
    md5sum: str | None
    description: str
    comments: str
    exec_type: str
    contexts: str | None
    labels: str | None
    deployment_id: str
    order_executed: int
    tag: str | None = None


class TrackingSql:
    """Statement text for one dialect and schema."""

    def __init__(self, dialect: Dialect, schema: str | None = None) -> None:
        self.dialect = dialect
        self.schema = None if dialect == "sqlite" else schema
        lower = dialect == "postgresql"
        self.changelog_name = "databasechangelog" if lower else "DATABASECHANGELOG"
        self.lock_name = "databasechangeloglock" if lower else "DATABASECHANGELOGLOCK"
        self.changelog_table = self._table(self.changelog_name)
        self.lock_table = self._table(self.lock_name)
        self.now = _NOW[dialect]

    # -- values and names -------------------------------------------------------------------

    def literal(self, value: str | int | bool | None) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            if self.dialect == "postgresql":
                return "TRUE" if value else "FALSE"
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        escaped = value.replace("'", "''")
        if self.dialect in ("mysql", "mariadb"):
            escaped = escaped.replace("\\", "\\\\")
        return f"'{escaped}'"

    def column(self, name: str) -> str:
        if self.dialect in ("mysql", "mariadb") and name in _MYSQL_RESERVED:
            return f"`{name}`"
        return name

    def _table(self, name: str) -> str:
        if not self.schema:
            return name
        schema = self.schema
        if not schema.replace("_", "").isalnum() or (self.dialect == "postgresql" and schema != schema.lower()):
            quote = "`" if self.dialect in ("mysql", "mariadb") else '"'
            schema = f"{quote}{schema}{quote}"
        return f"{schema}.{name}"

    def column_type(self, name: str) -> str:
        generic = CHANGELOG_COLUMNS[name]
        if generic == "<datetime>":
            return _DATETIME[self.dialect]
        if generic == "<int>":
            return _INT[self.dialect]
        return generic

    # -- DATABASECHANGELOG ------------------------------------------------------------------

    def create_changelog_table(self) -> str:
        columns = []
        for name in CHANGELOG_COLUMNS:
            nullability = " NOT NULL" if name in _NOT_NULL else self._nullable()
            columns.append(f"{self.column(name)} {self.column_type(name)}{nullability}")
        return f"CREATE TABLE {self.changelog_table} ({', '.join(columns)})"

    def add_column(self, name: str) -> str:
        """What Liquibase's init() adds when an old table lacks a column (nullable at first)."""
        return f"ALTER TABLE {self.changelog_table} ADD {self.column(name)} {self.column_type(name)}{self._nullable()}"

    def fill_column(self, name: str, value: str | int) -> str:
        return f"UPDATE {self.changelog_table} SET {self.column(name)} = {self.literal(value)}"

    def set_not_null(self, name: str) -> str | None:
        """None on SQLite, which cannot change a column's nullability in place."""
        if self.dialect == "postgresql":
            return f"ALTER TABLE {self.changelog_table} ALTER COLUMN {name} SET NOT NULL"
        if self.dialect in ("mysql", "mariadb"):
            return f"ALTER TABLE {self.changelog_table} MODIFY {self.column(name)} {self.column_type(name)} NOT NULL"
        return None

    def widen_column(self, name: str) -> str:
        type_ = self.column_type(name)
        if self.dialect == "postgresql":
            return f"ALTER TABLE {self.changelog_table} ALTER COLUMN {name} TYPE {type_}"
        return f"ALTER TABLE {self.changelog_table} MODIFY {self.column(name)} {type_}"

    def select_changelog(self) -> str:
        return f"SELECT * FROM {self.changelog_table} ORDER BY DATEEXECUTED ASC, ORDEREXECUTED ASC"

    def select_max_order(self) -> str:
        return f"SELECT MAX(ORDEREXECUTED) FROM {self.changelog_table}"

    def insert_row(self, row: HistoryRow) -> str:
        values: list[tuple[str, str]] = [
            ("ID", self.literal(row.id)),
            ("AUTHOR", self.literal(row.author)),
            ("FILENAME", self.literal(row.filename)),
            ("DATEEXECUTED", self.now),
            ("ORDEREXECUTED", self.literal(row.order_executed)),
            ("MD5SUM", self.literal(row.md5sum)),
            ("DESCRIPTION", self.literal(row.description)),
            ("COMMENTS", self.literal(row.comments)),
            ("EXECTYPE", self.literal(row.exec_type)),
            ("CONTEXTS", self.literal(row.contexts)),
            ("LABELS", self.literal(row.labels)),
            ("LIQUIBASE", self.literal(LIQUIBASE_VERSION)),
            ("DEPLOYMENT_ID", self.literal(row.deployment_id)),
        ]
        if row.tag is not None:
            values.append(("TAG", self.literal(row.tag)))
        names = ", ".join(self.column(name) for name, _ in values)
        return f"INSERT INTO {self.changelog_table} ({names}) VALUES ({', '.join(value for _, value in values)})"

    def update_reran(self, row: HistoryRow, stored_filename: str) -> str:
        """A re-execution (RERAN) rewrites the existing row; Liquibase sorts the SET columns."""
        values = {
            "COMMENTS": self.literal(row.comments),
            "CONTEXTS": self.literal(row.contexts),
            "DATEEXECUTED": self.now,
            "DEPLOYMENT_ID": self.literal(row.deployment_id),
            "DESCRIPTION": self.literal(row.description),
            "EXECTYPE": self.literal(row.exec_type),
            "LABELS": self.literal(row.labels),
            "LIQUIBASE": self.literal(LIQUIBASE_VERSION),
            "MD5SUM": self.literal(row.md5sum),
            "ORDEREXECUTED": self.literal(row.order_executed),
        }
        if row.tag is not None:
            values["TAG"] = self.literal(row.tag)
        assignments = ", ".join(f"{self.column(name)} = {value}" for name, value in sorted(values.items()))
        return f"UPDATE {self.changelog_table} SET {assignments} WHERE {self._row_key(row.id, row.author, stored_filename)}"

    def delete_row(self, id: str, author: str, filename: str) -> str:
        return f"DELETE FROM {self.changelog_table} WHERE {self._row_key(id, author, filename)}"

    def update_checksum(self, id: str, author: str, filename: str, md5sum: str) -> str:
        return (
            f"UPDATE {self.changelog_table} SET MD5SUM = {self.literal(md5sum)} "
            f"WHERE {self._row_key(id, author, filename)}"
        )

    def clear_checksums(self) -> str:
        return f"UPDATE {self.changelog_table} SET MD5SUM = NULL"

    def tag_latest(self, tag: str) -> str:
        """TagDatabaseGenerator: tag the newest row (on SQLite, every row sharing the newest date)."""
        table, value = self.changelog_table, self.literal(tag)
        if self.dialect in ("mysql", "mariadb"):
            return (
                f"UPDATE {table} AS C INNER JOIN (SELECT ORDEREXECUTED, DATEEXECUTED FROM {table} "
                "order by DATEEXECUTED desc, ORDEREXECUTED desc limit 1) AS D "
                f"ON C.ORDEREXECUTED = D.ORDEREXECUTED SET C.TAG = {value}"
            )
        if self.dialect == "postgresql":
            return (
                f"UPDATE {table} t SET TAG={value} FROM (SELECT DATEEXECUTED, ORDEREXECUTED FROM {table} "
                "ORDER BY DATEEXECUTED DESC, ORDEREXECUTED DESC LIMIT 1) sub "
                "WHERE t.DATEEXECUTED=sub.DATEEXECUTED AND t.ORDEREXECUTED=sub.ORDEREXECUTED"
            )
        return f"UPDATE {table} SET TAG = {value} WHERE DATEEXECUTED = (SELECT MAX(DATEEXECUTED) FROM {table})"

    def _row_key(self, id: str, author: str, filename: str) -> str:
        return f"ID = {self.literal(id)} AND AUTHOR = {self.literal(author)} AND FILENAME = {self.literal(filename)}"

    def _nullable(self) -> str:
        return " NULL" if self.dialect in ("mysql", "mariadb") else ""

    # -- DATABASECHANGELOGLOCK --------------------------------------------------------------

    def create_lock_table(self) -> str:
        pk = "databasechangeloglock_pkey" if self.dialect == "postgresql" else "PK_DATABASECHANGELOGLOCK"
        null = self._nullable()
        return (
            f"CREATE TABLE {self.lock_table} (ID {_INT[self.dialect]} NOT NULL, "
            f"{self.column('LOCKED')} {_BOOLEAN[self.dialect]} NOT NULL, "
            f"LOCKGRANTED {_DATETIME[self.dialect]}{null}, LOCKEDBY VARCHAR(255){null}, "
            f"CONSTRAINT {pk} PRIMARY KEY (ID))"
        )

    def count_lock_rows(self) -> str:
        return f"SELECT COUNT(*) FROM {self.lock_table}"

    def initialize_lock_table(self) -> list[str]:
        return [
            f"DELETE FROM {self.lock_table}",
            f"INSERT INTO {self.lock_table} (ID, {self.column('LOCKED')}) VALUES (1, {self.literal(False)})",
        ]

    def select_lock(self) -> str:
        return f"SELECT {self.column('LOCKED')}, LOCKGRANTED, LOCKEDBY FROM {self.lock_table} WHERE ID = 1"

    def acquire_lock(self, locked_by: str) -> str:
        locked = self.column("LOCKED")
        return (
            f"UPDATE {self.lock_table} SET {locked} = {self.literal(True)}, LOCKEDBY = {self.literal(locked_by)}, "
            f"LOCKGRANTED = {self.now} WHERE ID = 1 AND {locked} = {self.literal(False)}"
        )

    def break_lock(self, locked_by: str, older_than_seconds: int) -> str:
        """Take over a lock granted more than ``older_than_seconds`` ago, judged by the database clock."""
        locked = self.column("LOCKED")
        return (
            f"UPDATE {self.lock_table} SET {locked} = {self.literal(True)}, LOCKEDBY = {self.literal(locked_by)}, "
            f"LOCKGRANTED = {self.now} WHERE ID = 1 AND {locked} = {self.literal(True)} "
            f"AND (LOCKGRANTED IS NULL OR LOCKGRANTED < {self._seconds_ago(older_than_seconds)})"
        )

    def _seconds_ago(self, seconds: int) -> str:
        if self.dialect == "postgresql":
            return f"LOCALTIMESTAMP - INTERVAL '{int(seconds)} seconds'"
        if self.dialect in ("mysql", "mariadb"):
            return f"NOW() - INTERVAL {int(seconds)} SECOND"
        return f"datetime('now', '-{int(seconds)} seconds')"

    def release_lock(self) -> str:
        locked = self.column("LOCKED")
        return (
            f"UPDATE {self.lock_table} SET {locked} = {self.literal(False)}, LOCKEDBY = NULL, "
            "LOCKGRANTED = NULL WHERE ID = 1"
        )

    def refresh_lock(self, locked_by: str) -> str:
        """Renew LOCKGRANTED while we hold the lock, so a lease-based breaker sees us alive."""
        return (
            f"UPDATE {self.lock_table} SET LOCKGRANTED = {self.now} "
            f"WHERE ID = 1 AND {self.column('LOCKED')} = {self.literal(True)} AND LOCKEDBY = {self.literal(locked_by)}"
        )
