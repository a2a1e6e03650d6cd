// One dataset table: schema, schema history with a diff of two versions, a row preview, operations.
import { useState } from "preact/hooks";
import { query, seg } from "../api";
import { useApi } from "../app";
import { diffSchemas, fieldText } from "../diff";
import { href } from "../router";
import { formatTime } from "../status";
import type { Field, Operation, SchemaVersion, Table } from "../types";
import { ErrorBox, JobBadge, Loading, Section, useAsync } from "../ui";

export function FieldsTable({ fields, primaryKey, caption }: { fields: Field[]; primaryKey: string[]; caption: string }) {
  return (
    <table class="list">
      <caption class="sr-only">{caption}</caption>
      <thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Nullable</th><th scope="col">Key</th></tr></thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.name}>
            <th scope="row" class="mono">{f.name}</th>
            <td class="mono">{f.arrowType}</td>
            <td>{f.nullable ? "yes" : "no"}</td>
            <td>{primaryKey.includes(f.name) ? "primary key" : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VersionDiff({ versions }: { versions: SchemaVersion[] }) {
  const numbers = versions.map((v) => v.versionNumber);
  const [from, setFrom] = useState(numbers[1] ?? numbers[0]);
  const [to, setTo] = useState(numbers[0]);
  const a = versions.find((v) => v.versionNumber === from);
  const b = versions.find((v) => v.versionNumber === to);
  const diff = a && b ? diffSchemas(a, b) : null;
  return (
    <div>
      <div class="toolbar">
        <div class="field">
          <label for="diff-from">Compare version</label>
          <select id="diff-from" value={String(from)} onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}>
            {numbers.map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="diff-to">with version</label>
          <select id="diff-to" value={String(to)} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>
            {numbers.map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select>
        </div>
      </div>
      {diff ? (
        diff.fields.length === 0 && !diff.primaryKey ? <p>Versions {from} and {to} have the same columns.</p> : (
          <ul class="diff" aria-label={`Changes from version ${from} to version ${to}`} data-testid="schema-diff">
            {diff.fields.map((c) => (
              <li key={`${c.kind}-${c.name}`} class={`diff-${c.kind}`}>
                {c.kind === "added" ? <><strong>+ added</strong> <code>{fieldText(c.to)}</code></> : null}
                {c.kind === "removed" ? <><strong>− removed</strong> <code>{fieldText(c.from)}</code></> : null}
                {c.kind === "changed" ? <><strong>~ changed</strong> <code>{c.name}</code>: {c.what.join(", ")}</> : null}
              </li>
            ))}
            {diff.primaryKey ? <li class="diff-changed"><strong>~ primary key</strong> ({diff.primaryKey.from.join(", ") || "none"}) → ({diff.primaryKey.to.join(", ") || "none"})</li> : null}
          </ul>
        )
      ) : null}
    </div>
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function TablePage({ tableId }: { tableId: string }) {
  const api = useApi();
  const base = `/dataset-tables/${seg(tableId)}`;
  const table = useAsync(() => api.get<Table>(base), [base]);
  const versions = useAsync(() => api.get<{ versions: SchemaVersion[] }>(`${base}/schema/versions${query({ limit: 100 })}`), [base]);
  const rows = useAsync(() => api.post<{ rows: Record<string, unknown>[]; total?: number; hasMore: boolean }>(`${base}/query`, { limit: 20, includeTotal: true }), [base]);
  const operations = useAsync(() => api.get<{ operations: Operation[] }>(`${base}/operations${query({ limit: 10 })}`), [base]);

  const fields = table.data?.fields ?? [];
  return (
    <>
      <h1>Table {table.data?.tableName ?? tableId}</h1>
      <ErrorBox error={table.error} />
      {table.data ? (
        <p class="muted">
          <span class="mono">{table.data.tableId}</span> · schema version {table.data.versionNumber ?? "–"} ·{" "}
          <a href={href("datasets", table.data.datasetId)}>dataset</a> ·{" "}
          <a class="button" href={href("tables", tableId, "migrate")}>Compose a migration</a>
        </p>
      ) : null}
      <div class="grid-2">
        <Section title="Schema">
          {table.data ? <FieldsTable fields={fields} primaryKey={table.data.primaryKeyColumns ?? []} caption="Current columns" /> : <Loading what="schema" />}
        </Section>
        <Section title="Schema history">
          <ErrorBox error={versions.error} />
          {versions.data ? (
            <>
              <ol class="versions" reversed>
                {versions.data.versions.map((v) => (
                  <li key={v.schemaVersionId}>
                    <strong>Version {v.versionNumber}</strong> · {formatTime(v.appliedAt)} · {v.fields.length} columns
                    {v.description ? ` · ${v.description}` : ""}
                    {v.operationId ? <> · <a href={href("tables", tableId, "operations", v.operationId)}>operation</a></> : null}
                  </li>
                ))}
              </ol>
              {versions.data.versions.length > 1 ? <VersionDiff versions={versions.data.versions} /> : <p class="muted">Only one version so far.</p>}
            </>
          ) : <Loading what="versions" />}
        </Section>
      </div>
      <Section title="Rows (first 20)">
        <ErrorBox error={rows.error} />
        {rows.data ? (
          rows.data.rows.length === 0 ? <p>The table has no rows.</p> : (
            <div class="scroll">
              <table class="list" data-testid="row-preview">
                <caption class="sr-only">Row preview</caption>
                <thead><tr>{Object.keys(rows.data.rows[0]).map((k) => <th scope="col" key={k} class="mono">{k}</th>)}</tr></thead>
                <tbody>
                  {rows.data.rows.map((r, n) => <tr key={n}>{Object.keys(rows.data!.rows[0]).map((k) => <td key={k}>{cell(r[k])}</td>)}</tr>)}
                </tbody>
              </table>
              {rows.data.total !== undefined ? <p class="muted">{rows.data.total} rows in all.</p> : null}
            </div>
          )
        ) : rows.loading ? <Loading what="rows" /> : null}
      </Section>
      <Section title="Recent operations">
        <ErrorBox error={operations.error} />
        {operations.data ? (
          operations.data.operations.length === 0 ? <p>No operations yet.</p> : (
            <table class="list">
              <thead><tr><th scope="col">Operation</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Created</th></tr></thead>
              <tbody>
                {operations.data.operations.map((o) => (
                  <tr key={o.operationId}>
                    <th scope="row"><a class="mono" href={href("tables", tableId, "operations", o.operationId)}>{o.operationId}</a><div class="muted small">{o.description ?? ""}</div></th>
                    <td>{o.operationType}</td>
                    <td><JobBadge status={o.status} /></td>
                    <td>{o.progressPercent} %</td>
                    <td>{formatTime(o.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
      </Section>
    </>
  );
}
