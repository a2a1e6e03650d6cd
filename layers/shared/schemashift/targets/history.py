"""DATABASECHANGELOG: create/upgrade it, read it once per run, write rows as Liquibase does.

The table is read in one query when a command starts; every write made through this service
updates the in-memory copy too, so a run never re-reads the table per changeset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from schemashift.changelog.model import ChangeSet
from schemashift.changelog.paths import normalize_path
from schemashift.targets.connection import Target
from schemashift.targets.tracking_sql import CHANGELOG_COLUMNS, LIQUIBASE_VERSION, HistoryRow, TrackingSql

EMPTY_CHECKSUM = "9:d41d8cd98f00b204e9800998ecf8427e"
"""The checksum of a changeset without changes (MD5 of the empty string)."""

_MIN_WIDTHS = {"MD5SUM": 35, "LIQUIBASE": 20, "CONTEXTS": 255, "LABELS": 255}
_FILLED_WHEN_ADDED: dict[str, str | int] = {"ORDEREXECUTED": -1, "EXECTYPE": "EXECUTED"}

RowKey = tuple[str, str, str]


def row_key(filename: str, id: str, author: str) -> RowKey:
    """How Liquibase matches a row to a changeset: normalized path, id, author, case-insensitively."""
    return (normalize_path(filename).lower(), id.lower(), author.lower())


def changeset_key(changeset: ChangeSet) -> RowKey:
    return row_key(changeset.file_path, changeset.id, changeset.author)


def changeset_tag(changeset: ChangeSet) -> str | None:
    """The TAG a changeset's row gets: its first tagDatabase change's tag (MarkChangeSetRanGenerator)."""
    for change in changeset.changes:
        if change.name == "tagDatabase":
            return getattr(change, "tag", None)
    return None


def new_deployment_id() -> str:
    """The last 10 digits of the epoch milliseconds, once per command run (Liquibase's DEPLOYMENT_ID)."""
    return str(int(time.time() * 1000))[-10:]


@dataclass(frozen=True)
class RanChangeSet:
    """One DATABASECHANGELOG row."""

    id: str
    author: str
    filename: str
    """As stored; UPDATE and DELETE statements use this exact value."""
    date_executed: datetime | None
    order_executed: int
    exec_type: str
    md5sum: str | None
    description: str | None
    comments: str | None
    tag: str | None
    liquibase: str | None
    contexts: str | None
    labels: str | None
    deployment_id: str | None

    @cached_property
    def key(self) -> RowKey:
        return row_key(self.filename, self.id, self.author)

    @property
    def fqn(self) -> str:
        return f"{self.filename}::{self.id}::{self.author}"

    @property
    def is_tag_changeset(self) -> bool:
        return (self.description or "").strip() == "tagDatabase"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RanChangeSet:
        order = row.get("ORDEREXECUTED")
        return cls(
            id=str(row["ID"]),
            author=str(row["AUTHOR"]),
            filename=str(row["FILENAME"]),
            date_executed=_as_datetime(row.get("DATEEXECUTED")),
            order_executed=int(order) if order is not None else -1,
            exec_type=str(row.get("EXECTYPE") or "EXECUTED"),
            md5sum=_text(row.get("MD5SUM")),
            description=_text(row.get("DESCRIPTION")),
            comments=_text(row.get("COMMENTS")),
            tag=_text(row.get("TAG")),
            liquibase=_text(row.get("LIQUIBASE")),
            contexts=_text(row.get("CONTEXTS")),
            labels=_text(row.get("LABELS")),
            deployment_id=_text(row.get("DEPLOYMENT_ID")),
        )


class ChangeLogHistory:
    """The history service of one command run against one target."""

    def __init__(self, target: Target, *, deployment_id: str | None = None, schema: str | None = None) -> None:
        self.target = target
        self.sql = TrackingSql(target.dialect, schema if schema is not None else target.default_schema)
        self.deployment_id = deployment_id or new_deployment_id()
        self.exists = False
        self._rows: list[RanChangeSet] | None = None
        self._index: dict[RowKey, list[RanChangeSet]] = {}
        self._last_order: int | None = None

    # -- table ------------------------------------------------------------------------------

    def ensure_table(self) -> None:
        """Create DATABASECHANGELOG, or add/widen the columns an older Liquibase left out."""
        columns = self.target.columns(self.sql.changelog_name, self.sql.schema)
        if not columns:
            self.target.execute(self.sql.create_changelog_table())
            self.exists = not self.target.is_recording
            self._rows = [] if self.target.is_recording else None
            return
        self.exists = True
        present = {name.upper(): type_ for name, type_ in columns}
        for name in CHANGELOG_COLUMNS:
            if name not in present:
                self._add_column(name)
            elif name in _MIN_WIDTHS and self.target.dialect != "sqlite":
                length = getattr(present[name], "length", None)
                if length is not None and length < _MIN_WIDTHS[name]:
                    self.target.execute(self.sql.widen_column(name))

    def _add_column(self, name: str) -> None:
        self.target.execute(self.sql.add_column(name))
        if name in _FILLED_WHEN_ADDED:
            self.target.execute(self.sql.fill_column(name, _FILLED_WHEN_ADDED[name]))
            not_null = self.sql.set_not_null(name)
            if not_null:
                self.target.execute(not_null)

    def table_exists(self) -> bool:
        """Whether DATABASECHANGELOG exists, without creating it (status, history on a fresh database)."""
        if not self.exists:
            self.exists = bool(self.target.columns(self.sql.changelog_name, self.sql.schema))
        return self.exists

    # -- reading ----------------------------------------------------------------------------

    def ran_changesets(self) -> list[RanChangeSet]:
        """All rows, ``ORDER BY DATEEXECUTED, ORDEREXECUTED``; read once per run."""
        if self._rows is None:
            if self.table_exists():
                self._rows = [RanChangeSet.from_row(row) for row in self.target.query_dicts(self.sql.select_changelog())]
            else:
                self._rows = []
            self._reindex()
        return list(self._rows)

    def find(self, changeset: ChangeSet) -> RanChangeSet | None:
        """The row that denotes ``changeset`` (the newest when there are several)."""
        self.ran_changesets()
        rows = self._index.get(changeset_key(changeset))
        if not rows:
            return None
        # Several rows for one changeset: the most recently executed wins (ShouldRunChangeSetFilter).
        return max(rows, key=lambda row: row.date_executed or datetime.min)

    def checksums_compatible(self) -> bool:
        """False when some row holds a non-v9 checksum (it is upgraded after validation)."""
        return all(row.md5sum is None or row.md5sum.startswith("9:") for row in self.ran_changesets())

    def _reindex(self) -> None:
        self._index = {}
        for row in self._rows or []:
            self._index.setdefault(row.key, []).append(row)

    def _add(self, row: RanChangeSet) -> None:
        self._loaded().append(row)
        self._index.setdefault(row.key, []).append(row)

    def _drop(self, row: RanChangeSet) -> None:
        rows = self._loaded()
        rows.remove(row)
        self._index[row.key].remove(row)

    def _swap(self, old: RanChangeSet, new: RanChangeSet) -> None:
        rows = self._loaded()
        rows[rows.index(old)] = new
        keyed = self._index[old.key]
        keyed[keyed.index(old)] = new

    def _next_order(self) -> int:
        if self._last_order is None:
            orders = [row.order_executed for row in self.ran_changesets()]
            self._last_order = max(orders, default=0)
        self._last_order += 1
        return self._last_order

    # -- writing ----------------------------------------------------------------------------

    def record_statement(self, changeset: ChangeSet, exec_type: str, checksum: str) -> tuple[str, RanChangeSet]:
        """The INSERT (or, for RERAN, UPDATE) that records ``changeset``, and the row it leaves.

        Callers execute the statement inside the changeset's transaction and then ``remember``
        the row, so the history write commits or rolls back with the changeset's own changes.
        """
        row = HistoryRow(
            id=changeset.id,
            author=changeset.author,
            filename=changeset.file_path,
            md5sum=checksum,
            description=changeset.description(),
            comments=changeset.comments(),
            exec_type=exec_type,
            contexts=changeset.full_contexts(),
            labels=changeset.full_labels(),
            deployment_id=self.deployment_id,
            order_executed=self._next_order(),
            tag=changeset_tag(changeset),
        )
        previous = self.find(changeset) if exec_type == "RERAN" else None
        if previous is not None:
            statement = self.sql.update_reran(row, previous.filename)
            filename = previous.filename
        else:
            statement = self.sql.insert_row(row)
            filename = row.filename
        ran = RanChangeSet(
            id=row.id, author=row.author, filename=filename, date_executed=datetime.now(),
            order_executed=row.order_executed, exec_type=exec_type, md5sum=checksum,
            description=row.description, comments=row.comments,
            tag=row.tag if row.tag is not None else (previous.tag if previous else None),
            liquibase=LIQUIBASE_VERSION, contexts=row.contexts, labels=row.labels, deployment_id=self.deployment_id,
        )
        return statement, ran

    def remember(self, ran: RanChangeSet) -> None:
        """Add (or move to the end, for RERAN) a row written through ``record_statement``."""
        if ran.exec_type == "RERAN":
            for row in list(self._index.get(ran.key, [])):
                self._drop(row)
        self._add(ran)

    def remove_statement(self, ran: RanChangeSet) -> str:
        return self.sql.delete_row(ran.id, ran.author, ran.filename)

    def forget(self, ran: RanChangeSet) -> None:
        """Drop every row of ``ran``'s changeset (the DELETE matches them all)."""
        for row in [row for row in self._index.get(ran.key, []) if row.filename == ran.filename]:
            self._drop(row)

    def upgrade_checksum(self, ran: RanChangeSet, checksum: str) -> None:
        """Rewrite a NULL or older-version MD5SUM with the current v9 value."""
        self.target.execute(self.sql.update_checksum(ran.id, ran.author, ran.filename, checksum))
        self._swap(ran, replace(ran, md5sum=checksum))

    def clear_checksums(self) -> int:
        count = self.target.execute(self.sql.clear_checksums())
        self._rows = [replace(row, md5sum=None) for row in self._loaded()]
        self._reindex()
        return count

    def tag(self, tag: str) -> None:
        """Tag the newest row; on an empty table first insert Liquibase's placeholder row."""
        if not self._loaded():
            placeholder = HistoryRow(
                id=str(int(time.time() * 1000)), author="liquibase", filename="liquibase-internal",
                md5sum=EMPTY_CHECKSUM, description="empty", comments="", exec_type="EXECUTED",
                contexts=None, labels=None, deployment_id=self.deployment_id, order_executed=self._next_order(),
            )
            self.target.execute(self.sql.insert_row(placeholder))
            self._add(_row_from_history(placeholder))
        self.target.execute(self.sql.tag_latest(tag))
        latest = self._loaded()[-1]
        self._swap(latest, replace(latest, tag=tag))

    def _loaded(self) -> list[RanChangeSet]:
        self.ran_changesets()
        assert self._rows is not None
        return self._rows


def _row_from_history(row: HistoryRow) -> RanChangeSet:
    return RanChangeSet(
        id=row.id, author=row.author, filename=row.filename, date_executed=datetime.now(),
        order_executed=row.order_executed, exec_type=row.exec_type, md5sum=row.md5sum,
        description=row.description, comments=row.comments, tag=row.tag, liquibase=LIQUIBASE_VERSION,
        contexts=row.contexts, labels=row.labels, deployment_id=row.deployment_id,
    )


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("T", " ").rstrip("Z"))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
