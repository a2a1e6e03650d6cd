"""``SHOW CREATE TABLE`` on MySQL/MariaDB that never fails on a binary column's default.

SQLAlchemy's MySQL dialect reflects a table (columns, keys, indexes) by parsing the text of
``SHOW CREATE TABLE``. MariaDB writes a binary column's default there as its raw bytes
(``BINARY(2) DEFAULT 0xFF00`` comes back as ``DEFAULT '\\xff\\0'``), which are not UTF-8: the
driver fails to decode the row and the connection is left unusable. So the row is read as bytes
(the rest of the text is UTF-8: the server converts identifiers, comments and text defaults to it)
and a quoted literal that is not UTF-8 is rewritten as the hex literal of its bytes (``0xff00``, as
MySQL 8 itself prints them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc

_ESCAPES = {ord("0"): b"\0", ord("b"): b"\b", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("Z"): b"\x1a",
            ord("%"): b"\\%", ord("_"): b"\\_"}
"""MySQL's backslash escapes in a string literal; any other escaped byte stands for itself."""


def install(dialect: Any) -> None:
    """Make this dialect instance (one engine's) read table definitions with ``show_create_table``."""

    def _show_create_table(connection: Any, table: Any, charset: str | None = None, full_name: str | None = None
                           ) -> str:
        if full_name is None:
            full_name = dialect.identifier_preparer.format_table(table)
        return show_create_table(connection, dialect, full_name)

    dialect._show_create_table = _show_create_table


def show_create_table(connection: Any, dialect: Any, full_name: str) -> str:
    """The ``CREATE TABLE`` text of ``full_name`` (quoted), binary defaults as hex literals.

    PyMySQL decodes text with its connection's ``encoding``: for this one statement it is latin-1,
    which maps every byte to one character, so the row's bytes come back unchanged (and the
    statement is passed as the characters whose latin-1 bytes are its own encoding). No round trip
    is added: the session's character sets are not touched."""
    dbapi_connection = connection.connection.dbapi_connection
    encoding = dbapi_connection.encoding
    statement = f"SHOW CREATE TABLE {full_name}".encode(encoding).decode("latin-1")
    dbapi_connection.encoding = "latin-1"
    try:
        row = connection.execution_options(skip_user_error_events=True).exec_driver_sql(statement).first()
    except exc.DBAPIError as error:
        if dialect._extract_error_code(error.orig) == 1146:
            raise exc.NoSuchTableError(full_name) from error
        raise
    finally:
        dbapi_connection.encoding = encoding
    if not row:
        raise exc.NoSuchTableError(full_name)
    identifier_quote = b'"' if dialect._server_ansiquotes else b"`"
    return decode_create_table(row[1].encode("latin-1"), identifier_quote, dialect._backslash_escapes).strip()


def decode_create_table(raw: bytes, identifier_quote: bytes = b"`", backslash_escapes: bool = True) -> str:
    """``raw`` as text: UTF-8, except string literals that are not, which become ``0x`` hex literals."""
    parts: list[str] = []
    start = position = 0
    while position < len(raw):
        byte = raw[position:position + 1]
        if byte == identifier_quote:  # an identifier may hold a quote: skip it whole (doubled quotes escape)
            position = _closing(raw, position, identifier_quote, backslash_escapes=False)[0]
        elif byte == b"'":
            end, value = _closing(raw, position, b"'", backslash_escapes)
            literal = raw[position:end]
            try:
                literal.decode()
            except UnicodeDecodeError:
                parts.append(raw[start:position].decode())
                parts.append("0x" + value.hex())
                start = end
            position = end
        else:
            position += 1
    parts.append(raw[start:].decode())
    return "".join(parts)


def _closing(raw: bytes, opening: int, quote: bytes, backslash_escapes: bool) -> tuple[int, bytes]:
    """(the index after the closing quote of the quoted text opened at ``opening``, its unescaped bytes)."""
    value = bytearray()
    position = opening + 1
    while position < len(raw):
        byte = raw[position:position + 1]
        if byte == quote:
            if raw[position + 1:position + 2] != quote:
                return position + 1, bytes(value)
            value += quote
            position += 2
        elif byte == b"\\" and backslash_escapes and position + 1 < len(raw):
            escaped = raw[position + 1]
            value += _ESCAPES.get(escaped, bytes([escaped]))
            position += 2
        else:
            value += byte
            position += 1
    return position, bytes(value)
