"""Dataset tables: Arrow-typed columnar tables stored as Lance datasets.

``arrow_types`` and ``schema`` describe tables (no pyarrow needed to validate); ``rows`` decodes
write bodies into Arrow batches; ``lance_table`` writes, queries and time-travels one table's
dataset; ``migrations`` evolves its schema.
"""
