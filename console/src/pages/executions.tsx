// Executions: a schema's (or an instance's) list, and one execution with live progress and results.
import { useEffect, useState } from "preact/hooks";
import { query, seg } from "../api";
import { useApi } from "../app";
import { pollUntilFinal } from "../poll";
import { projectHref } from "../router";
import { formatTime, isFinal, jobLook } from "../status";
import type { Execution } from "../types";
import { CursorPager, ErrorBox, JobBadge, Loading, Progress, Section, useAsync } from "../ui";
import { schemaPath } from "./schemas";

const PAGE_SIZE = 25;

const STATUSES = ["", "IN_PROGRESS", "SUCCESS", "FAILURE", "CANCELLED"];

export function ExecutionsPage({ org, project, schema, instance }: { org: string; project: string; schema: string; instance?: string }) {
  const api = useApi();
  const [cursors, setCursors] = useState<string[]>([]);
  const [status, setStatus] = useState("");
  const cursor = cursors[cursors.length - 1];
  const path = instance
    ? `${schemaPath(org, project, schema)}/instance/${seg(instance)}/executions`
    : `${schemaPath(org, project, schema)}/executions`;
  const list = useAsync(
    () => api.get<{ executions: Execution[]; nextCursor: string | null }>(path + query({ limit: PAGE_SIZE, cursor, status })),
    [path, cursor, status],
  );
  return (
    <>
      <h1>Executions of {schema}{instance ? ` on ${instance}` : ""}</h1>
      <Section title="Executions">
        <div class="toolbar">
          <div class="field">
            <label for="exec-status">Status</label>
            <select id="exec-status" value={status} onChange={(e) => { setCursors([]); setStatus((e.target as HTMLSelectElement).value); }}>
              {STATUSES.map((s) => <option key={s} value={s}>{s ? jobLook(s).label : "any"}</option>)}
            </select>
          </div>
        </div>
        {list.loading && !list.data ? <Loading what="executions" /> : null}
        <ErrorBox error={list.error} />
        {list.data ? (
          list.data.executions.length === 0 ? <p>No executions{status ? " with that status" : ""}.</p> : (
            <table class="list" data-testid="executions">
              <caption class="sr-only">Executions, newest first</caption>
              <thead><tr><th scope="col">Execution</th><th scope="col">Kind</th><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th></tr></thead>
              <tbody>
                {list.data.executions.map((e) => (
                  <tr key={e.executionId}>
                    <th scope="row"><a class="mono" href={projectHref(org, project, "executions", e.executionId)}>{e.executionId}</a>{e.dryRun ? " (dry run)" : ""}</th>
                    <td>{e.kind}</td>
                    <td>{e.instance ?? (e.instances ? `${e.instances.length} instances` : "–")}</td>
                    <td><JobBadge status={e.status} /></td>
                    <td>{e.progress ? `${e.progress.done} / ${e.progress.total}` : "–"}</td>
                    <td>{formatTime(e.created)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        <CursorPager cursors={cursors} next={list.data?.nextCursor ?? null} onMove={setCursors} label="executions" />
      </Section>
    </>
  );
}

export function ExecutionPage({ org, project, executionId }: { org: string; project: string; executionId: string }) {
  const api = useApi();
  const [execution, setExecution] = useState<Execution | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setExecution(null);
    setError(null);
    const poller = pollUntilFinal(
      () => api.get<Execution>(`/v1/orgs/${seg(org)}/projects/${seg(project)}/executions/${seg(executionId)}`),
      setExecution,
      setError,
    );
    return () => poller.stop();
  }, [org, project, executionId]);

  if (error) return <ErrorBox error={error} title="Execution" />;
  if (!execution) return <Loading what="execution" />;
  const done = execution.progress?.done ?? 0;
  const total = execution.progress?.total ?? 0;
  const live = !isFinal(execution.status);
  return (
    <>
      <h1>{execution.kind === "rollback" ? "Rollback" : execution.kind === "fleet" ? "Fleet apply" : "Apply"} <span class="mono">{execution.executionId}</span></h1>
      <Section title="Status">
        <div aria-live="polite" data-testid="execution-status">
          <p><JobBadge status={execution.status} />{execution.dryRun ? " · dry run" : ""}{live ? " · updating live" : ""}</p>
          <Progress value={done} max={total} label="Changesets" />
        </div>
        <dl class="facts">
          <dt>Schema</dt><dd><a href={projectHref(org, project, "schemas", execution.schema)}>{execution.schema}</a></dd>
          {execution.instance ? (<><dt>Instance</dt><dd><a href={projectHref(org, project, "schemas", execution.schema, "instances", execution.instance)}>{execution.instance}</a></dd></>) : null}
          <dt>Pipeline</dt><dd>{execution.pipeline || "–"} {execution.planExecutionId ? `(${execution.planExecutionId} / ${execution.stageExecutionId})` : ""}</dd>
          <dt>Pre-start tag</dt><dd>{execution.preStartTag ?? "–"}</dd>
          <dt>Tag</dt><dd>{execution.tag ?? "–"}</dd>
          <dt>Started</dt><dd>{formatTime(execution.created)}</dd>
          <dt>Finished</dt><dd>{formatTime(execution.completed)}</dd>
        </dl>
        {execution.error ? <div class="error" role="alert"><strong>{execution.error.code}:</strong> {execution.error.message}</div> : null}
      </Section>
      {execution.instances?.length ? (
        <Section title="Instances">
          {execution.summary ? <p>{Object.entries(execution.summary).map(([k, v]) => `${v} ${k}`).join(" · ")}</p> : null}
          <table class="list">
            <thead><tr><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Execution</th></tr></thead>
            <tbody>
              {execution.instances.map((i) => (
                <tr key={i.instance}>
                  <th scope="row">{i.instance}</th>
                  <td><JobBadge status={i.status} /></td>
                  <td>{i.executionId ? <a class="mono" href={projectHref(org, project, "executions", i.executionId)}>{i.executionId}</a> : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}
      {execution.results?.length ? (
        <Section title="Changesets">
          <table class="list" data-testid="execution-results">
            <thead><tr><th scope="col">Changeset</th><th scope="col">Result</th><th scope="col">Duration</th><th scope="col">Error</th></tr></thead>
            <tbody>
              {execution.results.map((r, n) => (
                <tr key={`${r.changeSetFQN}-${n}`}>
                  <th scope="row" class="mono">{r.changeSetFQN}</th>
                  <td>{r.status}</td>
                  <td>{r.durationMs !== undefined ? `${r.durationMs} ms` : "–"}</td>
                  <td class="err-text">{r.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}
      {execution.sql?.length ? (
        <Section title="SQL (dry run)">
          <pre class="sql" tabIndex={0} aria-label="SQL the run would send">{execution.sql.join("\n\n")}</pre>
        </Section>
      ) : null}
    </>
  );
}
