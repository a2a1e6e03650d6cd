"""``schemashift changelog push --schema S DIR``: upload a changelog folder as one bundle.

Every text file under DIR becomes ``files[path]`` (paths relative to DIR, as ``include`` sees them);
the root file is ``--root-file`` or, as Liquibase projects name it, the first of ``changelog.xml``,
``changelog.yaml``, ... ``db.changelog-master.sql`` found at the top of DIR. The answer lists what
was registered: version, changeset count, and how many changesets are new.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemashift.cli.http import Api, add_api_arguments
from schemashift.errors import ValidationFailed

SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".schemashift"}


def register(subparsers: argparse._SubParsersAction) -> None:
    changelog = subparsers.add_parser("changelog", help="changelogs of a schema")
    sub = changelog.add_subparsers(dest="changelog_command", required=True)
    push = sub.add_parser("push", help="bundle a changelog folder and upload it (PUT .../changelog)")
    add_api_arguments(push)
    push.add_argument("--org", default="default")
    push.add_argument("--project", required=True)
    push.add_argument("--schema", required=True)
    push.add_argument("--root-file", help="the root changelog, relative to DIR (default: found by name)")
    push.add_argument("--dry-run", action="store_true", help="print the bundle's files and root; upload nothing")
    push.add_argument("dir", type=Path, help="folder holding the changelog and the files it includes")
    push.set_defaults(func=run_push)


def bundle_folder(folder: Path, root_file: str | None = None) -> dict[str, Any]:
    """``{rootFile, files}`` for a folder (the body of PUT .../changelog)."""
    from schemashift.dbschema.bundles import ROOT_CANDIDATES

    if not folder.is_dir():
        raise ValidationFailed(f"{folder} is not a folder")
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or SKIPPED_DIRS & set(path.relative_to(folder).parts):
            continue
        try:
            files[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue  # binary files are never part of a changelog
    if not files:
        raise ValidationFailed(f"{folder} holds no changelog files")
    root = root_file or next((name for name in ROOT_CANDIDATES if name in files), None)
    if root is None and _flyway_project(files):
        return {"files": files}  # a Flyway schema's bundle: flyway.toml/conf + scripts, no root changelog
    if root is None:
        raise ValidationFailed(f"no root changelog in {folder} (looked for {', '.join(ROOT_CANDIDATES)}); "
                               "name it with --root-file")
    if root not in files:
        raise ValidationFailed(f"--root-file {root} is not a file under {folder}")
    return {"rootFile": root, "files": files}


def _flyway_project(files: dict[str, str]) -> bool:
    """A folder with a Flyway configuration file at its root, or Flyway-named scripts."""
    import posixpath
    import re

    from schemashift.flyway.config import CONFIG_FILES

    return any(name in files for name in CONFIG_FILES) or any(
        re.fullmatch(r"[VBU][0-9][0-9._]*__.*\.sql|R__.+\.sql", posixpath.basename(path)) for path in files)


def run_push(args: argparse.Namespace) -> int:
    body = bundle_folder(args.dir, args.root_file)
    root = f"root {body['rootFile']}" if "rootFile" in body else "Flyway project"
    print(f"bundle: {root}, {len(body['files'])} file(s): {', '.join(body['files'])}", file=sys.stderr)
    if args.dry_run:
        return 0
    if not args.key:
        raise ValidationFailed("an API key is required: --key or SCHEMASHIFT_API_KEY")
    path = f"/v1/orgs/{args.org}/projects/{args.project}/dbschema/{args.schema}/changelog"
    result = Api(args.api, args.key).call("PUT", path, body)
    print(json.dumps(result, indent=2))
    changed = "registered" if result.get("changed", True) else "unchanged (same bundle as the current version)"
    print(f"{args.schema}: changelog version {result.get('version')} {changed}: "
          f"{result.get('changesetCount')} changeset(s), {result.get('added', 0)} new", file=sys.stderr)
    return 0
