// The difference between two schema versions of a table (unit tested).
import type { Field } from "./types";

export type FieldChange =
  | { kind: "added"; name: string; to: Field }
  | { kind: "removed"; name: string; from: Field }
  | { kind: "changed"; name: string; from: Field; to: Field; what: string[] };

export interface SchemaDiff {
  fields: FieldChange[];
  primaryKey: { from: string[]; to: string[] } | null;
}

function describe(field: Field): string {
  return `${field.arrowType}${field.nullable ? "" : " not null"}`;
}

export function fieldText(field: Field): string {
  return `${field.name}: ${describe(field)}`;
}

/** Changes from `older` to `newer`; columns match by name, ignoring case as the API does. */
export function diffSchemas(older: { fields: Field[]; primaryKeyColumns: string[] }, newer: { fields: Field[]; primaryKeyColumns: string[] }): SchemaDiff {
  const before = new Map(older.fields.map((f) => [f.name.toLowerCase(), f]));
  const after = new Map(newer.fields.map((f) => [f.name.toLowerCase(), f]));
  const fields: FieldChange[] = [];
  for (const f of older.fields) {
    const other = after.get(f.name.toLowerCase());
    if (!other) {
      fields.push({ kind: "removed", name: f.name, from: f });
      continue;
    }
    const what: string[] = [];
    if (other.name !== f.name) what.push(`renamed ${f.name} → ${other.name}`);
    if (other.arrowType !== f.arrowType) what.push(`type ${f.arrowType} → ${other.arrowType}`);
    if (other.nullable !== f.nullable) what.push(other.nullable ? "now nullable" : "now required");
    if (what.length) fields.push({ kind: "changed", name: other.name, from: f, to: other, what });
  }
  for (const f of newer.fields) {
    if (!before.has(f.name.toLowerCase())) fields.push({ kind: "added", name: f.name, to: f });
  }
  const samePk = older.primaryKeyColumns.join("\u0000") === newer.primaryKeyColumns.join("\u0000");
  return { fields, primaryKey: samePk ? null : { from: older.primaryKeyColumns, to: newer.primaryKeyColumns } };
}
