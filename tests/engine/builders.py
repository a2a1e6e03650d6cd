"""Changelogs built in code from the changelog package's own change types (no parser needed)."""

from __future__ import annotations

from typing import Any

from schemashift.changelog.changes.data import TagDatabaseChange
from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange
from schemashift.changelog.model import ChangeSet, DatabaseChangeLog

FILE = "db/changelog.sql"


def sql(id: str, text: str, *, rollback: str | None = None, author: str = "dev", file: str = FILE,
        **attributes: Any) -> ChangeSet:
    """A formatted-SQL style changeset: one ``sql`` change, optional ``--rollback`` SQL."""
    undo = None if rollback is None else ([EmptyChange()] if rollback == "empty" else [RawSqlChange(sql=rollback)])
    return ChangeSet(id=id, author=author, file_path=file, changes=[RawSqlChange(sql=text)], rollback=undo,
                     **attributes)


def tag(id: str, name: str, *, author: str = "dev", file: str = FILE) -> ChangeSet:
    return ChangeSet(id=id, author=author, file_path=file, changes=[TagDatabaseChange(tag=name)])


def changelog(*changesets: ChangeSet, root: str = FILE) -> DatabaseChangeLog:
    return DatabaseChangeLog(root_file=root, changesets=list(changesets))


def people() -> list[ChangeSet]:
    """Three changesets most tests start from."""
    return [
        sql("1", "create table person (id int primary key, name varchar(50))", rollback="drop table person",
            comment="people"),
        sql("2", "insert into person (id, name) values (1, 'ada')", rollback="delete from person where id = 1",
            contexts="test", labels="seed"),
        sql("3", "create table pet (id int primary key, owner int)", rollback="drop table pet"),
    ]
