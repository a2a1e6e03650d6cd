// The table migration operation types and their parameters, as the composer form offers them
// (docs/migrations.md). `buildOperation` turns the form's text inputs into one typed operation.
import type { MigrationOp } from "./types";

export type ParamKind = "text" | "bool" | "int" | "list" | "choice" | "json";

export interface ParamSpec {
  name: string;
  label: string;
  kind: ParamKind;
  required?: boolean;
  choices?: string[];
  hint?: string;
}

export interface OpSpec {
  type: string;
  label: string;
  params: ParamSpec[];
}

const INDEX_TYPES = ["btree", "bitmap", "label_list", "inverted"];

export const OPERATION_TYPES: OpSpec[] = [
  { type: "add_column", label: "Add column", params: [
    { name: "name", label: "Column name", kind: "text", required: true },
    { name: "dataType", label: "Type", kind: "text", required: true, hint: "an Arrow type, e.g. int64, string, timestamp[ms]" },
    { name: "nullable", label: "Nullable", kind: "bool" },
    { name: "defaultValue", label: "Default value", kind: "json", hint: "JSON: 0, \"EUR\", true; required when not nullable" },
    { name: "position", label: "Position", kind: "int" },
  ] },
  { type: "drop_column", label: "Drop column", params: [{ name: "name", label: "Column name", kind: "text", required: true }] },
  { type: "rename_column", label: "Rename column", params: [
    { name: "oldName", label: "Current name", kind: "text", required: true },
    { name: "newName", label: "New name", kind: "text", required: true },
  ] },
  { type: "change_column_type", label: "Change column type", params: [
    { name: "name", label: "Column name", kind: "text", required: true },
    { name: "newType", label: "New type", kind: "text", required: true },
    { name: "oldType", label: "Expected current type", kind: "text" },
  ] },
  { type: "alter_column_nullability", label: "Change nullability", params: [
    { name: "name", label: "Column name", kind: "text", required: true },
    { name: "nullable", label: "Nullable", kind: "bool" },
  ] },
  { type: "set_primary_key", label: "Set primary key", params: [
    { name: "columns", label: "Columns", kind: "list", required: true, hint: "comma separated" },
    { name: "enforced", label: "Check uniqueness first", kind: "bool" },
  ] },
  { type: "drop_primary_key", label: "Drop primary key", params: [] },
  { type: "add_scalar_index", label: "Add scalar index", params: [
    { name: "column", label: "Column", kind: "text", required: true },
    { name: "indexType", label: "Index type", kind: "choice", choices: INDEX_TYPES, required: true },
    { name: "name", label: "Index name", kind: "text" },
  ] },
  { type: "drop_scalar_index", label: "Drop scalar index", params: [{ name: "name", label: "Index name", kind: "text", required: true }] },
  { type: "add_vector_index", label: "Add vector index", params: [
    { name: "column", label: "Column", kind: "text", required: true },
    { name: "metric", label: "Metric", kind: "choice", choices: ["l2", "cosine", "dot"] },
    { name: "indexType", label: "Index type", kind: "choice", choices: ["IVF_PQ", "IVF_HNSW_SQ"] },
    { name: "name", label: "Index name", kind: "text" },
    { name: "numPartitions", label: "Partitions", kind: "int" },
    { name: "numSubVectors", label: "Sub-vectors", kind: "int" },
  ] },
  { type: "drop_vector_index", label: "Drop vector index", params: [{ name: "name", label: "Index name", kind: "text", required: true }] },
];

export function specOf(type: string): OpSpec {
  const spec = OPERATION_TYPES.find((s) => s.type === type);
  if (!spec) throw new Error(`Unknown operation type ${type}`);
  return spec;
}

/** One operation from the form's values (text inputs; booleans as "true"/"false"). */
export function buildOperation(type: string, values: Record<string, string>): MigrationOp {
  const spec = specOf(type);
  const params: Record<string, unknown> = {};
  for (const p of spec.params) {
    const raw = (values[p.name] ?? "").trim();
    if (p.kind === "bool") {
      params[p.name] = raw === "true";
      continue;
    }
    if (!raw) {
      if (p.required) throw new Error(`${spec.label}: ${p.label} is required`);
      continue;
    }
    if (p.kind === "int") {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error(`${spec.label}: ${p.label} must be a whole number`);
      params[p.name] = n;
    } else if (p.kind === "list") {
      params[p.name] = raw.split(",").map((s) => s.trim()).filter(Boolean);
    } else if (p.kind === "json") {
      try {
        params[p.name] = JSON.parse(raw);
      } catch {
        params[p.name] = raw; // plain text default: the common case for string columns
      }
    } else {
      params[p.name] = raw;
    }
  }
  return { type, params };
}

/** A short line describing an operation, for the composed list. */
export function describeOperation(op: MigrationOp): string {
  const spec = OPERATION_TYPES.find((s) => s.type === op.type);
  const params = Object.entries(op.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
  return `${spec?.label ?? op.type}${params ? ` (${params})` : ""}`;
}
