"""What the work bounds cost: big-but-legal requests stay fast, hostile ones are refused fast.

    python -m bench.bounded_work [--changesets 1000] [--operations 1000 2000]

Each line compares the service path with a floor measured in the same run:

* replacing a changelog of N changesets by N others (registration: parse, diff, N deletes + N puts
  in DynamoDB) vs writing the same 2N items with bare batch writes;
* ``migrations/plan`` of N ``add_column`` operations on a Lance table vs validating the N resulting
  fields once;
* hostile inputs (a YAML alias bomb, a zip bomb, deeply nested JSON): the time to refuse them vs
  parsing a small legal document.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from schemashift.dbschema.services import services

ROOT = Path(__file__).resolve().parents[1]


def _changelog(prefix: str, count: int) -> str:
    lines = ["-- liquibase formatted sql", ""]
    for i in range(count):
        lines += [f"-- changeset {prefix}:{i}", f"CREATE TABLE {prefix}_{i} (id INT);", ""]
    return "\n".join(lines)


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def changelog_replacement(count: int) -> tuple[float, float]:
    from schemashift.aws import dynamodb_table
    from schemashift.dbschema.bundles import bundle_from_files
    from schemashift.dbschema.changelogs import register_bundle
    from schemashift.dbschema.models import SchemaIn
    from schemashift.dbschema.schemas import create_schema
    from schemashift.dbschema.tenancy import Tenant
    from schemashift.settings import get_settings
    from schemashift.store.dynamo import batch_write

    tenant = Tenant("bench", "o", "p" + uuid.uuid4().hex[:6])
    create_schema(services(), tenant, SchemaIn(identifier="s", name="s"))
    register_bundle(services(), tenant, "s", bundle_from_files("c.sql", {"c.sql": _changelog("old", count)}))
    replaced = _timed(lambda: register_bundle(
        services(), tenant, "s", bundle_from_files("c.sql", {"c.sql": _changelog("new", count)})))
    table = dynamodb_table(get_settings().changeset_state_table)
    items = [{"pk": f"BENCH#{uuid.uuid4().hex}", "sk": f"{i:07d}", "x": "y" * 200} for i in range(2 * count)]
    floor = _timed(lambda: batch_write(table, puts=items))
    return replaced, floor


def plan_operations(count: int, workdir: Path) -> tuple[float, float]:
    import lance
    import pyarrow as pa
    from schemashift.datasets.catalog.schema import TableField, build_schema
    from schemashift.datasets.migrations.planner import plan_migration

    uri = str(workdir / f"t{count}.lance")
    lance.write_dataset(pa.table({"id": pa.array(range(1000), pa.int64())}), uri)
    schema = build_schema([{"name": "id", "arrowType": "int64", "nullable": True}])
    adds = min(count, 999)  # a table holds at most 1,000 columns; the rest are renames
    operations = [{"type": "add_column", "params": {"name": f"c{i}", "dataType": "string", "nullable": True}}
                  for i in range(adds)]
    for i in range(count - adds):  # rename each column in turn, then the renamed ones again
        column, round_ = i % adds, i // adds
        old = f"c{column}" if round_ == 0 else f"r{round_ - 1}_{column}"
        operations.append({"type": "rename_column", "params": {"oldName": old, "newName": f"r{round_}_{column}"}})
    planned: list[Any] = []
    seconds = _timed(lambda: planned.append(plan_migration(uri, None, schema, operations)))
    assert planned[0].isValid, planned[0].validationErrors[:3]
    floor = _timed(lambda: [TableField(name=f"c{i}", arrowType="string") for i in range(adds)])
    return seconds, floor


def refusals() -> list[tuple[str, float, str]]:
    from schemashift.changelog import BundleAccessor, ChangelogError, parse_changelog
    from schemashift.dbschema.bundles import bundle_from_zip
    from schemashift.errors import SchemashiftError
    from schemashift.limits import loads_bounded

    results = []
    bomb = "databaseChangeLog:\n- a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"- a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]\n" for i in range(1, 9))
    small = "databaseChangeLog:\n- changeSet:\n    id: '1'\n    author: a\n    changes:\n    - sql: {sql: SELECT 1}\n"

    def parse(text: str) -> str:
        try:
            parse_changelog("c.yaml", BundleAccessor({"c.yaml": text}))
            return "parsed"
        except ChangelogError as error:
            return error.message[:60]

    outcome: list[str] = []
    results.append(("small legal YAML changelog", _timed(lambda: outcome.append(parse(small))), outcome[-1]))
    results.append((f"YAML alias bomb ({len(bomb)} bytes)", _timed(lambda: outcome.append(parse(bomb))), outcome[-1]))
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("changelog.sql", "-- liquibase formatted sql\n" + " " * 19_000_000)
    data = sink.getvalue()

    def unzip() -> None:
        try:
            bundle_from_zip(data, None)
            outcome.append("accepted")
        except SchemashiftError as error:
            outcome.append(error.message[:60])

    results.append((f"zip bomb ({len(data) // 1024} KB -> 19 MB)", _timed(unzip), outcome[-1]))
    deep = "[" * 100_000 + "]" * 100_000

    def nested() -> None:
        try:
            loads_bounded(deep)
            outcome.append("accepted")
        except SchemashiftError as error:
            outcome.append(error.message[:60])

    results.append(("JSON body nested 100,000 deep", _timed(nested), outcome[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changesets", type=int, default=1000)
    parser.add_argument("--operations", type=int, nargs="+", default=[1000, 2000])
    args = parser.parse_args()
    from schemashift.local.stack import LocalStack

    stack = LocalStack(root=ROOT).start()
    try:
        replaced, floor = changelog_replacement(args.changesets)
        print(f"replace a {args.changesets}-changeset changelog by {args.changesets} others: {replaced:6.2f} s"
              f"   (bare batch write of the same {2 * args.changesets} items {floor:5.2f} s, ratio {replaced / floor:.1f}x)")
        with tempfile.TemporaryDirectory() as workdir:
            for count in args.operations:
                seconds, floor = plan_operations(count, Path(workdir))
                print(f"migrations/plan with {count} operations (add_column, then rename_column): {seconds:6.2f} s"
                      f"   (validating the {count} fields once {floor:5.3f} s, ratio {seconds / floor:.0f}x)")
        for what, seconds, outcome in refusals():
            print(f"{what:<40} {seconds * 1000:8.1f} ms  {outcome}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
