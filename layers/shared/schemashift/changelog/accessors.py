"""Resource accessors: where changelog files are read from."""

from __future__ import annotations

import posixpath
from pathlib import Path

from schemashift.changelog.model import ChangelogError


def _clean(path: str) -> str:
    path = path.replace("\\", "/")
    if path.startswith("classpath:"):
        path = path[len("classpath:") :]
    normalized = posixpath.normpath(path.lstrip("/")) if path.strip("/") else ""
    return "" if normalized == "." else normalized


class FileSystemAccessor:
    """Reads changelog files from a list of search-path directories (Liquibase ``--search-path``)."""

    def __init__(self, search_paths: list[str]) -> None:
        self.search_paths = [Path(path) for path in search_paths] or [Path(".")]

    def _locate(self, path: str) -> Path | None:
        candidate = Path(path)
        if candidate.is_absolute() and candidate.exists():
            return candidate
        relative = _clean(path)
        for root in self.search_paths:
            found = root / relative
            if found.exists():
                return found
        return None

    def read_text(self, path: str) -> str:
        found = self._locate(path)
        if found is None or not found.is_file():
            raise ChangelogError(f"The file {path} was not found in the configured search path")
        return found.read_bytes().decode("utf-8-sig")

    def read_bytes(self, path: str) -> bytes:
        """The file's raw bytes (loadData CSVs: gzip, other encodings, checksums over the bytes)."""
        found = self._locate(path)
        if found is None or not found.is_file():
            raise ChangelogError(f"The file {path} was not found in the configured search path")
        return found.read_bytes()

    def list_dir(self, path: str, recursive: bool = True) -> list[str]:
        found = self._locate(path)
        if found is None or not found.is_dir():
            return []
        pattern = "**/*" if recursive else "*"
        base = path.rstrip("/\\")
        return sorted(
            f"{base}/{child.relative_to(found).as_posix()}" if base else child.relative_to(found).as_posix()
            for child in found.glob(pattern)
            if child.is_file()
        )


class BundleAccessor:
    """Reads changelog files from an uploaded bundle ``{path: text}`` (paths relative to its root)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = {_clean(path): text for path, text in files.items()}

    def read_text(self, path: str) -> str:
        text = self.files.get(_clean(path))
        if text is None:
            raise ChangelogError(f"The file {path} was not found in the changelog bundle")
        return text

    def read_bytes(self, path: str) -> bytes:
        """A bundle holds text: its UTF-8 bytes."""
        return self.read_text(path).encode("utf-8")

    def list_dir(self, path: str, recursive: bool = True) -> list[str]:
        prefix = _clean(path)
        prefix = f"{prefix}/" if prefix else ""
        base = path.rstrip("/\\")
        found: list[str] = []
        for name in self.files:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if not recursive and "/" in rest:
                continue
            found.append(f"{base}/{rest}" if base else rest)
        return sorted(found)
