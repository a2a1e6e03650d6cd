"""Zip bundles are read with bounds: bombs and broken entries are refused with 400/413, nothing stored."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from schemashift.dbschema.bundles import bundle_from_zip
from schemashift.errors import PayloadTooLarge, ValidationFailed


def _zip(files: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", method) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return sink.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_expanded() -> None:
    data = _zip({"changelog.sql": "-- liquibase formatted sql\n" + " " * 19_000_000})
    assert len(data) < 40_000
    with pytest.raises(PayloadTooLarge, match="expands past"):
        bundle_from_zip(data, None)


def test_broken_entries_are_400s_naming_the_entry() -> None:
    good = _zip({"changelog.sql": "-- liquibase formatted sql\n-- changeset a:1\nSELECT 1;\n" * 20})
    corrupt = bytearray(good)
    start = corrupt.index(b"changelog.sql") + len("changelog.sql")
    corrupt[start + 5:start + 40] = b"\xff" * 35  # the deflate stream
    with pytest.raises(ValidationFailed, match=r"changelog\.sql"):
        bundle_from_zip(bytes(corrupt), None)
    with pytest.raises(ValidationFailed, match="not a valid zip"):
        bundle_from_zip(good[:50], None)
    with pytest.raises(ValidationFailed, match="UTF-8"):
        bundle_from_zip(_zip({"changelog.sql": b"\xff\xfe\xfa"}), None)
    bad_method = bytearray(_zip({"changelog.sql": "x" * 100}, zipfile.ZIP_STORED))
    header = bad_method.index(b"PK\x03\x04")
    bad_method[header + 8:header + 10] = (99).to_bytes(2, "little")  # an unknown compression method
    central = bad_method.index(b"PK\x01\x02")
    bad_method[central + 10:central + 12] = (99).to_bytes(2, "little")
    with pytest.raises(ValidationFailed, match="cannot be read"):
        bundle_from_zip(bytes(bad_method), None)


def test_zip_bombs_through_the_api_change_nothing(api) -> None:
    base = "/v1/orgs/limits/projects/zip"
    api.post(f"{base}/dbschema", {"identifier": "s", "name": "s"})
    bomb = base64.b64encode(_zip({"changelog.sql": " " * 19_000_000})).decode()
    response = api.put(f"{base}/dbschema/s/changelog", {"rootFile": "changelog.sql", "zipBase64": bomb})
    assert response.status == 413 and "expands past" in response.json()["message"]
    assert api.get(f"{base}/dbschema/s").json()["changelog"] is None
