"""Flyway's checksum of a migration script, and its placeholder replacement.

Flyway (``ChecksumCalculator``, 10.x/11.x) reads the script line by line (``\\n``, ``\\r\\n`` and
``\\r`` end a line), drops a UTF-8 byte order mark from the first line, and feeds each line's
UTF-8 bytes, *without* its line terminator, to one CRC-32; the stored value is that CRC as a
signed 32-bit integer. So line endings and a BOM never change a checksum, while trailing spaces
and blank-line content do.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping

from schemashift.errors import ValidationFailed

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


class PlaceholderMissing(ValidationFailed):
    code = "FLYWAY_PLACEHOLDER_MISSING"


def flyway_checksum(text: str) -> int:
    """The value Flyway stores in ``flyway_schema_history.checksum`` for a script with ``text``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    value = zlib.crc32(_LINE_BREAKS.sub("", text).encode("utf-8", errors="replace"))
    return value - (1 << 32) if value >= (1 << 31) else value


def replace_placeholders(
    text: str, values: Mapping[str, str], *, prefix: str = "${", suffix: str = "}", separator: str = ":"
) -> str:
    """Replace every ``prefix name suffix`` as Flyway's ``PlaceholderReplacingReader`` does.

    Names match case-insensitively; a name with no value is an error (Flyway's own message),
    wherever it appears, strings and comments included. An unterminated placeholder is left as is.
    """
    if not prefix or prefix not in text:
        return text
    lowered = {name.lower(): value for name, value in values.items()}
    out: list[str] = []
    position = 0
    while True:
        start = text.find(prefix, position)
        if start < 0:
            out.append(text[position:])
            return "".join(out)
        end = text.find(suffix, start + len(prefix))
        if end < 0:
            out.append(text[position:])
            return "".join(out)
        name = text[start + len(prefix) : end]
        if name.lower() not in lowered:
            canonical = f"{prefix}{name}{suffix}"
            if name.startswith(f"flyway{separator}"):
                raise PlaceholderMissing(f"Failed to populate value for default placeholder: {canonical}")
            raise PlaceholderMissing(f"No value provided for placeholder: {canonical}.  Check your configuration!")
        out.append(text[position:start])
        out.append(lowered[name.lower()] or "")
        position = end + len(suffix)
