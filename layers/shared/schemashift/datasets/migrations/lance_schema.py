"""Build a Lance schema whose field ids we choose.

One migration commits as one Lance ``Merge`` or ``Project``, whose schema must keep each
surviving column's field id (renames keep their data and indexes) while giving computed
columns the ids their data files were written with. pylance 14 offers no public constructor
for such a schema: ``LanceSchema.from_pyarrow`` numbers fields depth-first. So we let Lance
encode the fields (types, encodings, primary-key positions) and then rewrite only the ``id``
and ``parent_id`` of each field message, through the schema's own pickle form
(``__reduce__`` / ``_from_protos``). The protobuf handling below is limited to that.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from lance.schema import LanceSchema

_FIELD_ID = 3
_PARENT_ID = 4
_VARINT = 0
_LENGTH_DELIMITED = 2
_NO_PARENT = -1


def field_ids(schema: LanceSchema) -> dict[str, list[int]]:
    """Top-level column name -> its field id followed by its descendants' ids, depth first."""

    def walk(field: object) -> list[int]:
        ids = [field.id()]  # type: ignore[attr-defined]
        for child in field.children():  # type: ignore[attr-defined]
            ids.extend(walk(child))
        return ids

    return {field.name(): walk(field) for field in schema.fields()}


def build_lance_schema(arrow_schema: pa.Schema, ids: Sequence[Sequence[int]], schema_metadata_json: str) -> LanceSchema:
    """Lance schema for ``arrow_schema`` where column ``i`` (and its children) get ``ids[i]``."""
    metadata_json, *protos = LanceSchema.from_pyarrow(arrow_schema).__reduce__()[1]
    del metadata_json  # from_pyarrow drops nothing we need; the dataset's own metadata is kept
    wanted = [field_id for column_ids in ids for field_id in column_ids]
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"field ids must be unique, got {wanted}")  # Lance would accept and misread them
    if len(wanted) != len(protos):
        raise ValueError(f"expected {len(protos)} field ids for {arrow_schema.names}, got {len(wanted)}")
    # from_pyarrow numbers fields 0..n-1 in the same depth-first order we list ids in.
    remap = dict(enumerate(wanted))
    rewritten = [_remap_ids(proto, remap) for proto in protos]
    return LanceSchema._from_protos(schema_metadata_json, *rewritten)


def lance_field_count(field: pa.Field) -> int:
    """How many Lance fields (ids) one Arrow column takes: itself plus nested children."""
    return len(LanceSchema.from_pyarrow(pa.schema([field])).__reduce__()[1]) - 1


def same_schema(left: LanceSchema, right: LanceSchema) -> bool:
    """Field for field equal, ids and metadata included (the check before rebasing onto a newer version).

    Compared through Arrow because the encoded form lists metadata maps in no fixed order.
    """
    same_fields = left.to_pyarrow().equals(right.to_pyarrow(), check_metadata=True)
    return same_fields and field_ids(left) == field_ids(right)


def schema_metadata_json(schema: LanceSchema) -> str:
    """The table-level metadata of a Lance schema, in the form ``build_lance_schema`` takes."""
    return schema.__reduce__()[1][0]


def _remap_ids(proto: bytes, remap: dict[int, int]) -> bytes:
    entries = _decode(proto)
    own_id = next((value for tag, _, value in entries if tag == _FIELD_ID), 0)
    parent = next((_signed(value) for tag, _, value in entries if tag == _PARENT_ID), 0)
    kept = [entry for entry in entries if entry[0] not in (_FIELD_ID, _PARENT_ID)]
    kept.append((_FIELD_ID, _VARINT, remap[own_id]))
    kept.append((_PARENT_ID, _VARINT, parent if parent == _NO_PARENT else remap[parent]))
    return _encode(sorted(kept, key=lambda entry: entry[0]))


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _decode(data: bytes) -> list[tuple[int, int, int | bytes]]:
    entries: list[tuple[int, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        tag, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, pos = _read_varint(data, pos)
            entries.append((tag, wire_type, value))
        elif wire_type == _LENGTH_DELIMITED:
            length, pos = _read_varint(data, pos)
            entries.append((tag, wire_type, data[pos : pos + length]))
            pos += length
        else:
            raise ValueError(f"unexpected protobuf wire type {wire_type} in a Lance field")
    return entries


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode(entries: list[tuple[int, int, int | bytes]]) -> bytes:
    out = bytearray()
    for tag, wire_type, value in entries:
        out += _varint(tag << 3 | wire_type)
        if isinstance(value, int):
            out += _varint(value)
        else:
            out += _varint(len(value)) + value
    return bytes(out)
