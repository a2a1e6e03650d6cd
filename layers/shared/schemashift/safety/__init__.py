"""The safety gate: lint changesets per dialect, evaluate the team's Rego policies, prove rollbacks.

- ``lint``: findings (rule id, severity, changeset, statement, fix hint) from the SQL the engine
  generates for each changeset on a dialect, parsed by a real parser (pglast for PostgreSQL,
  sqlglot for MySQL/MariaDB/SQLite), plus the changeset's metadata.
- ``policies``: OPA Rego (evaluated in-process by regopy) over Harness's input shape.
- ``rollback_test`` / ``dry_run``: update -> rollback -> update on a scratch target; a PostgreSQL
  run inside a transaction that is always rolled back.

Importing this package is cheap: the parsers and the Rego engine load when first used.
"""
