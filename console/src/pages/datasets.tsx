// Datasets and the tables in one dataset (cursor-paged lists).
import { useState } from "preact/hooks";
import { query, seg } from "../api";
import { useApi } from "../app";
import { href } from "../router";
import { formatTime } from "../status";
import type { Dataset, Table } from "../types";
import { CursorPager, ErrorBox, Loading, Section, useAsync } from "../ui";

const LIMIT = 50;

export function DatasetsPage() {
  const api = useApi();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const list = useAsync(() => api.get<{ datasets: Dataset[]; nextCursor: string | null }>(`/datasets${query({ limit: LIMIT, cursor })}`), [cursor]);
  return (
    <>
      <h1>Datasets</h1>
      <Section title="Datasets">
        {list.loading && !list.data ? <Loading what="datasets" /> : null}
        <ErrorBox error={list.error} />
        {list.data ? (
          list.data.datasets.length === 0 ? <p>No datasets yet.</p> : (
            <table class="list">
              <thead><tr><th scope="col">Dataset</th><th scope="col">Tables</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {list.data.datasets.map((d) => (
                  <tr key={d.datasetId}>
                    <th scope="row"><a href={href("datasets", d.datasetId)}>{d.name}</a><div class="muted small">{d.description ?? ""}</div></th>
                    <td>{d.tableCount}</td>
                    <td>{formatTime(d.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        <CursorPager cursors={cursors} next={list.data?.nextCursor ?? null} onMove={setCursors} label="datasets" />
      </Section>
    </>
  );
}

export function DatasetPage({ datasetId }: { datasetId: string }) {
  const api = useApi();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const dataset = useAsync(() => api.get<Dataset>(`/datasets/${seg(datasetId)}`), [datasetId]);
  const tables = useAsync(
    () => api.get<{ tables: Table[]; nextCursor: string | null }>(`/dataset-tables${query({ datasetId, limit: LIMIT, cursor })}`),
    [datasetId, cursor],
  );
  return (
    <>
      <h1>Dataset {dataset.data?.name ?? datasetId}</h1>
      <ErrorBox error={dataset.error} />
      {dataset.data?.description ? <p class="muted">{dataset.data.description}</p> : null}
      <Section title="Tables">
        {tables.loading && !tables.data ? <Loading what="tables" /> : null}
        <ErrorBox error={tables.error} />
        {tables.data ? (
          tables.data.tables.length === 0 ? <p>No tables in this dataset.</p> : (
            <table class="list">
              <thead><tr><th scope="col">Table</th><th scope="col">Description</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {tables.data.tables.map((t) => (
                  <tr key={t.tableId}>
                    <th scope="row"><a href={href("tables", t.tableId)}>{t.tableName}</a></th>
                    <td>{t.description ?? ""}</td>
                    <td>{formatTime(t.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        <CursorPager cursors={cursors} next={tables.data?.nextCursor ?? null} onMove={setCursors} label="tables" />
      </Section>
    </>
  );
}
