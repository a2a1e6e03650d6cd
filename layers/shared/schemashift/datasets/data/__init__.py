"""Table data: rows in Lance datasets, and the S3 bucket that holds them.

``table_data`` joins the catalog with a table's data (create, write, query); ``lance_table`` writes,
queries and time-travels one dataset; ``rows``, ``coerce``, ``json_stream`` and ``write_feed`` turn
request bodies into Arrow batches; ``filters`` compiles query filters; ``values`` turns Arrow back
into JSON; ``uploads`` and ``storage`` are the bucket; ``lifecycle`` deletes tables and datasets.
"""
