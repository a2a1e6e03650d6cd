"""Dataset tables: Arrow-typed columnar tables stored as Lance datasets, in four parts.

- ``catalog``: datasets, tables and schema versions (DynamoDB metadata; no Lance).
- ``data``: Lance reads and writes, value coercion, filters, uploads.
- ``migrations``: online schema changes on Lance; the change types of a table migration live in
  ``migrations.changes``, one class each, registered by type name.
- ``jobs``: table operations (migrations, compaction, restore) as jobs of ``schemashift.jobs``:
  start, lock, steps, finish, events.

``errors``, ``requests`` and ``responses`` are the domain's edge: its error types and the request
and response models of its routes.
"""
