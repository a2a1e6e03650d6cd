"""The catalog: datasets, tables and schema versions as DynamoDB metadata (no Lance, no pyarrow).

``store`` (the ``Catalog``: conditional writes and queries), ``records`` (items and keys),
``transaction`` (conditions that name their error), ``schema`` and ``arrow_types`` (a table's
fields and their Arrow types, validated without pyarrow).
"""
