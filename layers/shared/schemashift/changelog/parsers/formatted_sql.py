"""Formatted SQL changelogs (``--liquibase formatted``), line by line as Liquibase reads them.

Every directive regex mirrors Liquibase's AbstractFormattedChangeLogParser (case-insensitive,
whole-line matches), including its quirks: ordinary ``--`` comment lines belong to the SQL
(and its checksum), ``-- comment foo`` sets the changeset comment, and multi-line
``/* liquibase rollback`` blocks are joined without newlines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange
from schemashift.changelog.model import Change, ChangelogError, ChangeSet
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.paths import logical_path, normalize_path
from schemashift.changelog.preconditions import (
    FAIL_ACTIONS,
    Preconditions,
    SqlCheckPrecondition,
    TableExistsPrecondition,
    ViewExistsPrecondition,
    sql_output_option,
)
from schemashift.changelog.properties import Property

_FLAGS = re.ASCII | re.IGNORECASE
_DOCS = "https://docs.liquibase.com/concepts/changelogs/sql-format.html"


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


FIRST_LINE = _p(r"^\s*\-\-\s*liquibase\s*formatted.*")
PROPERTY = _p(r"\s*\-\-[\s]*property\s+(.*:.*)\s+(.*:.*).*")
ALT_PROPERTY = _p(r"\s*?[-]+\s*property\s.*")
CHANGE_SET = _p(r"\s*\-\-[\s]*changeset\s+(\"[^\"]+\"|[^:]+):\s*(\"[^\"]+\"|\S+).*")
ALT_CHANGE_SET_ONE_DASH = _p(r"-[\s]*changeset\s.*")
ALT_CHANGE_SET_NO_INFO = _p(r"\s*\-\-[\s]*changeset[\s]*.*$")
ROLLBACK = _p(r"\s*\-\-[\s]*rollback (.*)")
ALT_ROLLBACK = _p(r"\s*-[\s]*rollback\s.*")
PRECONDITIONS = _p(r"\s*\-\-[\s]*preconditions(.*)")
ALT_PRECONDITIONS = _p(r"\s*-[\s]*preconditions\s.*")
PRECONDITION = _p(r"\s*\-\-[\s]*precondition\-([a-zA-Z0-9-]+) (.*)")
INVALID_EMPTY_PRECONDITION = _p(r"\s*\-\-[\s]*precondition\-([a-zA-Z0-9-]+)")
ALT_PRECONDITION = _p(r"\s*-[\s]*precondition(.*)")
COMMENT = _p(r"\-\-[\s]*comment:? (.*)")
ALT_COMMENT_PLURAL = _p(r"\-\-[\s]*comments:? (.*)")
ALT_COMMENT_ONE_DASH = _p(r"-[\s]*comment:? (.*)")
VALID_CHECK_SUM = _p(r"\-\-[\s]*validCheckSum:? (.*)")
ALT_VALID_CHECK_SUM = _p(r"^-[\s]*validCheckSum(.*)$")
IGNORE_LINES = _p(r"\-\-[\s]*ignoreLines:(\w+)")
ALT_IGNORE_LINES = _p(r"-[\s]*?ignoreLines:(\w+).*$")
ALT_IGNORE = _p(r"\-\-[\s]*ignore:(\w+)")
ROLLBACK_MULTI_START = _p(r"\s*\/\*\s*liquibase\s*rollback\s*$")
ROLLBACK_MULTI_END = _p(r".*\s*\*\/\s*$")

STRIP_COMMENTS = _p(r".*stripComments:(\w+).*")
SPLIT_STATEMENTS = _p(r".*splitStatements:(\w+).*")
ROLLBACK_SPLIT_STATEMENTS = _p(r".*rollbackSplitStatements:(\w+).*")
END_DELIMITER = _p(r".*endDelimiter:(\S*).*")
ROLLBACK_END_DELIMITER = _p(r".*rollbackEndDelimiter:(\S*).*")
RUN_ON_CHANGE = _p(r".*runOnChange:(\w+).*")
RUN_ALWAYS = _p(r".*runAlways:(\w+).*")
RUN_WITH = _p(r".*runWith:([\w\$\{\}]+).*")
CONTEXT = _p(r".*context:(\".*?\"|\S*).*")
CONTEXT_FILTER = _p(r".*contextFilter:(\".*?\"|\S*).*")
LOGICAL_FILE_PATH = _p(r".*logicalFilePath:(\S*).*")
LABELS = _p(r".*labels:(\".*?\"|\S*).*")
RUN_IN_TRANSACTION = _p(r".*runInTransaction:(\w+).*")
DBMS = _p(r".*dbms:([^,][\w!,]+).*")
IGNORE = _p(r".*ignore:(\w*).*")
FAIL_ON_ERROR = _p(r".*failOnError:(\w+).*")
ON_FAIL = _p(r".*onFail:(\w+).*")
ON_ERROR = _p(r".*onError:(\w+).*")
ON_UPDATE_SQL = _p(r".*onUpdateSQL:(\w+).*")
ON_SQL_OUTPUT = _p(r".*onSqlOutput:(\w+).*")
ROLLBACK_ID = _p(r".*changeSetId:(\S+).*")
ROLLBACK_AUTHOR = _p(r".*changesetAuthor:(\S+).*")
ROLLBACK_PATH = _p(r".*changesetPath:(\S+).*")
RESULT_PATTERNS = (
    _p(r"^(?:expectedResult:)?(\w+) (.*)"),
    _p(r"^(?:expectedResult:)?'([^']+)' (.*)"),
    _p(r"^(?:expectedResult:)?\"([^\"]+)\" (.*)"),
)
NAME = _p(r".*name:\s*(\S++).*")
VALUE = _p(r".*value:\s*(\S+).*")
GLOBAL = _p(r".*global:(\S+).*")
VIEW_NAME = _p(r".*view:(\w+).*")
TABLE_NAME = _p(r".*table:(\w+).*")
SCHEMA_NAME = _p(r".*schema:(\w+).*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CHANGE_SET_PREFIX = _p(r"\s*\-\-[\s]*changeset\s+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _exact_header(line: str, author_and_id: str) -> bool:
    """``author:id`` follows ``--changeset`` directly (what Liquibase checks with a pattern built per
    changeset; compiling one per changeset was a fifth of parsing a 500-changeset file)."""
    prefix = _CHANGE_SET_PREFIX.match(line)
    if prefix is None:
        return False
    rest = line[prefix.end():prefix.end() + len(author_and_id)]
    return rest.translate(_ASCII_LOWER) == author_and_id.translate(_ASCII_LOWER)


def _group(pattern: re.Pattern[str], line: str) -> str | None:
    match = pattern.fullmatch(line)
    return match.group(1) if match else None


def _boolean(pattern: re.Pattern[str], line: str, default: bool) -> bool:
    value = _group(pattern, line)
    return default if value is None else value.lower() == "true"


class _Attributes:
    """The ``name:value`` attributes of a directive line; skips regexes whose keyword is absent."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.lower = line.lower()

    def get(self, pattern: re.Pattern[str], keyword: str) -> str | None:
        return _group(pattern, self.line) if keyword in self.lower else None

    def flag(self, pattern: re.Pattern[str], keyword: str, default: bool) -> bool:
        value = self.get(pattern, keyword)
        return default if value is None else value.lower() == "true"


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def split_lines(text: str) -> list[str]:
    """Lines as Java's BufferedReader.readLine yields them (no trailing empty line)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def is_formatted_sql(text: str) -> bool:
    for line in split_lines(text):
        if line.strip():
            return FIRST_LINE.fullmatch(line) is not None
    return False


@dataclass
class _Pending:
    """The changeset being read, and the lines collected for its SQL and rollback."""

    changeset: ChangeSet
    change: RawSqlChange
    line: int
    rollback_split: bool | None
    rollback_delimiter: str | None
    sql: list[str] = field(default_factory=list)
    rollback: list[str] = field(default_factory=list)


class FormattedSqlParser:
    def __init__(self, state: ParseState, inclusion: Inclusion, text: str) -> None:
        self.state = state
        self.inclusion = inclusion
        self.path = inclusion.path
        self.lines = split_lines(text)
        self.logical_file_path: str | None = None
        self.pending: _Pending | None = None
        self.previous_sql: str | None = None

    def error(self, message: str, line: int | None = None) -> ChangelogError:
        return ChangelogError(message, file=self.path, line=line)

    def malformed(self, line: int, expected: str) -> ChangelogError:
        return self.error(
            f"Unexpected formatting at line {line}. Formatted SQL changelogs require known formats, "
            f"such as '{expected}' and others to be recognized and run. Learn all the options at {_DOCS}",
            line,
        )

    def expand(self, text: str | None) -> str | None:
        if text is None or "${" not in text:
            return text
        return self.state.parameters.expand(text, self.changelog_key())

    def changelog_key(self) -> str:
        return logical_path(self.logical_file_path or self.path)

    def parse(self) -> None:
        if not is_formatted_sql("\n".join(self.lines)):
            self.parse_raw()
            return
        index = 0
        while index < len(self.lines):
            line, number = self.lines[index], index + 1
            index = self.read_line(line, number, index + 1)
        if self.pending is not None:
            if "".join(self.pending.sql):
                self.finish(self.pending, final=True)
            else:
                self.finish_without_sql(self.pending)

    def parse_raw(self) -> None:
        """A plain .sql file (no header) is one changeset ``raw`` by ``includeAll``, as in Liquibase."""
        text = "\n".join(self.lines)
        if not text:
            raise self.error(f"Unable to parse empty file '{self.path}'")
        change = RawSqlChange(sql=text.strip() or None, split_statements=False, strip_comments=False)
        changeset = ChangeSet(id="raw", author="includeAll", file_path=self.path, changes=[change], line=1)
        self.state.add(changeset, self.inclusion, self.path)

    def read_line(self, line: str, number: int, next_index: int) -> int:
        """Handle one line; returns the index of the next line to read."""
        if not line.lstrip().startswith(("-", "/")):
            # Every directive starts with a dash (or "/*" for a rollback block): plain SQL.
            if self.pending is not None:
                self.pending.sql.append(line + "\n")
            return next_index
        if PROPERTY.fullmatch(line):
            self.property(line)
            return next_index
        if ALT_PROPERTY.fullmatch(line):
            raise self.malformed(number, "--property name=<property name> value=<property value>")
        if FIRST_LINE.fullmatch(line):
            self.logical_file_path = _group(LOGICAL_FILE_PATH, line)
        ignore = IGNORE_LINES.fullmatch(line)
        if ignore:
            return self.ignore_lines(ignore.group(1), number, next_index)
        if ALT_IGNORE_LINES.fullmatch(line) or ALT_IGNORE.fullmatch(line):
            raise self.malformed(number, "--ignoreLines:<count|start>")
        header = CHANGE_SET.fullmatch(line)
        if header:
            if self.pending is not None:
                self.finish(self.pending, final=False)
            self.pending = self.start(line, header, number)
            return next_index
        if ALT_CHANGE_SET_ONE_DASH.fullmatch(line) or ALT_CHANGE_SET_NO_INFO.fullmatch(line):
            raise self.malformed(number, "--changeset <authorname>:<changesetId>")
        if self.pending is None:
            if COMMENT.fullmatch(line):
                raise self.error(
                    f"Unexpected formatting at line {number}. Formatted SQL changelogs do not allow comment lines "
                    f"outside of changesets. Learn all the options at {_DOCS}",
                    number,
                )
            return next_index
        return self.changeset_line(self.pending, line, number, next_index)

    def ignore_lines(self, what: str, number: int, next_index: int) -> int:
        if what == "start":
            index = next_index
            while index < len(self.lines):
                line = self.lines[index]
                index += 1
                match = IGNORE_LINES.fullmatch(line)
                if match and match.group(1) == "end":
                    return index
                if not match and ALT_IGNORE_LINES.fullmatch(line):
                    raise self.malformed(index, "--ignoreLines:end")
            return index
        if not what.isdigit():
            raise self.error("Unknown ignoreLines syntax", number)
        return next_index + int(what)

    def property(self, line: str) -> None:
        name = self.expand(_group(NAME, line))
        value = self.expand(_group(VALUE, line))
        context = _group(CONTEXT_FILTER, line) or _group(CONTEXT, line)
        labels = _group(LABELS, line)
        dbms = _group(DBMS, line)
        prop = Property(
            name or "",
            value or "",
            contexts=self.expand(_unquote(context)) if context is not None else None,
            labels=self.expand(_unquote(labels)) if labels is not None else None,
            dbms=self.expand(dbms.strip()) if dbms is not None else None,
        )
        global_ = _boolean(GLOBAL, line, True)
        self.state.parameters.set(prop, global_=global_, changelog=self.changelog_key())

    def start(self, line: str, header: re.Match[str], number: int) -> _Pending:
        author_group, id_group = header.group(1), header.group(2)
        if not _exact_header(line, f"{author_group}:{id_group}"):
            raise self.malformed(number, "--changeset <authorname>:<changesetId>")
        attributes = _Attributes(line)
        context = attributes.get(CONTEXT_FILTER, "contextfilter:") or attributes.get(CONTEXT, "context:")
        labels = attributes.get(LABELS, "labels:")
        logical = attributes.get(LOGICAL_FILE_PATH, "logicalfilepath:") or self.logical_file_path or self.path
        logical = self.expand(logical_path(logical)) or ""
        ignore = attributes.get(IGNORE, "ignore:")
        dbms = attributes.get(DBMS, "dbms:")
        changeset = ChangeSet(
            id=self.expand(_unquote(id_group)) or "",
            author=self.expand(_unquote(author_group)) or "",
            file_path=normalize_path(logical),
            contexts=self.expand(_unquote(context)) if context is not None else None,
            labels=self.expand(_unquote(labels)) if labels is not None else None,
            dbms=self.expand(dbms) if dbms is not None else None,
            run_on_change=attributes.flag(RUN_ON_CHANGE, "runonchange:", False),
            run_always=attributes.flag(RUN_ALWAYS, "runalways:", False),
            run_in_transaction=attributes.flag(RUN_IN_TRANSACTION, "runintransaction:", True),
            fail_on_error=attributes.flag(FAIL_ON_ERROR, "failonerror:", True),
            ignore=(self.expand(ignore) or "").lower() == "true",
            run_with=self.expand(attributes.get(RUN_WITH, "runwith:")),
            line=number,
        )
        change = RawSqlChange(
            sql=self.previous_sql,
            strip_comments=attributes.flag(STRIP_COMMENTS, "stripcomments:", True),
            split_statements=attributes.flag(SPLIT_STATEMENTS, "splitstatements:", True),
            end_delimiter=attributes.get(END_DELIMITER, "enddelimiter:"),
        )
        changeset.changes.append(change)
        rollback_split_text = attributes.get(ROLLBACK_SPLIT_STATEMENTS, "rollbacksplitstatements:")
        rollback_split = None if rollback_split_text is None else rollback_split_text.lower() == "true"
        rollback_delimiter = attributes.get(ROLLBACK_END_DELIMITER, "rollbackenddelimiter:")
        return _Pending(changeset, change, number, rollback_split, rollback_delimiter)

    def changeset_line(self, pending: _Pending, line: str, number: int, next_index: int) -> int:
        changeset = pending.changeset
        comment = COMMENT.fullmatch(line)
        if comment:
            changeset.comment = comment.group(1)
        elif ALT_COMMENT_ONE_DASH.fullmatch(line) or ALT_COMMENT_PLURAL.fullmatch(line):
            raise self.malformed(number, "--comment <comment>")
        elif (valid := VALID_CHECK_SUM.fullmatch(line)) is not None:
            changeset.valid_checksums.append(valid.group(1).strip())
        elif ALT_VALID_CHECK_SUM.fullmatch(line):
            raise self.malformed(number, "--validChecksum <checksum>")
        elif (rollback := ROLLBACK.fullmatch(line)) is not None:
            pending.rollback.append(rollback.group(1) + "\n")
        elif ALT_ROLLBACK.fullmatch(line):
            raise self.malformed(number, "--rollback <rollback SQL>")
        elif ROLLBACK_MULTI_START.fullmatch(line):
            return self.multi_line_rollback(pending, next_index)
        elif (preconditions := PRECONDITIONS.fullmatch(line)) is not None:
            self.preconditions(changeset, preconditions.group(1), number)
        elif ALT_PRECONDITIONS.fullmatch(line):
            raise self.malformed(number, "--preconditions <onFail>|<onError>|<onUpdate>")
        elif (precondition := PRECONDITION.fullmatch(line)) is not None:
            self.precondition(changeset, precondition.group(1), precondition.group(2).strip(), number)
        elif ALT_PRECONDITION.fullmatch(line):
            raise self.malformed(number, "--precondition-sql-check")
        elif (empty := INVALID_EMPTY_PRECONDITION.fullmatch(line)) is not None:
            raise self.error(_EMPTY_PRECONDITION.get(empty.group(1), _unsupported(empty.group(1))), number)
        else:
            pending.sql.append(line + "\n")
        return next_index

    def multi_line_rollback(self, pending: _Pending, index: int) -> int:
        while index < len(self.lines):
            line = self.lines[index]
            index += 1
            if ROLLBACK_MULTI_END.fullmatch(line):
                head = re.split(r"\*\/\s*$", line)[0]
                if head.strip():
                    pending.rollback.append(head)
                return index
            pending.rollback.append(line)
        raise self.error("Liquibase rollback comment is not closed.", pending.line)

    def preconditions(self, changeset: ChangeSet, body: str, number: int) -> None:
        on_fail = (_group(ON_FAIL, body) or "HALT").strip().upper()
        on_error = (_group(ON_ERROR, body) or "HALT").strip().upper()
        for action in (on_fail, on_error):
            if action not in FAIL_ACTIONS:
                raise self.error(f"Unknown precondition action '{action}'", number)
        if ON_SQL_OUTPUT.fullmatch(body) and ON_UPDATE_SQL.fullmatch(body):
            raise self.error(
                "Please modify the changelog to have preconditions set with either 'onUpdateSql' or 'onSqlOutput', "
                "and not with both.",
                number,
            )
        try:
            on_output = sql_output_option(_group(ON_SQL_OUTPUT, body) or _group(ON_UPDATE_SQL, body))
        except ValueError as error:
            raise self.error(str(error), number) from None
        nested = changeset.preconditions.nested if changeset.preconditions else []
        changeset.preconditions = Preconditions(
            nested=nested,
            on_fail=on_fail,
            on_error=on_error,
            on_sql_output=on_output,
        )

    def precondition(self, changeset: ChangeSet, name: str, body: str, number: int) -> None:
        if changeset.preconditions is None:
            changeset.preconditions = Preconditions()
        body = self.expand(body.strip()) or ""
        if name == "sql-check":
            for pattern in RESULT_PATTERNS:
                match = pattern.fullmatch(body)
                if match:
                    changeset.preconditions.nested.append(SqlCheckPrecondition(match.group(1), match.group(2)))
                    return
            raise self.error(f"Could not parse a SqlCheck precondition from '{body}'.", number)
        if name in ("table-exists", "view-exists"):
            pattern = TABLE_NAME if name == "table-exists" else VIEW_NAME
            found = pattern.fullmatch(body)
            if found is None:
                kind = "Table" if name == "table-exists" else "View"
                raise self.error(
                    f"{kind} name was not specified correctly in {kind.lower()}Exists precondition.", number
                )
            schema = _group(SCHEMA_NAME, body)
            if name == "table-exists":
                changeset.preconditions.nested.append(TableExistsPrecondition(found.group(1), schema))
            else:
                changeset.preconditions.nested.append(ViewExistsPrecondition(found.group(1), schema))
            return
        raise self.error(_unsupported(name), number)

    def finish(self, pending: _Pending, *, final: bool) -> None:
        """Attach the collected SQL and rollback to the changeset and register it."""
        sql = self.expand("".join(pending.sql).strip() or None)
        if sql is None and not final:
            raise self.error(f"No SQL for changeset {pending.changeset.fqn}", pending.line)
        pending.change.sql = sql
        if final and pending.change.end_delimiter is None and (sql or "").strip().endswith("\n/"):
            pending.change.end_delimiter = "\n/$"
        self.previous_sql = sql
        pending.changeset.rollback = self.rollback_changes(pending)
        self.state.add(pending.changeset, self.inclusion, self.path)

    def finish_without_sql(self, pending: _Pending) -> None:
        """Liquibase keeps the previous changeset's SQL on a final changeset that has none (a quirk)."""
        self.state.add(pending.changeset, self.inclusion, self.path)

    def rollback_changes(self, pending: _Pending) -> list[Change] | None:
        text = "".join(pending.rollback)
        if not text.strip():
            return None
        lowered = text.strip().lower()
        if lowered.startswith(("not required", "empty")):
            return [EmptyChange()]
        if "changesetid" in lowered:
            return self.rollback_by_reference(text, pending.line)
        change = RawSqlChange(sql=(self.expand(text) or "").strip() or None)
        if pending.rollback_split is not None:
            change.split_statements = pending.rollback_split
        if pending.rollback_delimiter is not None:
            change.end_delimiter = pending.rollback_delimiter
        return [change]

    def rollback_by_reference(self, text: str, line: int) -> list[Change]:
        flat = text.replace("\n", "").replace("\r", "")
        changeset_id = (_group(ROLLBACK_ID, flat) or "").strip() or None
        author = (_group(ROLLBACK_AUTHOR, flat) or "").strip() or None
        path = (_group(ROLLBACK_PATH, flat) or "").strip() or self.path
        if changeset_id is None:
            raise self.error(f"'changesetId' not set in rollback block '{flat}'", line)
        if author is None:
            raise self.error(f"'changesetAuthor' not set in rollback block '{flat}'", line)
        found = self.state.find(path, changeset_id, author)
        if not found:
            raise self.error(f"Change set {path}::{changeset_id}::{author} does not exist", line)
        return [change for changeset in found for change in changeset.changes]


_EMPTY_PRECONDITION = {
    "sql-check": "Precondition sql check failed because of missing required expectedResult and sql parameters.",
    "table-exists": "Precondition table exists failed because of missing required table name parameter.",
    "view-exists": "Precondition view exists failed because of missing required view name parameter.",
}


def _unsupported(name: str) -> str:
    return f"The '{name}' precondition type is not supported."


def parse_formatted_sql(state: ParseState, inclusion: Inclusion, text: str) -> None:
    FormattedSqlParser(state, inclusion, text).parse()
