"""loadData and loadUpdateData: rows from a CSV file in the changelog bundle.

As in Liquibase 4.28 (``LoadDataChange``): the first CSV line names the columns; ``column``
elements give a column a type (NUMERIC, BOOLEAN, DATE, STRING, COMPUTED, SEQUENCE, BLOB,
UUID, OTHER, SKIP), another name, or a default for empty cells; columns without a type take
it from the live table. ``NULL`` cells are NULL, empty string cells stay empty. loadData
sends multi-row INSERTs in batches; loadUpdateData updates the row with the same
``primaryKey`` values or inserts it (Liquibase's per-database upsert), and rolls back by
deleting those rows. The checksum covers only the table name and the file's bytes (blank and
comment lines skipped), never the column settings, exactly as Liquibase computes it.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime
import gzip
import io
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from schemashift.changelog.changes.base import BeanChange, ColumnConfig, _date, _numeric, register
from schemashift.changelog.changes.datatypes import parse_type
from schemashift.changelog.changes.sqlbuild import boolean_literal, qualified, quote, string_literal
from schemashift.changelog.changes.unsupported import UnsupportedElement
from schemashift.changelog.changes.values import computed_sql, sequence_next_sql, value_sql
from schemashift.changelog.checksums import compute, md5_hex
from schemashift.changelog.model import Change, DatabaseProbe, Dialect

BATCH_ROWS = 200
"""Rows per INSERT statement (SQLite accepts at most 500 rows in one VALUES list)."""
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
_TIME_ONLY = re.compile(r"^\d{2}:\d{2}:\d{2}")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_NUMERIC_TYPES = {"int", "bigint", "smallint", "tinyint", "mediumint", "decimal", "number", "double", "float", "currency"}
_DATE_TYPES = {"date", "datetime", "timestamp", "time"}
_LOAD_TYPES = {"BOOLEAN", "NUMERIC", "DATE", "STRING", "COMPUTED", "SEQUENCE", "BLOB", "CLOB", "SKIP", "UUID", "OTHER"}


@dataclasses.dataclass(eq=False)
class LoadDataColumnConfig(ColumnConfig):
    bean: ClassVar[tuple[str, ...]] = (*ColumnConfig.bean, "index", "header", "allowUpdate")
    index: int | None = None
    header: str | None = None
    allow_update: bool | None = None


def _parse_boolean(text: str) -> bool:
    """``BooleanUtil.parseBoolean``."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    try:
        return int(value) > 0
    except ValueError:
        return False


def checksum_bytes(data: bytes, comment: str | None) -> bytes:
    """What ``EmptyLineAndCommentSkippingInputStream`` lets through: no CRs, blank or comment lines,
    nor leading and trailing newlines (a comment line is one whose first byte is the comment's first).

    Without NUL and CR bytes that is a split on newlines; otherwise (gzipped files, CRLF) the Java
    stream is replayed byte by byte, quirks included (a NUL or CR ends a comment line).
    """
    mark = comment.encode()[:1] if comment else b""
    if b"\x00" not in data and b"\r" not in data:
        lines = data.split(b"\n")
        return b"\n".join(line for line in lines if line and not (mark and line.startswith(mark)))
    return _replay(data, mark[0] if mark else None)


def _replay(data: bytes, mark: int | None) -> bytes:
    """``EmptyLineAndCommentSkippingInputStream.read`` with its tail calls turned into loops."""
    size, position, last = len(data), 0, -1

    def next_byte() -> int:
        nonlocal position
        if position >= size:
            return -1
        position += 1
        return data[position - 1]

    def read(previous: int, look_ahead: bool) -> int:
        nonlocal position, last
        while True:
            byte = next_byte()
            if mark is not None and byte == mark and previous in (10, -1):
                byte = next_byte()
                while byte not in (10, 13) and byte > 0:
                    byte = next_byte()
            if byte < 0:
                return byte
            if byte == 13 or (byte == 10 and (previous == 10 or previous < 0)):
                previous, look_ahead = last, False
                continue
            if byte == 10:
                saved = position
                if read(10, True) < 0:
                    return -1
                position = saved
            if not look_ahead:
                last = byte
            return byte

    out = bytearray()
    while (byte := read(last, False)) >= 0:
        out.append(byte)
    return bytes(out)


def _load_type(column_type: str | None, dialect: str) -> str:
    """The load type Liquibase derives from a live column type (``LiquibaseDataType.getLoadTypeName``)."""
    text = (column_type or "").strip()
    if dialect in ("mysql", "mariadb") and text.lower().replace(" ", "") in ("tinyint(1)", "bit(1)", "bit"):
        return "BOOLEAN"
    name = parse_type(text).name if text else ""
    if name in _NUMERIC_TYPES:
        return "NUMERIC"
    if name == "boolean":
        return "BOOLEAN"
    if name in _DATE_TYPES:
        return "DATE"
    if name == "clob":
        return "CLOB"
    if name == "blob":
        return "BLOB"
    if name == "uuid":
        return "UUID"
    return "STRING"


@dataclasses.dataclass
class _Cell:
    column: str
    sql: str
    allow_update: bool = True
    is_null: bool = False


@register
@dataclasses.dataclass(eq=False, repr=False)
class LoadDataChange(BeanChange):
    name: ClassVar[str] = "loadData"
    bean: ClassVar[tuple[str, ...]] = (
        "catalogName", "columns", "commentLineStartsWith", "encoding", "file", "quotchar",
        "relativeToChangelogFile", "schemaName", "separator", "tableName", "usePreparedStatements",
    )  # fmt: skip
    column_class: ClassVar[type[ColumnConfig]] = LoadDataColumnConfig
    catalog_name: str | None = None
    schema_name: str | None = None
    table_name: str | None = None
    file: str | None = None
    comment_line_starts_with: str | None = "#"
    relative_to_changelog_file: bool | None = None
    encoding: str | None = None
    separator: str | None = ","
    quotchar: str | None = '"'
    use_prepared_statements: bool | None = None
    columns: list[LoadDataColumnConfig] = dataclasses.field(default_factory=list)
    file_bytes: bytes | None = None
    """The CSV file as stored (set by the parser, which knows the bundle)."""

    def checksum(self, version: int = 9) -> str:
        if self.file_bytes is None:
            raise UnsupportedElement(f"{self.name}: the file {self.file} was not found")
        data = checksum_bytes(self._contents(), self.comment_line_starts_with)
        return compute(f"{self.table_name}:{version}:{md5_hex(data)}", version)

    def validate(self, dialect: Dialect) -> list[str]:
        problems = self.require("tableName", "file")
        if self.file and self.file_bytes is None:
            problems.append(f"The file {self.file} was not found")
        return problems

    # -- reading ----------------------------------------------------------------------------

    def _contents(self) -> bytes:
        """The file's bytes; a ``.gz`` file is decompressed (Liquibase's PathResource does so for any reader)."""
        data = self.file_bytes or b""
        return gzip.decompress(data) if (self.file or "").lower().endswith(".gz") else data

    def _text(self) -> str:
        data = self._contents()
        encoding = self.encoding or "utf-8"
        return data.decode("utf-8-sig" if encoding.lower().replace("-", "") == "utf8" else encoding)

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        quote_char = (self.quotchar or "").strip()[:1]
        options: dict[str, Any] = {"delimiter": (self.separator or ",")[:1], "strict": False}
        options.update({"quotechar": quote_char, "doublequote": True} if quote_char else {"quoting": csv.QUOTE_NONE})
        reader = csv.reader(io.StringIO(self._text(), newline=""), **options)
        for record in reader:
            yield reader.line_num, record

    def _configs(self, headers: list[str]) -> list[LoadDataColumnConfig]:
        """``addColumnsFromHeaders``: every header gets a config (a declared one, else a new one)."""
        configs = [dataclasses.replace(column) for column in self.columns]
        for index, header in enumerate(headers):
            found = next((c for c in configs if header in (c.name, c.header) or c.index == index), None)
            if found is None:
                if not header.strip():
                    raise UnsupportedElement(f"loadData {self.file}: Unreferenced unnamed column is not supported")
                found = LoadDataColumnConfig(name=header)
                configs.append(found)
            found.index, found.header = index, header
        return configs

    def _fill_types(self, configs: list[LoadDataColumnConfig], dialect: Dialect, probe: DatabaseProbe | None) -> None:
        """``retrieveMissingColumnLoadTypes``: untyped columns take their load type from the live table."""
        if probe is None or all(config.type is not None for config in configs):
            return
        from schemashift.changelog.changes.sqlbuild import sa_dialect

        live = {
            name.lower(): column_type
            for name, column_type in probe.columns(self.table_name or "", self.schema_name)  # type: ignore[attr-defined]
        }
        for config in configs:
            if config.type is None and (config.name or "").lower() in live:
                column_type = live[(config.name or "").lower()]
                try:
                    spec = column_type.compile(dialect=sa_dialect(dialect))
                except Exception:  # a type SQLAlchemy cannot render: Liquibase falls back to STRING too
                    spec = ""
                config.type = _load_type(str(spec), dialect)

    def rows(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> Iterator[list[_Cell]]:
        """Each data line as the cells to write, in CSV order (skipped columns left out)."""
        records = self._records()
        first = next(records, None)
        if first is None:
            raise UnsupportedElement(f"Data file {self.file} was empty")
        headers = first[1]
        configs = self._configs(headers)
        self._fill_types(configs, dialect, probe)
        comment = self.comment_line_starts_with
        for line_number, line in records:
            if not line or (len(line) == 1 and not line[0].strip()) or (comment and line[0].startswith(comment)):
                continue
            if len(line) != len(headers):
                raise UnsupportedElement(
                    f"CSV file {self.file} Line {line_number} has {len(line)} values defined, Header has "
                    f"{len(headers)}. Numbers MUST be equal (check for unquoted string with embedded commas)"
                )
            cells = []
            for index, raw in enumerate(line):
                config = _config_for(configs, index, headers[index].strip())
                cell = self._cell(config, headers[index].strip(), raw, dialect)
                if cell is not None:
                    cells.append(cell)
            yield cells

    def _cell(self, config: LoadDataColumnConfig | None, header: str, raw: str, dialect: Dialect) -> _Cell | None:
        if config is None:
            text = "" if raw.upper() == "NULL" else raw.strip()
            return _Cell(quote(header, dialect), string_literal(text, dialect))
        kind = (config.type or "").upper()
        if kind == "SKIP":
            return None
        column = quote(config.name or header, dialect)
        allow = config.allow_update is None or config.allow_update
        value: str | None = raw if raw != "" else config.default_value
        if value is not None and value.upper() == "NULL":
            return _Cell(column, "NULL", allow, is_null=True)
        sql = self._literal(config, kind, value, dialect)
        return _Cell(column, "NULL" if sql is None else sql, allow, is_null=sql is None)

    def _literal(self, config: LoadDataColumnConfig, kind: str, value: str | None, dialect: Dialect) -> str | None:
        if config.type is None or kind not in _LOAD_TYPES:
            return None if value is None else string_literal(value, dialect)
        if kind == "BOOLEAN":
            flag = config.default_value_boolean if value is None else _parse_boolean(value)
            return None if flag is None else boolean_literal(flag, dialect)
        if kind == "NUMERIC":
            if value is None:
                return config.default_value_numeric
            number, computed = _numeric(value)
            return number if number is not None else computed
        if kind == "DATE":
            if value is None:
                return value_sql(ColumnConfig(value_date=config.default_value_date), dialect)
            date, computed = _date(value)
            if date is not None and dialect == "sqlite" and self.binds_values():
                return _epoch_millis(date)
            return value_sql(ColumnConfig(value_date=date, value_computed=computed), dialect)
        if kind == "STRING":
            return string_literal(value or "", dialect)
        if kind == "COMPUTED":
            computed = value if value is not None else config.default_value_computed
            return None if computed is None else computed_sql(computed, dialect)
        if kind == "SEQUENCE":
            if value is None:
                raise UnsupportedElement("Must set a sequence name in the loadData column defaultValue attribute")
            return sequence_next_sql(value, dialect)
        if kind == "BLOB" and value is not None and _BASE64.match(value):
            return _bytes_literal(base64.b64decode(value), dialect)
        if kind in ("BLOB", "CLOB"):
            raise UnsupportedElement(
                f"loadData {self.file}: {kind} values read from files ({value}) are not supported; "
                "give BLOB cells base64-encoded, or load the column with sql"
            )
        return None if value is None else string_literal(value, dialect)

    def binds_values(self) -> bool:
        """Whether Liquibase binds the values (prepared statements): on SQLite unless turned off.

        It matters for dates only: the SQLite JDBC driver stores a bound date as epoch
        milliseconds (the service runs in UTC), where a literal stays text.
        """
        return self.use_prepared_statements is not False

    # -- statements -------------------------------------------------------------------------

    def table_sql(self, dialect: str) -> str:
        return qualified(self.schema_name, self.table_name or "", dialect)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        statements: list[str] = []
        batch: list[list[_Cell]] = []
        for cells in self.rows(dialect, probe):
            if batch and [cell.column for cell in cells] != [cell.column for cell in batch[0]]:
                statements.append(self._insert(batch, dialect))
                batch = []
            batch.append(cells)
            if len(batch) >= BATCH_ROWS:
                statements.append(self._insert(batch, dialect))
                batch = []
        if batch:
            statements.append(self._insert(batch, dialect))
        return statements

    def _insert(self, batch: list[list[_Cell]], dialect: str) -> str:
        names = ", ".join(cell.column for cell in batch[0])
        values = ", ".join("(" + ", ".join(cell.sql for cell in cells) + ")" for cells in batch)
        return f"INSERT INTO {self.table_sql(dialect)} ({names}) VALUES {values}"


def _config_for(configs: list[LoadDataColumnConfig], index: int, header: str) -> LoadDataColumnConfig | None:
    """``getColumnConfig``: by index, then header, then name (case-insensitively)."""
    for config in configs:
        if config.index is not None and config.index == index:
            return config
        if config.header is not None and config.header.lower() == header.lower():
            return config
        if config.name is not None and config.name.lower() == header.lower():
            return config
    return None


def _epoch_millis(value: str) -> str:
    """A Liquibase ISO date/time/timestamp as the epoch milliseconds sqlite-jdbc stores for it (UTC)."""
    if _TIME_ONLY.match(value):
        moment = datetime.datetime.fromisoformat(f"1970-01-01T{value}")
    else:
        moment = datetime.datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=datetime.UTC)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return str((moment - epoch) // datetime.timedelta(milliseconds=1))


def _bytes_literal(data: bytes, dialect: str) -> str:
    if dialect == "postgresql":
        return f"'\\x{data.hex()}'::bytea"
    return f"X'{data.hex()}'"


@register
@dataclasses.dataclass(eq=False, repr=False)
class LoadUpdateDataChange(LoadDataChange):
    name: ClassVar[str] = "loadUpdateData"
    bean: ClassVar[tuple[str, ...]] = (*LoadDataChange.bean, "onlyUpdate", "primaryKey")
    primary_key: str | None = None
    only_update: bool | None = None

    def validate(self, dialect: Dialect) -> list[str]:
        return super().validate(dialect) + self.require("primaryKey")

    def binds_values(self) -> bool:
        return False  # Liquibase's loadUpdateData always writes literal statements

    def _keys(self, dialect: str) -> list[str]:
        return [quote(part.strip(), dialect) for part in (self.primary_key or "").split(",") if part.strip()]

    def _where(self, cells: list[_Cell], dialect: str) -> str:
        by_column = {cell.column: cell for cell in cells}
        parts = []
        for key in self._keys(dialect):
            cell = by_column.get(key)
            parts.append(f"{key} is NULL" if cell is None or cell.is_null else f"{key} = {cell.sql}")
        return " AND ".join(parts)

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        return [self._upsert(cells, dialect) for cells in self.rows(dialect, probe)]

    def _upsert(self, cells: list[_Cell], dialect: str) -> str:
        """``InsertOrUpdateGenerator`` and its PostgreSQL, MySQL and SQLite variants."""
        table, keys, where = self.table_sql(dialect), set(self._keys(dialect)), self._where(cells, dialect)
        updates = [f"{cell.column} = {cell.sql}" for cell in cells if cell.column not in keys and cell.allow_update]
        update = f"UPDATE {table} SET {', '.join(updates)} WHERE {where}" if updates else None
        insert = self._insert([cells], dialect)
        if self.only_update:
            if update is None:
                raise UnsupportedElement(f"loadUpdateData {self.file}: No fields to update in set clause")
            return update
        if dialect == "sqlite":
            return insert.replace("INSERT INTO", "INSERT OR REPLACE INTO", 1)
        if dialect in ("mysql", "mariadb"):
            if not updates:
                return insert.replace("INSERT ", "INSERT IGNORE ", 1)
            return f"{insert} ON DUPLICATE KEY UPDATE {', '.join(updates)}"
        check = f"{update};" if update else f"perform * from {table} WHERE {where};"
        return f"DO\n$$\nBEGIN\n{check}\nIF not found THEN\n{insert};\nEND IF;\nEND;\n$$\nLANGUAGE plpgsql"

    def inverse(self) -> list[Change]:
        return [_DeleteLoadedRows(self)]


@dataclasses.dataclass(eq=False, repr=False)
class _DeleteLoadedRows(Change):
    """loadUpdateData's automatic rollback: delete each loaded row by its primary key."""

    name: ClassVar[str] = "delete"
    change: LoadUpdateDataChange

    def generate_statements(self, dialect: Dialect, probe: DatabaseProbe | None = None) -> list[str]:
        table = self.change.table_sql(dialect)
        return [f"DELETE FROM {table} WHERE {self.change._where(cells, dialect)}" for cells in self.change.rows(dialect, probe)]
