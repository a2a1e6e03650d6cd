// One schema: the changeset x instance matrix with search, instance filter, sort and paging.
import { useEffect, useRef, useState } from "preact/hooks";
import { query } from "../api";
import { useApi } from "../app";
import { cellDetails, cellLabel, migrationStateRequest, moveCell, type MatrixQuery, type Order, type SortKey } from "../matrix";
import { projectHref } from "../router";
import { changesetLook } from "../status";
import type { Execution, InstanceRef, MigrationState } from "../types";
import { ErrorBox, Loading, Pager, Section, useAsync } from "../ui";
import { schemaPath } from "./schemas";

const STATUSES = ["Successfully_Deployed", "Not_Deployed", "Deployment_Failed", "Rolled_Back"];

function Legend() {
  return (
    <ul class="legend" aria-label="Status legend">
      {STATUSES.map((s) => {
        const look = changesetLook(s);
        return <li key={s}><span class={`cell-chip tone-${look.tone}`} aria-hidden="true">{look.symbol}</span> {look.label} <code>{s}</code></li>;
      })}
    </ul>
  );
}

interface Tip { lines: string[]; top: number; left: number; id: string }

function InstanceFilter({ all, selected, onChange }: { all: InstanceRef[]; selected: string[] | null; onChange: (v: string[] | null) => void }) {
  const chosen = new Set(selected ?? all.map((i) => i.identifier));
  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id); else next.add(id);
    onChange(next.size === all.length ? null : all.map((i) => i.identifier).filter((i) => next.has(i)));
  };
  return (
    <details class="filter">
      <summary>Instances ({selected === null ? "all" : `${selected.length} of ${all.length}`})</summary>
      <fieldset>
        <legend class="sr-only">Show instances</legend>
        <div class="filter-actions">
          <button type="button" onClick={() => onChange(null)}>All</button>
        </div>
        {all.map((i) => (
          <label key={i.identifier} class="check">
            <input type="checkbox" checked={chosen.has(i.identifier)} onChange={() => toggle(i.identifier)} /> {i.name} <span class="muted mono">{i.identifier}</span>
          </label>
        ))}
      </fieldset>
    </details>
  );
}

function FleetApply({ org, project, schema, instances }: { org: string; project: string; schema: string; instances: InstanceRef[] }) {
  const api = useApi();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [concurrency, setConcurrency] = useState(5);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const stamp = Date.now();
      const execution = await api.post<Execution>(`${schemaPath(org, project, schema)}/apply`, {
        pipeline: "console", planExecutionId: `console-${stamp}`, stageExecutionId: "fleet",
        instances: instances.map((i) => i.identifier), maxConcurrency: concurrency,
      });
      location.hash = projectHref(org, project, "executions", execution.executionId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="fleet">
      <summary>Apply to all shown instances</summary>
      <div class="row">
        <label for="fleet-concurrency">Max concurrency</label>
        <input id="fleet-concurrency" type="number" min={1} max={100} value={concurrency}
          onInput={(e) => setConcurrency(Number((e.target as HTMLInputElement).value) || 1)} />
        <button type="button" class="primary" disabled={busy || !instances.length} onClick={start}>
          Start fleet apply on {instances.length} instance{instances.length === 1 ? "" : "s"}
        </button>
      </div>
      <ErrorBox error={error} />
    </details>
  );
}

export function SchemaPage({ org, project, schema }: { org: string; project: string; schema: string }) {
  const api = useApi();
  const [q, setQ] = useState<MatrixQuery>({ page: 0, limit: 50, search: "", instances: null, sort: "name", order: "ASC" });
  const [search, setSearch] = useState("");
  const [allInstances, setAllInstances] = useState<InstanceRef[]>([]);
  const [active, setActive] = useState<[number, number]>([0, 0]);
  const [tip, setTip] = useState<Tip | null>(null);
  const grid = useRef<HTMLTableElement>(null);

  const state = useAsync(async () => {
    const { params, body } = migrationStateRequest(q);
    const answer = await api.request<MigrationState>("POST", `${schemaPath(org, project, schema)}/migrationstate${query(params)}`, body);
    if (q.instances === null) setAllInstances(answer.data.instances);
    return answer;
  }, [org, project, schema, q]);

  // Let a person type before searching: search 300 ms after the last keystroke.
  useEffect(() => {
    const timer = setTimeout(() => setQ((old) => (old.search === search ? old : { ...old, search, page: 0 })), 300);
    return () => clearTimeout(timer);
  }, [search]);

  const data = state.data?.data;
  const rows = data?.changeSets ?? [];
  const cols = data?.instances ?? [];

  const showTip = (el: HTMLElement, lines: string[], id: string) => {
    const box = el.getBoundingClientRect();
    const host = grid.current?.parentElement?.getBoundingClientRect();
    if (!host) return;
    setTip({ lines, id, top: box.bottom - host.top + (grid.current?.parentElement?.scrollTop ?? 0) + 4,
      left: Math.max(0, box.left - host.left + (grid.current?.parentElement?.scrollLeft ?? 0)) });
  };

  const onKey = (e: KeyboardEvent, r: number, c: number) => {
    const next = moveCell(r, c, e.key, rows.length, cols.length);
    if (!next) {
      if (e.key === "Escape") setTip(null);
      return;
    }
    e.preventDefault();
    setActive(next);
    const cell = grid.current?.querySelector<HTMLElement>(`[data-cell="${next[0]}-${next[1]}"]`);
    cell?.focus();
  };

  return (
    <>
      <h1>Schema {schema}</h1>
      <p class="links">
        <a href={projectHref(org, project, "schemas", schema, "executions")}>Executions of this schema</a>
      </p>
      <Section title="Changesets by instance">
        <div class="toolbar">
          <div class="field">
            <label for="cs-search">Search changesets (id, author, file)</label>
            <input id="cs-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="cs-sort">Sort instances by</label>
            <select id="cs-sort" value={q.sort} onChange={(e) => setQ({ ...q, sort: (e.target as HTMLSelectElement).value as SortKey })}>
              <option value="name">name</option>
              <option value="identifier">identifier</option>
              <option value="created">created</option>
              <option value="updated">updated</option>
            </select>
          </div>
          <div class="field">
            <label for="cs-order">Order</label>
            <select id="cs-order" value={q.order} onChange={(e) => setQ({ ...q, order: (e.target as HTMLSelectElement).value as Order })}>
              <option value="ASC">ascending</option>
              <option value="DESC">descending</option>
            </select>
          </div>
          <div class="field">
            <label for="cs-limit">Changesets per page</label>
            <select id="cs-limit" value={String(q.limit)} onChange={(e) => setQ({ ...q, page: 0, limit: Number((e.target as HTMLSelectElement).value) })}>
              {[25, 50, 100].map((n) => <option key={n} value={String(n)}>{n}</option>)}
            </select>
          </div>
          <InstanceFilter all={allInstances} selected={q.instances} onChange={(instances) => setQ({ ...q, page: 0, instances })} />
        </div>
        <Legend />
        <ErrorBox error={state.error} />
        {state.loading && !data ? <Loading what="migration state" /> : null}
        {data ? (
          rows.length === 0 ? <p>No changesets{q.search ? ` match “${q.search}”` : ""}.</p> : (
            <div class="matrix-wrap" onMouseLeave={() => setTip(null)}>
              <table class="matrix" role="grid" ref={grid} aria-label={`Changesets of ${schema} by instance`} aria-busy={state.loading}
                data-testid="matrix">
                <thead>
                  <tr>
                    <th scope="col" class="cs-col">Changeset</th>
                    {cols.map((i) => (
                      <th scope="col" key={i.identifier}>
                        <a href={projectHref(org, project, "schemas", schema, "instances", i.identifier)}>{i.name}</a>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((cs, r) => (
                    <tr key={cs.changeSetFQN}>
                      <th scope="row" class="cs-col">
                        <span class="mono">{cs.changeSet}</span> <span class="muted">{cs.author}</span>
                        <div class="muted small">{cs.fileName}{cs.synced ? " · synced" : ""}</div>
                      </th>
                      {cs.instances.map((st, c) => {
                        const look = changesetLook(st.status);
                        const name = cols[c]?.name ?? st.instance;
                        const id = `tip-${r}-${c}`;
                        const isActive = active[0] === r && active[1] === c;
                        return (
                          <td key={st.instance} role="gridcell" class={`cell tone-${look.tone}`} data-cell={`${r}-${c}`}
                            data-status={st.status} data-instance={st.instance} data-changeset={cs.changeSetFQN}
                            tabIndex={isActive ? 0 : -1} aria-label={cellLabel(cs.changeSet, name, st)}
                            aria-describedby={tip?.id === id ? id : undefined}
                            onMouseEnter={(e) => showTip(e.currentTarget as HTMLElement, cellDetails(st), id)}
                            onFocus={(e) => { setActive([r, c]); showTip(e.currentTarget as HTMLElement, cellDetails(st), id); }}
                            onBlur={() => setTip(null)}
                            onKeyDown={(e) => onKey(e, r, c)}>
                            <span aria-hidden="true">{look.symbol}</span> <span class="cell-text">{look.short}</span>
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
              {tip ? (
                <div class="tip" role="tooltip" id={tip.id} style={{ top: `${tip.top}px`, left: `${tip.left}px` }} data-testid="cell-tip">
                  {tip.lines.map((l) => <div key={l}>{l}</div>)}
                </div>
              ) : null}
            </div>
          )
        ) : null}
        <Pager page={q.page} size={q.limit} total={state.data?.total ?? null} onPage={(page) => setQ({ ...q, page })} label="changesets" />
      </Section>
      {cols.length ? <FleetApply org={org} project={project} schema={schema} instances={cols} /> : null}
    </>
  );
}
