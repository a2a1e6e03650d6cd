"""Where the local stack's emulated AWS state lives on disk: ``$SCHEMASHIFT_HOME/state/``.

``aws.sqlite3`` (SQLite, WAL) holds DynamoDB items and table definitions, S3 buckets and object
versions (metadata), Secrets Manager secrets and EventBridge rules; ``blobs/`` holds object bodies,
one file per object version, written before the row that names it. Each flush of the journal is
one SQLite transaction, so a crash (even ``kill -9``) leaves the state of the last committed flush:
never half of one. Loading never fails on one bad record: it is skipped with a warning.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dynamodb_tables (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dynamodb_items (
    tbl TEXT NOT NULL, hk TEXT NOT NULL, rk TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (tbl, hk, rk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_buckets (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS s3_versions (
    bucket TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, blob TEXT, size INTEGER NOT NULL,
    state BLOB NOT NULL, PRIMARY KEY (bucket, key, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body BLOB NOT NULL);
"""


class StateLocked(RuntimeError):
    """Another local stack process is using this state directory."""


@dataclass
class Flush:
    """What one flush writes: ``None`` values delete."""

    items: dict[tuple[str, str, str], str | None] = field(default_factory=dict)
    tables: dict[str, str | None] = field(default_factory=dict)
    buckets: dict[str, str | None] = field(default_factory=dict)
    objects: dict[tuple[str, str], list[tuple[str | None, int, bytes]]] = field(default_factory=dict)
    """(bucket, key) -> its versions, oldest first: (blob name or None for a delete marker, size, state)."""
    blobs: dict[str, bytes] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any((self.items, self.tables, self.buckets, self.objects, self.documents))

    @property
    def size(self) -> int:
        return len(self.items) + len(self.tables) + len(self.buckets) + len(self.objects) + len(self.documents)


class StateStore:
    def __init__(self, home: Path) -> None:
        self.root = home / "state"
        self.blob_dir = self.root / "blobs"
        self._lock_file: Any = None
        self._db: sqlite3.Connection | None = None

    # ------------------------------------------------------------------ lifecycle
    def open(self, *, fresh: bool = False) -> StateStore:
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock_file = (self.root / "lock").open("a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            owner = self._lock_file.read().strip() or "another process"
            self._lock_file.close()
            raise StateLocked(f"another local stack ({owner}) is using {self.root}; stop it first") from None
        self._lock_file.truncate(0)
        self._lock_file.write(f"pid {os.getpid()}")
        self._lock_file.flush()
        if fresh:
            for path in (self.root / "aws.sqlite3", self.root / "aws.sqlite3-wal", self.root / "aws.sqlite3-shm"):
                path.unlink(missing_ok=True)
            shutil.rmtree(self.blob_dir, ignore_errors=True)
        self.blob_dir.mkdir(exist_ok=True)
        self._db = sqlite3.connect(self.root / "aws.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; fast
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        return self

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "state store is not open"
        return self._db

    # ------------------------------------------------------------------ writing
    @staticmethod
    def new_blob_name() -> str:
        return uuid.uuid4().hex

    def write(self, flush: Flush) -> None:
        """Blobs first (each to a temporary name, then renamed), then one transaction."""
        for name, data in flush.blobs.items():
            path = self._blob_path(name)
            path.parent.mkdir(exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            os.replace(partial, path)
        released: list[str] = []
        db = self.db
        db.execute("BEGIN")
        try:
            for name, definition in flush.tables.items():
                if definition is None:
                    db.execute("DELETE FROM dynamodb_tables WHERE name = ?", (name,))
                    db.execute("DELETE FROM dynamodb_items WHERE tbl = ?", (name,))
                else:
                    db.execute("INSERT OR REPLACE INTO dynamodb_tables VALUES (?, ?)", (name, definition))
            db.executemany("INSERT OR REPLACE INTO dynamodb_items VALUES (?, ?, ?, ?)",
                           [(*key, item) for key, item in flush.items.items() if item is not None])
            db.executemany("DELETE FROM dynamodb_items WHERE tbl = ? AND hk = ? AND rk = ?",
                           [key for key, item in flush.items.items() if item is None])
            for name, definition in flush.buckets.items():
                if definition is None:
                    released += [row[0] for row in db.execute(
                        "SELECT blob FROM s3_versions WHERE bucket = ? AND blob IS NOT NULL", (name,))]
                    db.execute("DELETE FROM s3_versions WHERE bucket = ?", (name,))
                    db.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
                else:
                    db.execute("INSERT OR REPLACE INTO s3_buckets VALUES (?, ?)", (name, definition))
            for (bucket, key), versions in flush.objects.items():
                kept = {blob for blob, _, _ in versions}
                released += [row[0] for row in db.execute(
                    "SELECT blob FROM s3_versions WHERE bucket = ? AND key = ? AND blob IS NOT NULL", (bucket, key))
                    if row[0] not in kept]
                db.execute("DELETE FROM s3_versions WHERE bucket = ? AND key = ?", (bucket, key))
                db.executemany("INSERT INTO s3_versions VALUES (?, ?, ?, ?, ?, ?)",
                               [(bucket, key, seq, blob, size, state)
                                for seq, (blob, size, state) in enumerate(versions)])
            db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?)", list(flush.documents.items()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        for name in released:  # only once no committed row names them; a crash here leaves garbage, not loss
            self._blob_path(name).unlink(missing_ok=True)

    def _blob_path(self, name: str) -> Path:
        return self.blob_dir / name[:2] / name

    # ------------------------------------------------------------------ reading
    def tables(self) -> dict[str, dict[str, Any]]:
        return {name: json.loads(definition) for name, definition in self.db.execute("SELECT * FROM dynamodb_tables")}

    def items(self, table: str) -> Iterator[str]:
        for (item,) in self.db.execute("SELECT item FROM dynamodb_items WHERE tbl = ?", (table,)):
            yield item

    def buckets(self) -> dict[str, dict[str, Any]]:
        return {name: json.loads(definition) for name, definition in self.db.execute("SELECT * FROM s3_buckets")}

    def objects(self, bucket: str) -> Iterator[tuple[str, list[tuple[str | None, bytes | None, bytes]]]]:
        """(key, [(blob name, body, state), ...]) oldest version first (no blob, no body: a delete
        marker); a version
        whose body is missing or short (a crash of the machine, not of the process) is left out."""
        rows = self.db.execute("SELECT key, blob, size, state FROM s3_versions WHERE bucket = ? ORDER BY key, seq",
                               (bucket,))
        current: str | None = None
        versions: list[tuple[str | None, bytes | None, bytes]] = []
        for key, blob, size, state in rows:
            if key != current:
                if current is not None:
                    yield current, versions
                current, versions = key, []
            if blob is None:
                versions.append((None, None, state))
                continue
            try:
                body = self._blob_path(blob).read_bytes()
            except OSError:
                continue
            if len(body) == size:
                versions.append((blob, body, state))
        if current is not None:
            yield current, versions

    def document(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM documents WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def collect_garbage(self) -> int:
        """Blob files no row names (left by a crash between a flush's rename and its commit)."""
        named = {row[0] for row in self.db.execute("SELECT blob FROM s3_versions WHERE blob IS NOT NULL")}
        removed = 0
        for path in self.blob_dir.glob("*/*"):
            if path.name not in named:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
