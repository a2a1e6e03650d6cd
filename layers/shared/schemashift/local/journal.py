"""The local stack's memory of what changed, and how it gets to disk and back.

moto keeps every service's state in Python objects. Hooks on its models note what each request
changed (a DynamoDB item, an S3 key, a secret, an EventBridge rule); every ``interval`` seconds a
flusher thread takes all service locks for an instant (so no request is half-applied), captures
the noted things as they are *now*, lets go, and writes them in one transaction
(:mod:`schemashift.local.state_store`). A crash loses at most the last interval. On start,
:meth:`Journal.restore` puts everything back into moto after the template's resources exist.

DynamoDB items are stored as their wire JSON (binary values base64, as DynamoDB sends them, and
read back as the bytes moto holds for a written item); S3 object versions, secrets and EventBridge rules
as moto's own objects (pickled without their file buffers and locks), since their identity
(version ids, secret ARNs with a random suffix) must survive as it was.
"""

from __future__ import annotations

import base64
import json
import pickle
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from schemashift.local import service_locks
from schemashift.local.state_store import Flush, StateStore
from schemashift.observability import logger

ACCOUNT_ID = "123456789012"
_active: Journal | None = None
_hooked = False
_S3_TRANSIENT = ("_value_buffer", "lock", "multipart", "_ss_blob")


@dataclass
class Dirty:
    items: set[tuple[str, Any, Any]] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)
    objects: set[tuple[str, str]] = field(default_factory=set)
    buckets: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any((self.items, self.tables, self.objects, self.buckets, self.services))


@dataclass
class FlushStats:
    flushes: int = 0
    records: int = 0
    seconds: float = 0.0
    longest: float = 0.0
    last_at: float = 0.0


class Journal:
    def __init__(self, store: StateStore, region: str, interval: float = 0.25) -> None:
        self.store = store
        self.region = region
        self.interval = interval
        self.stats = FlushStats()
        self._dirty = Dirty()
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _install_hooks()  # before the template's buckets exist: they learn their names at creation

    # ------------------------------------------------------------------ noting changes
    def note(self, kind: str, value: Any) -> None:
        with self._mutex:
            getattr(self._dirty, kind).add(value)

    def start(self) -> Journal:
        global _active
        _install_hooks()
        _active = self
        service_locks.request_observers.append(self._on_request)
        self._thread = threading.Thread(target=self._run, daemon=True, name="state-journal")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Write what is left (a clean stop loses nothing) and stop noting."""
        global _active
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        if self._on_request in service_locks.request_observers:
            service_locks.request_observers.remove(self._on_request)
        if _active is self:
            _active = None

    def _on_request(self, service: str, action: str) -> None:
        if service in ("secretsmanager", "events"):
            self.note("services", service)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # keep journaling; the next flush retries what this one held
                logger.exception("local state flush failed")

    # ------------------------------------------------------------------ flushing
    def flush(self) -> int:
        started = time.perf_counter()
        with service_locks.holding_all():
            with self._mutex:
                dirty, self._dirty = self._dirty, Dirty()
            if not dirty:
                return 0
            flush = self._capture(dirty)
        try:
            self.store.write(flush)
        except BaseException:
            with self._mutex:  # not written: keep it for the next flush
                for kind in ("items", "tables", "objects", "buckets", "services"):
                    getattr(self._dirty, kind).update(getattr(dirty, kind))
            raise
        elapsed = time.perf_counter() - started
        stats = self.stats
        stats.flushes += 1
        stats.records += flush.size
        stats.seconds += elapsed
        stats.longest = max(stats.longest, elapsed)
        stats.last_at = time.time()
        return flush.size

    def _capture(self, dirty: Dirty) -> Flush:
        flush = Flush()
        dynamodb = _dynamodb()
        for name in dirty.tables | {name for name, _, _ in dirty.items}:  # each stored item's keys, checked on load
            table = dynamodb.tables.get(name)
            flush.tables[name] = json.dumps(_table_definition(table)) if table is not None else None
        for name, hash_key, range_key in dirty.items:
            table = dynamodb.tables.get(name)
            try:
                key = (name, json.dumps(to_wire(hash_key)), json.dumps(to_wire(range_key)) if range_key else "")
                item = table.get_item(hash_key, range_key) if table is not None else None
                flush.items[key] = json.dumps(item_to_wire(item)) if item is not None else None
            except Exception:  # one item that cannot be written never costs the others theirs
                logger.exception("an item could not be journaled; it is not kept across a restart",
                                 extra={"table": name})
        s3 = _s3()
        for name in dirty.buckets | {bucket for bucket, _ in dirty.objects}:
            bucket = s3.buckets.get(name)
            flush.buckets[name] = json.dumps({"versioning": bucket.versioning_status}) if bucket else None
        for bucket_name, key in dirty.objects:
            bucket = s3.buckets.get(bucket_name)
            versions = bucket.keys.getlist(key, []) if bucket is not None else []
            flush.objects[(bucket_name, key)] = [self._capture_version(v, flush) for v in versions]
        for service in dirty.services:
            flush.documents[service] = pickle.dumps(_CAPTURE[service](self.region))
        return flush

    def _capture_version(self, version: Any, flush: Flush) -> tuple[str | None, int, bytes]:
        if not hasattr(version, "_value_buffer"):  # a delete marker
            state = {k: v for k, v in version.__dict__.items() if k != "key"}
            return None, 0, pickle.dumps(state)
        blob = version.__dict__.get("_ss_blob")
        value = version.value
        if blob is None:  # versions never change their bytes: each is written once
            blob = self.store.new_blob_name()
            version._ss_blob = blob
            flush.blobs[blob] = value
        state = {k: v for k, v in version.__dict__.items() if k not in _S3_TRANSIENT}
        state["_etag"] = version.etag
        return blob, len(value), pickle.dumps(state)

    # ------------------------------------------------------------------ restoring
    def restore(self) -> dict[str, int]:
        """Put the stored state into moto (the template's resources already exist)."""
        counts = {"items": 0, "objects": 0, "secrets": 0, "rules": 0, "skipped": 0}
        dynamodb = _dynamodb()
        for name, definition in self.store.tables().items():
            if name not in dynamodb.tables:
                dynamodb.create_table(name, throughput=None, indexes=None, streams=None, sse_specification=None,
                                      tags=[], deletion_protection_enabled=None, warm_throughput=None,
                                      **{"global_indexes": None, **definition})
            table = dynamodb.tables[name]
            if _key_names(table) != _key_names_of(definition):
                logger.warning("stored items skipped: the table's keys changed", extra={"table": name})
                continue
            for raw in self.store.items(name):
                try:
                    table.put_item(from_wire(json.loads(raw)))
                    counts["items"] += 1
                except Exception:
                    counts["skipped"] += 1
        s3 = _s3()
        from moto.s3.models import FakeDeleteMarker, FakeKey

        for name, definition in self.store.buckets().items():
            if name not in s3.buckets:
                s3.create_bucket(name, self.region)
            if definition.get("versioning"):
                s3.put_bucket_versioning(name, definition["versioning"])
            bucket = s3.buckets[name]
            for key, stored in self.store.objects(name):
                versions: list[Any] = []
                for blob, body, raw in stored:
                    try:
                        state = pickle.loads(raw)
                        if body is None:
                            marker = FakeDeleteMarker.__new__(FakeDeleteMarker)
                            marker.__dict__.update(state)
                            marker.key = versions[-1] if versions else None
                            versions.append(marker)
                            continue
                        version = FakeKey.__new__(FakeKey)
                        version.__setstate__({**state, "value": body, "multipart": None})
                        version._ss_blob = blob
                        versions.append(version)
                    except Exception:
                        counts["skipped"] += 1
                if versions:
                    dict.__setitem__(bucket.keys, key, versions)
                    counts["objects"] += 1
        for service, restore in _RESTORE.items():
            raw = self.store.document(service)
            if raw is None:
                continue
            try:
                counts.update(restore(self.region, pickle.loads(raw)))
            except Exception:
                logger.exception("stored state of a service could not be restored", extra={"service": service})
                counts["skipped"] += 1
        self.store.collect_garbage()
        return counts


# ---------------------------------------------------------------------- DynamoDB values
def to_wire(value: Any) -> dict[str, Any]:
    """One attribute value (moto's ``DynamoType``) as DynamoDB's JSON: every type, at any depth;
    binary (bytes, or the base64 text moto keeps for some writes) as base64 text."""
    kind, raw = (value.type, value.value) if hasattr(value, "type") else next(iter(value.items()))
    if kind == "M":
        return {"M": {name: to_wire(member) for name, member in raw.items()}}
    if kind == "L":
        return {"L": [to_wire(member) for member in raw]}
    if kind == "B":
        return {"B": _base64(raw)}
    if kind == "BS":
        return {"BS": [_base64(member) for member in raw]}
    return {kind: raw}


def item_to_wire(item: Any) -> dict[str, Any]:
    return {name: to_wire(value) for name, value in item.attrs.items()}


def from_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    """An item's stored JSON as moto's parser hands a written item to its model (binary as bytes)."""
    return {name: _value_from_wire(value) for name, value in attributes.items()}


def _value_from_wire(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, raw),) = value.items()
    if kind == "M":
        return {"M": from_wire(raw)}
    if kind == "L":
        return {"L": [_value_from_wire(member) for member in raw]}
    if kind == "B":
        return {"B": base64.b64decode(raw)}
    if kind == "BS":
        return {"BS": [base64.b64decode(member) for member in raw]}
    return value


def _base64(raw: bytes | str) -> str:
    return base64.b64encode(raw).decode("ascii") if isinstance(raw, bytes) else raw


# ---------------------------------------------------------------------- moto backends
def _dynamodb() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT_ID][_region()]


def _s3() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"]


def _region() -> str:
    return _active.region if _active is not None else "us-east-1"


def _table_definition(table: Any) -> dict[str, Any]:
    description = table.describe()["TableDescription"]
    definition = {"schema": description["KeySchema"], "attr": description["AttributeDefinitions"],
                  "billing_mode": "PAY_PER_REQUEST"}
    indexes = [{k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
               for index in description.get("GlobalSecondaryIndexes", [])]
    if indexes:
        definition["global_indexes"] = indexes
    return definition


def _key_names(table: Any) -> list[str]:
    return [table.hash_key_attr, table.range_key_attr or ""]


def _key_names_of(definition: dict[str, Any]) -> list[str]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in definition["schema"]}
    return [by_type.get("HASH", ""), by_type.get("RANGE", "")]


def _capture_secrets(region: str) -> dict[str, Any]:
    from moto.secretsmanager.models import secretsmanager_backends

    secrets = secretsmanager_backends[ACCOUNT_ID][region].secrets
    return {name: secret for name, secret in dict(secrets).items() if type(secret).__name__ == "FakeSecret"}


def _restore_secrets(region: str, secrets: dict[str, Any]) -> dict[str, int]:
    from moto.secretsmanager.models import secretsmanager_backends

    store = secretsmanager_backends[ACCOUNT_ID][region].secrets
    for name, secret in secrets.items():
        store[name] = secret
    return {"secrets": len(secrets)}


def _capture_rules(region: str) -> list[dict[str, Any]]:
    from moto.events.models import events_backends

    backend = events_backends[ACCOUNT_ID][region]
    rules = []
    for bus in backend.event_buses.values():
        for rule in bus.rules.values():
            rules.append({"bus": bus.name, "name": rule.name, "pattern": rule.event_pattern.dump(),
                          "schedule": rule.scheduled_expression, "state": rule.state,
                          "description": rule.description, "targets": rule.targets})
    return rules


def _restore_rules(region: str, rules: list[dict[str, Any]]) -> dict[str, int]:
    """Rules the template declares were just created from it (the template wins); others return."""
    from moto.events.models import events_backends

    backend = events_backends[ACCOUNT_ID][region]
    restored = 0
    for rule in rules:
        if rule["bus"] not in backend.event_buses:
            backend.create_event_bus(rule["bus"])
        if rule["name"] in backend.event_buses[rule["bus"]].rules:
            continue
        backend.put_rule(rule["name"], event_pattern=rule["pattern"], scheduled_expression=rule["schedule"],
                         state=rule["state"], description=rule["description"], event_bus_arn=rule["bus"])
        if rule["targets"]:
            backend.put_targets(rule["name"], rule["bus"], rule["targets"])
        restored += 1
    return {"rules": restored}


_CAPTURE = {"secretsmanager": _capture_secrets, "events": _capture_rules}
_RESTORE = {"secretsmanager": _restore_secrets, "events": _restore_rules}


# ---------------------------------------------------------------------- hooks on moto's models
def _note(kind: str, value: Any) -> None:
    journal = _active
    if journal is not None:
        journal.note(kind, value)


def _install_hooks() -> None:
    """Class-level, once per process; they note changes only while a journal is active."""
    global _hooked
    if _hooked:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table
    from moto.s3.models import FakeBucket, S3Backend
    from moto.s3.utils import _VersionedKeyStore

    put_item, delete_item = Table.put_item, Table.delete_item

    def table_put(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, item_attrs, *args, **kwargs)
        _note("items", (self.name, item.hash_key, item.range_key))
        return item

    def table_delete(self: Any, hash_key: Any, range_key: Any) -> Any:
        _note("items", (self.name, hash_key, range_key))
        return delete_item(self, hash_key, range_key)

    Table.put_item, Table.delete_item = table_put, table_delete  # type: ignore[method-assign]

    update_item = DynamoDBBackend.update_item

    def backend_update(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:  # also after a failed condition: the item may exist now (update creates it first)
            table = self.tables.get(table_name)
            if table is not None and table.hash_key_attr in key:
                range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                _note("items", (table_name, DynamoType(key[table.hash_key_attr]), range_key))

    DynamoDBBackend.update_item = backend_update  # type: ignore[method-assign]
    for method in ("create_table", "delete_table", "update_table"):
        _note_after(DynamoDBBackend, method, lambda args, kwargs: ("tables", args[0] if args else kwargs["name"]))

    bucket_init = FakeBucket.__init__

    def init_bucket(self: Any, name: str, *args: Any, **kwargs: Any) -> None:
        bucket_init(self, name, *args, **kwargs)
        self.keys.bucket_name = name

    FakeBucket.__init__ = init_bucket  # type: ignore[method-assign]
    for method in ("__setitem__", "setlist", "pop", "__delitem__"):
        _note_after(_VersionedKeyStore, method, None, key_store=True)
    for method in ("create_bucket", "delete_bucket", "put_bucket_versioning"):
        _note_after(S3Backend, method, lambda args, kwargs: ("buckets", args[0] if args else kwargs["bucket_name"]))
    _hooked = True


def _note_after(cls: type, method: str, what: Any, *, key_store: bool = False) -> None:
    original = getattr(cls, method)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            if key_store:
                bucket = getattr(self, "bucket_name", None)
                if bucket is not None and args:
                    _note("objects", (bucket, args[0]))
            else:
                kind, value = what(args, kwargs)
                _note(kind, value)

    setattr(cls, method, wrapper)
