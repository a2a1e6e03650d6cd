"""Parse + checksum a generated formatted-SQL changelog, against the floor of reading it at all.

    python -m bench.changelog_parse [--changesets 500] [--rounds 7]

Contenders, alternated in each round, best round reported:

* schemashift: ``parse_changelog`` (every directive regex, property expansion, duplicate
  check) plus the v9 checksum, description, CONTEXTS and LABELS of every changeset;
* floor: split the text into lines and MD5 each changeset's body; no parsing at all.

Prints milliseconds and the ratio to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import time

from schemashift.changelog import BundleAccessor, parse_changelog


def generate(changesets: int) -> str:
    parts = ["--liquibase formatted sql\n\n--property name:schema value:app\n\n"]
    for number in range(changesets):
        parts.append(
            f"--changeset dev{number % 7}:{number} labels:l{number % 3} context:ctx{number % 2}\n"
            f"--comment: change {number}\n"
            f"create table ${{schema}}_t{number} (\n  id int primary key,\n  name varchar(50) not null\n);\n"
            f"-- seed row\ninsert into ${{schema}}_t{number} (id, name) values ({number}, 'row {number}');\n"
            f"--rollback drop table ${{schema}}_t{number};\n\n"
        )
    return "".join(parts)


def ours(text: str) -> int:
    changelog = parse_changelog("changelog.sql", BundleAccessor({"changelog.sql": text}))
    for changeset in changelog.changesets:
        changeset.checksum("postgresql")
        changeset.description()
        changeset.full_contexts()
        changeset.full_labels()
    return len(changelog.changesets)


def floor(text: str) -> int:
    count, body = 0, []
    for line in text.splitlines():
        if line.startswith("--changeset"):
            hashlib.md5("".join(body).encode(), usedforsecurity=False).hexdigest()
            count, body = count + 1, []
        else:
            body.append(line)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changesets", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    text = generate(args.changesets)
    best = {"schemashift": float("inf"), "floor": float("inf")}
    for _ in range(args.rounds):
        for name, contender in (("schemashift", ours), ("floor", floor)):
            started = time.perf_counter()
            assert contender(text) == args.changesets
            best[name] = min(best[name], time.perf_counter() - started)
    print(f"{args.changesets} changesets, {len(text) / 1024:.0f} KiB, best of {args.rounds}")
    for name, seconds in best.items():
        print(f"  {name:12} {seconds * 1000:8.1f} ms   x{seconds / best['floor']:.1f}")


if __name__ == "__main__":
    main()
