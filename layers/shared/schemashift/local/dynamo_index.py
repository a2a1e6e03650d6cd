"""Query by key in the emulated DynamoDB: read only the partition's items in the key range.

moto's ``Table.query`` walks *every item of the table*, sorts the matches and deep-copies the
results on each call, so one page of a 30,000-item schema cost as much as the whole table, and
every Query slowed down as any other tenant's data grew. DynamoDB reads only the page.

Here each table keeps, beside moto's items, every partition's sort keys in order and, per global
secondary index, every index partition's entries in order (index sort key, then the table's keys,
as DynamoDB orders them). A Query bisects to its key condition's range and its exclusive start
key, then reads items until its limit (or 1 MB), as DynamoDB does. The index is built on a
table's first Query and kept current by hooks on moto's writes (``Table.put_item`` and
``delete_item``, which batch and transactional writes go through, and ``update_item``, which
changes items in place). Results are not deep-copied: every request holds the DynamoDB lock until
its answer is serialized, and nothing mutates a result.

Shapes this does not cover take moto's own path unchanged: local secondary indexes,
multi-attribute keys, the legacy ``KeyConditions`` filters, key values of another type than the
table declares.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from typing import Any

_OPS = {"EQ": "EQ", "=": "EQ", "LT": "LT", "<": "LT", "LE": "LE", "<=": "LE", "GT": "GT", ">": "GT",
        "GE": "GE", ">=": "GE", "BETWEEN": "BETWEEN", "BEGINS_WITH": "BEGINS_WITH"}
_KEY_TYPES = ("S", "N", "B")
_MORE = object()
"""Yielded after the key range when the partition has more items beyond it: a query that stopped at
its limit then answers a LastEvaluatedKey, as moto (and DynamoDB) do."""
_patched = False
_lock = threading.Lock()
enabled = True
"""Off: every Query takes moto's own path (the differential test compares the two)."""


def _native(value: Any) -> Any:
    """The value DynamoDB orders keys by (moto compares ``cast_value`` too)."""
    return value.cast_value


class _IndexPartitions:
    """One GSI: index hash value -> entries ``(range, table hash, table range, hash key, range key)``
    in order (``range`` is ``None`` for an index without a sort key)."""

    def __init__(self, hash_attr: str, hash_type: str, range_attr: str | None, range_type: str | None) -> None:
        self.hash_attr, self.hash_type = hash_attr, hash_type
        self.range_attr, self.range_type = range_attr, range_type
        self.partitions: dict[Any, list[tuple[Any, ...]]] = {}

    def entry(self, item: Any) -> tuple[Any, tuple[Any, ...]] | None:
        attrs = item.attrs
        hash_value = attrs.get(self.hash_attr)
        if hash_value is None or hash_value.type != self.hash_type:
            return None  # not in the index (DynamoDB indexes only items with every key attribute)
        if self.range_attr is None:
            sort_value = None
        else:
            range_value = attrs.get(self.range_attr)
            if range_value is None or range_value.type != self.range_type:
                return None
            sort_value = _native(range_value)
        table_range = _native(item.range_key) if item.range_key is not None else None
        return hash_value, (sort_value, _native(item.hash_key), table_range, item.hash_key, item.range_key)


class TableIndex:
    """The sorted keys of one moto ``Table``: its partitions and its global secondary indexes."""

    def __init__(self, table: Any) -> None:
        types = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
        self.partitions: dict[Any, list[tuple[Any, Any]]] = {}
        """table hash key -> [(range native, range key)] in order (tables with a sort key)."""
        self.gsis: dict[str, _IndexPartitions] = {}
        for index in table.global_indexes or []:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
            if len(hashes) == 1 and len(ranges) <= 1 and types.get(hashes[0]) in _KEY_TYPES:
                range_attr = ranges[0] if ranges else None
                if range_attr is None or types.get(range_attr) in _KEY_TYPES:
                    self.gsis[index.name] = _IndexPartitions(hashes[0], types[hashes[0]], range_attr,
                                                             types.get(range_attr) if range_attr else None)
        self.indexed: dict[tuple[Any, Any], list[tuple[str, Any, tuple[Any, ...]]]] = {}
        """(hash key, range key) -> the GSI entries written for it, so a change removes exactly those."""
        self.has_range = table.range_key_attr is not None
        for item in _all_items(table):
            self.add(item, sort=False)
        for keys in self.partitions.values():
            keys.sort(key=_first)
        for gsi in self.gsis.values():
            for entries in gsi.partitions.values():
                entries.sort(key=_sort_key)

    def add(self, item: Any, *, sort: bool = True) -> None:
        place = insort if sort else lambda listed, entry, key: listed.append(entry)
        if self.has_range:
            place(self.partitions.setdefault(item.hash_key, []), (_native(item.range_key), item.range_key), key=_first)
        entries = []
        for name, gsi in self.gsis.items():
            found = gsi.entry(item)
            if found is not None:
                hash_value, entry = found
                place(gsi.partitions.setdefault(hash_value, []), entry, key=_sort_key)
                entries.append((name, hash_value, entry))
        self.indexed[(item.hash_key, item.range_key)] = entries

    def resync_partition(self, table: Any, hash_key: Any) -> list[tuple[Any, Any]]:
        """A partition whose size differs from moto's was changed behind the hooks: index it again."""
        for _, range_key in list(self.partitions.get(hash_key, [])):
            self.remove(hash_key, range_key)
        for item in list(table.items.get(hash_key, {}).values()):
            self.remove(item.hash_key, item.range_key)
            self.add(item)
        return self.partitions.get(hash_key, [])

    def remove(self, hash_key: Any, range_key: Any) -> None:
        entries = self.indexed.pop((hash_key, range_key), None)
        if entries is None:
            return
        if self.has_range:
            keys = self.partitions.get(hash_key, [])
            at = bisect_left(keys, _native(range_key), key=_first)
            if at < len(keys) and keys[at][0] == _native(range_key):
                del keys[at]
            if not keys:
                self.partitions.pop(hash_key, None)
        for name, hash_value, entry in entries:
            listed = self.gsis[name].partitions.get(hash_value, [])
            at = bisect_left(listed, _sort_key(entry), key=_sort_key)
            if at < len(listed) and _sort_key(listed[at]) == _sort_key(entry):
                del listed[at]
            if not listed:
                self.gsis[name].partitions.pop(hash_value, None)

    def refresh(self, table: Any, hash_key: Any, range_key: Any) -> None:
        """After a write of (hash_key, range_key): index the item as it is now (or not at all)."""
        self.remove(hash_key, range_key)
        item = table.get_item(hash_key, range_key) if self.has_range else table.items.get(hash_key)
        if item is not None:
            self.add(item)


def _all_items(table: Any) -> Iterator[Any]:
    if table.range_key_attr is None:
        yield from table.items.values()
        return
    for partition in table.items.values():
        yield from partition.values()


def _first(entry: tuple[Any, ...]) -> Any:
    return entry[0]


def _sort_key(entry: tuple[Any, ...]) -> tuple[Any, ...]:
    return entry[:3]


def index_of(table: Any) -> TableIndex:
    index = table.__dict__.get("_schemashift_index")
    if index is None:
        index = TableIndex(table)
        table.__dict__["_schemashift_index"] = index
    return index


def _refresh(table: Any, hash_key: Any, range_key: Any) -> None:
    index = table.__dict__.get("_schemashift_index")
    if index is not None:
        index.refresh(table, hash_key, range_key)


# ------------------------------------------------------------------------------------ Query
def _span(keys: list[Any], op: str, values: list[Any], key: Any) -> tuple[int, int] | None:
    """[start, stop) of the entries whose sort value satisfies ``op``; None for BEGINS_WITH on a non-string."""
    lo, hi = 0, len(keys)
    if op == "EQ":
        return bisect_left(keys, values[0], key=key), bisect_right(keys, values[0], key=key)
    if op == "LT":
        return lo, bisect_left(keys, values[0], key=key)
    if op == "LE":
        return lo, bisect_right(keys, values[0], key=key)
    if op == "GT":
        return bisect_right(keys, values[0], key=key), hi
    if op == "GE":
        return bisect_left(keys, values[0], key=key), hi
    if op == "BETWEEN":
        return bisect_left(keys, values[0], key=key), max(bisect_left(keys, values[0], key=key),
                                                          bisect_right(keys, values[1], key=key))
    prefix = values[0]
    if not isinstance(prefix, str | bytes):
        return None
    start = bisect_left(keys, prefix, key=key)
    stop = start
    while stop < hi and isinstance(key(keys[stop]), type(prefix)) and key(keys[stop]).startswith(prefix):
        stop += 1
    return start, stop


def query(table: Any, original: Any, hash_key: Any, range_comparison: str | None, range_objs: list[Any],
          limit: int | None, exclusive_start_key: dict[str, Any] | None, scan_index_forward: bool,
          projection_expressions: list[list[str]] | None, index_name: str | None = None,
          consistent_read: bool = False, filter_expression: Any = None,
          hash_key_conditions: list[tuple[str, Any]] | None = None,
          range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
          **filter_kwargs: Any) -> tuple[list[Any], int, dict[str, Any] | None]:
    """``Table.query`` with moto's semantics (limit before filter, 1 MB pages, LastEvaluatedKey)."""
    args = (hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name, consistent_read, filter_expression)
    fallback = lambda: original(table, *args, hash_key_conditions=hash_key_conditions,  # noqa: E731
                                range_key_conditions=range_key_conditions, **filter_kwargs)
    if filter_kwargs or len(hash_key_conditions or []) > 1 or len(range_key_conditions or []) > 1:
        return fallback()
    if hash_key_conditions:
        hash_key = hash_key_conditions[0][1]
    op = None
    if range_comparison:
        op = _OPS.get(range_comparison)
        if op is None:
            return fallback()
    found = _candidates(table, hash_key, op, range_objs, exclusive_start_key, scan_index_forward, index_name,
                        consistent_read)
    if found is None:
        return fallback()
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    results: list[Any] = []
    size = 0
    last_evaluated_key = None
    for item in found:
        item_size = 0 if item is _MORE else item.size()
        if (limit is not None and len(results) == limit) or size + item_size > RESULT_SIZE_LIMIT:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], index_name)
            break
        if item is _MORE:
            break
        results.append(item)
        size += item_size
    scanned = len(results)
    if index_name:
        index = table.get_index(index_name)
        results = [index.project(r) for r in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [_project(r, projection_expressions) for r in results]
    return results, scanned, last_evaluated_key


def _project(item: Any, paths: list[list[str]]) -> Any:
    """``Item.project`` (which rebuilds the whole item as plain JSON, then re-serializes it), for the
    usual case of top-level attribute names: a new item sharing the chosen attribute values."""
    if not all(len(path) == 1 and "[" not in path[0] for path in paths):
        return item.project(paths)
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

    projected = Item.__new__(Item)
    projected.hash_key, projected.range_key = item.hash_key, item.range_key
    projected.attrs = LimitedSizeDict({path[0]: item.attrs[path[0]] for path in paths if path[0] in item.attrs})
    return projected


def _candidates(table: Any, hash_key: Any, op: str | None, range_objs: list[Any],
                exclusive_start_key: dict[str, Any] | None, forward: bool, index_name: str | None,
                consistent_read: bool) -> Iterator[Any] | None:
    """The items in query order, from the exclusive start key on; None: moto's path must answer."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if hash_key is None:
        return None
    index = index_of(table)
    if index_name is None:
        if hash_key.type != table.hash_key_type:
            return None
        if not index.has_range:
            if op is not None:
                return None
            item = table.items.get(hash_key)
            return iter([] if item is None or exclusive_start_key is not None else [item])
        if op is not None and any(v.type != table.range_key_type for v in range_objs):
            return None
        partition = table.items.get(hash_key, {})
        keys = index.partitions.get(hash_key, [])
        if len(keys) != len(partition):
            keys = index.resync_partition(table, hash_key)
        start, stop = (0, len(keys)) if op is None else (_span(keys, op, [_native(v) for v in range_objs], _first)
                                                         or (None, None))
        if start is None:
            return None
        if exclusive_start_key is not None:
            raw = exclusive_start_key.get(table.range_key_attr)
            if raw is None:
                return None
            after = _native(DynamoType(raw))
            if forward:
                start = max(start, bisect_right(keys, after, key=_first))
            else:
                stop = min(stop, bisect_left(keys, after, key=_first))
        return _in_partition(partition, keys, start, stop, forward)
    gsi = index.gsis.get(index_name)
    if gsi is None or consistent_read or hash_key.type != gsi.hash_type:
        return None
    if op is not None and (gsi.range_attr is None or any(v.type != gsi.range_type for v in range_objs)):
        return None
    entries = gsi.partitions.get(hash_key, [])
    start, stop = (0, len(entries)) if op is None else (_span(entries, op, [_native(v) for v in range_objs], _first)
                                                        or (None, None))
    if start is None:
        return None
    if exclusive_start_key is not None:
        try:
            position = (
                _native(DynamoType(exclusive_start_key[gsi.range_attr])) if gsi.range_attr else None,
                _native(DynamoType(exclusive_start_key[table.hash_key_attr])),
                _native(DynamoType(exclusive_start_key[table.range_key_attr])) if index.has_range else None,
            )
        except KeyError:
            return None
        if forward:
            start = max(start, bisect_right(entries, position, key=_sort_key))
        else:
            stop = min(stop, bisect_left(entries, position, key=_sort_key))
    return _live(table, index, gsi, hash_key, entries, start, stop, forward)


def _positions(start: int, stop: int, forward: bool) -> range:
    return range(start, stop) if forward else range(stop - 1, start - 1, -1)


def _beyond(listed: list[Any], start: int, stop: int, forward: bool) -> bool:
    return stop < len(listed) if forward else start > 0


def _in_partition(partition: dict[Any, Any], keys: list[tuple[Any, Any]], start: int, stop: int,
                  forward: bool) -> Iterator[Any]:
    for i in _positions(start, stop, forward):
        item = partition.get(keys[i][1])
        if item is not None:
            yield item
    if _beyond(keys, start, stop, forward):
        yield _MORE


def _live(table: Any, index: TableIndex, gsi: _IndexPartitions, hash_value: Any, entries: list[tuple[Any, ...]],
          start: int, stop: int, forward: bool) -> Iterator[Any]:
    """The entries' items as they are now (an item changed behind the hooks no longer matching is left out)."""
    for i in _positions(start, stop, forward):
        entry = entries[i]
        item = table.items.get(entry[3], {}).get(entry[4]) if index.has_range else table.items.get(entry[3])
        if item is not None and item.attrs.get(gsi.hash_attr) == hash_value:
            yield item
    if _beyond(entries, start, stop, forward):
        yield _MORE


# ------------------------------------------------------------------------------------ hooks
def install() -> None:
    """Patch moto's Table (Query, writes) and backend (UpdateItem) once per process."""
    global _patched
    with _lock:
        if _patched:
            return
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.dynamo_type import DynamoType
        from moto.dynamodb.models.table import Table

        original_query, put_item, delete_item = Table.query, Table.put_item, Table.delete_item
        update_item = DynamoDBBackend.update_item

        def table_query(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not enabled:
                return original_query(self, *args, **kwargs)
            return query(self, original_query, *args, **kwargs)

        def table_put(self: Any, *args: Any, **kwargs: Any) -> Any:
            item = put_item(self, *args, **kwargs)
            _refresh(self, item.hash_key, item.range_key)
            return item

        def table_delete(self: Any, hash_key: Any, range_key: Any) -> Any:
            item = delete_item(self, hash_key, range_key)
            if item is not None:
                _refresh(self, hash_key, range_key)
            return item

        def backend_update(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            try:
                return update_item(self, table_name, key, *args, **kwargs)
            finally:  # the item changed in place (or was created before a failed condition)
                table = self.tables.get(table_name)
                if table is not None and table.hash_key_attr in key and "_schemashift_index" in table.__dict__:
                    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                    _refresh(table, DynamoType(key[table.hash_key_attr]), range_key)

        Table.query = table_query  # type: ignore[method-assign]
        Table.put_item, Table.delete_item = table_put, table_delete  # type: ignore[method-assign]
        DynamoDBBackend.update_item = backend_update  # type: ignore[method-assign]
        _patched = True
