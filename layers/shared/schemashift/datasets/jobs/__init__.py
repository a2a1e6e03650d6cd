"""Table operations as jobs: migrations, compaction and restore, with progress.

An *operation* is an item in the executions table that a state machine's task Lambdas advance;
``GET /dataset-tables/{tableId}/operations/{operationId}`` shows it. ``records`` (the items),
``lock`` (one operation per table), ``start`` and ``finish`` are metadata-only and load in zip
functions; ``migration_start``, ``migration_steps`` and ``maintenance_steps`` use Lance and run in
the data container image.
"""
