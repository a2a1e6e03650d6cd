// A project's schemas, each with its instances' pending and failed changeset counts.
import { useState } from "preact/hooks";
import { query, seg } from "../api";
import { useApi } from "../app";
import { projectHref } from "../router";
import type { DbSchema, SchemaSummary } from "../types";
import { ErrorBox, Loading, Pager, Section, useAsync } from "../ui";

const PAGE_SIZE = 20;

export function schemaPath(org: string, project: string, schema?: string): string {
  const base = `/v1/orgs/${seg(org)}/projects/${seg(project)}/dbschema`;
  return schema === undefined ? base : `${base}/${seg(schema)}`;
}

function Counts({ org, project, schema }: { org: string; project: string; schema: string }) {
  const api = useApi();
  const summary = useAsync(() => api.get<SchemaSummary>(`${schemaPath(org, project, schema)}/summary`), [org, project, schema]);
  if (summary.loading) return <span class="muted">counting…</span>;
  if (summary.error) return <ErrorBox error={summary.error} />;
  const instances = summary.data?.instances ?? [];
  if (!instances.length) return <span class="muted">no instances</span>;
  return (
    <ul class="counts" aria-label={`Changesets per instance of ${schema}`}>
      {instances.map((i) => (
        <li key={i.identifier}>
          <a href={projectHref(org, project, "schemas", schema, "instances", i.identifier)}>{i.name}</a>{" "}
          <span class={`count ${i.pending ? "tone-pending" : "tone-ok"}`}>{i.pending} pending</span>{" "}
          <span class={`count ${i.failed ? "tone-failed" : "tone-neutral"}`}>
            {i.failed ? <span aria-hidden="true">✕ </span> : null}{i.failed} failed
          </span>
        </li>
      ))}
    </ul>
  );
}

export function SchemasPage({ org, project }: { org: string; project: string }) {
  const api = useApi();
  const [page, setPage] = useState(0);
  const [search, setSearch] = useState("");
  const [term, setTerm] = useState("");
  const list = useAsync(
    () => api.request<DbSchema[]>("GET", schemaPath(org, project) + query({ page, limit: PAGE_SIZE, search_term: term, sort: "name", order: "ASC" })),
    [org, project, page, term],
  );
  return (
    <>
      <h1>Schemas of {org} / {project}</h1>
      <Section title="Schemas">
        <form class="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); setPage(0); setTerm(search); }}>
          <label for="schema-search">Search schemas</label>
          <input id="schema-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <button type="submit">Search</button>
        </form>
        {list.loading && !list.data ? <Loading what="schemas" /> : null}
        <ErrorBox error={list.error} />
        {list.data ? (
          list.data.data.length === 0 ? <p>No schemas{term ? ` match “${term}”` : ""}.</p> : (
            <table class="list">
              <caption class="sr-only">Schemas with pending and failed changesets per instance</caption>
              <thead>
                <tr><th scope="col">Schema</th><th scope="col">Changesets</th><th scope="col">Instances: pending / failed</th><th scope="col">Executions</th></tr>
              </thead>
              <tbody>
                {list.data.data.map((s) => (
                  <tr key={s.identifier}>
                    <th scope="row"><a href={projectHref(org, project, "schemas", s.identifier)}>{s.name}</a><div class="muted mono">{s.identifier}</div></th>
                    <td>{s.changesetCount ?? "–"}</td>
                    <td><Counts org={org} project={project} schema={s.identifier} /></td>
                    <td><a href={projectHref(org, project, "schemas", s.identifier, "executions")}>Executions</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        <Pager page={page} size={PAGE_SIZE} total={list.data?.total ?? null} onPage={setPage} label="schemas" />
      </Section>
    </>
  );
}
