"""Changelog bundles: ``{rootFile, files}`` (or a zip), stored content-addressed in S3.

The same bytes always have the same key, so re-uploading an unchanged changelog is free and a
deployment can name the exact changelog version it ran.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import posixpath
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from schemashift.dbschema.services import Services
from schemashift.errors import PayloadTooLarge, ValidationFailed
from schemashift.limits import MAX_ZIP_EXPANDED_BYTES, MAX_ZIP_RATIO

MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_FILES = 5000
ROOT_CANDIDATES = ("changelog.xml", "changelog.yaml", "changelog.yml", "changelog.json", "changelog.sql",
                   "db.changelog-master.xml", "db.changelog-master.yaml", "db.changelog-master.yml",
                   "db.changelog-master.json", "db.changelog-master.sql")


@dataclass(frozen=True)
class Bundle:
    """A changelog's files by path, with the file Liquibase starts from."""

    root_file: str
    files: dict[str, str]

    @property
    def canonical_bytes(self) -> bytes:
        return json.dumps({"rootFile": self.root_file, "files": dict(sorted(self.files.items()))},
                          separators=(",", ":"), ensure_ascii=False).encode()

    @property
    def sha256(self) -> str:
        import hashlib  # OpenSSL's hashlib: when a bundle is stored, not to load a route

        return hashlib.sha256(self.canonical_bytes).hexdigest()


def _safe_path(path: str) -> str:
    cleaned = path.replace("\\", "/")
    normalized = posixpath.normpath(cleaned.lstrip("/"))
    if normalized.startswith("..") or normalized in (".", ""):
        raise ValidationFailed(f"bundle path {path!r} is not a relative path inside the bundle")
    return normalized


def bundle_from_files(root_file: str | None, files: dict[str, str], *, flyway: bool = False) -> Bundle:
    """A Liquibase bundle needs its root changelog; a Flyway bundle's root is its configuration file
    (``flyway.toml`` / ``flyway.conf``, or none)."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"a changelog bundle holds at most {MAX_FILES} files")
    total = sum(len(text.encode()) for text in files.values())
    if total > MAX_BUNDLE_BYTES:
        raise PayloadTooLarge(f"changelog bundle is {total} bytes; the limit is {MAX_BUNDLE_BYTES}")
    cleaned = {_safe_path(p): text for p, text in files.items()}
    if flyway:
        from schemashift.flyway.project import config_file

        return Bundle(root_file=config_file(cleaned) or "", files=cleaned)
    if not root_file:
        raise ValidationFailed("rootFile is required: name the root changelog among the files",
                               details={"files": sorted(cleaned)[:50]})
    root = _safe_path(root_file)
    if root not in cleaned:
        raise ValidationFailed(f"rootFile '{root_file}' is not one of the bundle's files",
                               details={"files": sorted(cleaned)[:50]})
    return Bundle(root_file=root_file.replace("\\", "/").lstrip("/"), files=cleaned)


def bundle_from_zip(data: bytes, root_file: str | None, *, flyway: bool = False) -> Bundle:
    """The files of a zip, read with bounds: entries are decompressed at most to the remaining budget
    (the declared sizes of a zip bomb are not trusted), the whole expands at most ``MAX_ZIP_RATIO`` times
    its compressed size, and a broken or unsupported entry is a 400 naming it."""
    import lzma  # with zipfile (and its bz2/shutil), only for the routes that receive a zip
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ValidationFailed("zip bundle is not a valid zip archive") from None
    if len(infos) > MAX_FILES:
        raise ValidationFailed(f"a changelog bundle holds at most {MAX_FILES} files")
    budget = min(MAX_ZIP_EXPANDED_BYTES, max(len(data), 1) * MAX_ZIP_RATIO)
    files: dict[str, str] = {}
    total = 0
    for info in infos:
        try:
            with archive.open(info) as entry:
                raw = entry.read(budget - total + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError,
                zlib.error, lzma.LZMAError) as error:
            raise ValidationFailed(f"zip entry {info.filename[:200]!r} cannot be read: {error}"[:400]) from None
        total += len(raw)
        if total > budget:
            raise PayloadTooLarge(f"zip bundle expands past {budget} bytes (at most {MAX_ZIP_RATIO}x its "
                                  f"{len(data)} compressed bytes, and at most {MAX_ZIP_EXPANDED_BYTES} bytes)")
        try:
            files[info.filename] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(f"bundle file {info.filename[:200]!r} is not UTF-8 text") from None
    if flyway:
        return bundle_from_files(None, files, flyway=True)
    if not root_file:
        root_file = next((c for c in ROOT_CANDIDATES if c in files), None)
        if root_file is None:
            raise ValidationFailed("zip bundle has no rootFile; name one or include changelog.(xml|yaml|json|sql)")
    return bundle_from_files(root_file, files)


def decode_zip_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("zipBase64 is not valid base64") from None


def bundle_key(account: str, org: str, project: str, schema: str, sha256: str) -> str:
    return f"bundles/{account}/{org}/{project}/{schema}/{sha256}.json"


def store_bundle(svc: Services, key: str, bundle: Bundle) -> None:
    svc.s3.put_object(Bucket=svc.bucket, Key=key, Body=bundle.canonical_bytes,
                      ContentType="application/json")


@lru_cache(maxsize=16)
def load_bundle(svc: Services, key: str) -> Bundle:
    """Bundles are immutable (content-addressed), so a warm Lambda keeps them."""
    body = svc.s3.get_object(Bucket=svc.bucket, Key=key)["Body"].read()
    data: dict[str, Any] = json.loads(body)
    return Bundle(root_file=data["rootFile"], files=data["files"])
