"""The two halves never import each other: what both need lives in shared modules.

The schema half (``dbschema``, ``deployments`` and what only they use: ``changelog``, ``engine``,
``flyway``, ``safety``, ``targets``) and the table half (``datasets``) may both import the shared
modules (``api``, ``jobs``, ``events``, ``errors``, ``paging``, ``store``, ...), never each other,
in the package and in the Lambda handlers. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "layers" / "shared" / "schemashift"
SCHEMA_HALF = ("dbschema", "deployments", "changelog", "engine", "flyway", "safety", "targets")
TABLE_HALF = ("datasets",)


def _half(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "schemashift" or len(parts) < 2:
        return None
    if parts[1] in SCHEMA_HALF:
        return "schema"
    if parts[1] in TABLE_HALF:
        return "table"
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _crossings(path: Path, own: str | None) -> list[str]:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    halves: dict[str, list[str]] = {}
    for line, module in _imports(path):
        half = _half(module)
        if half is not None:
            halves.setdefault(half, []).append(f"{name}:{line} imports {module}")
    if own is None:  # a handler may use either half, not both
        return [hit for hits in halves.values() for hit in hits] if len(halves) > 1 else []
    return [hit for half, hits in halves.items() if half != own for hit in hits]


def test_the_halves_of_the_package_do_not_import_each_other() -> None:
    problems: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _half("schemashift." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if own is not None:
            problems += _crossings(path, own)
    assert not problems, "sideways imports (move what both need to a shared module):\n" + "\n".join(problems)


def test_no_handler_imports_from_both_halves() -> None:
    handlers = sorted((ROOT / "functions").rglob("*.py"))
    assert len(handlers) > 30
    problems = [hit for path in handlers for hit in _crossings(path, None)]
    assert not problems, "a handler uses both halves:\n" + "\n".join(problems)


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import schemashift.jobs\n\ndef f():\n    from schemashift.deployments.start import start_apply\n")
    assert _crossings(sample, "table") == [f"{sample}:4 imports schemashift.deployments.start"]
    assert _crossings(sample, "schema") == [] and _crossings(sample, None) == []
    sample.write_text("from schemashift.datasets.requests import CreateTable\nimport schemashift.dbschema.tenancy\n")
    assert len(_crossings(sample, None)) == 2
    assert _half("schemashift.deployments.start") == "schema" and _half("schemashift.datasets.jobs") == "table"
    assert _half("schemashift.jobs.store") is None and _half("schemashift.events") is None
