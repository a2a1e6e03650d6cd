// One instance: its changeset history, and apply / roll back with an SQL preview (dry run) first.
import { useEffect, useState } from "preact/hooks";
import { query, seg } from "../api";
import { useApi } from "../app";
import { applyBody, rollbackBody, type ApplyForm, type RollbackForm } from "../deploy";
import { pollUntilFinal } from "../poll";
import { projectHref } from "../router";
import { formatTime } from "../status";
import type { Execution, Instance, InstanceMigrationState } from "../types";
import { ChangesetBadge, Confirm, ErrorBox, JobBadge, Loading, Pager, Section, useAsync } from "../ui";
import { schemaPath } from "./schemas";

const PAGE_SIZE = 50;

interface Preview { kind: "apply" | "rollback"; body: Record<string, unknown>; execution: Execution | null; error: unknown }

function Text({ id, label, value, onInput, hint }: { id: string; label: string; value: string; onInput: (v: string) => void; hint?: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} aria-describedby={hint ? `${id}-hint` : undefined}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
      {hint ? <small id={`${id}-hint`} class="muted">{hint}</small> : null}
    </div>
  );
}

export function InstancePage({ org, project, schema, instance }: { org: string; project: string; schema: string; instance: string }) {
  const api = useApi();
  const base = `${schemaPath(org, project, schema)}`;
  const [page, setPage] = useState(0);
  const info = useAsync(() => api.get<Instance>(`${base}/instance/${seg(instance)}`), [base, instance]);
  const history = useAsync(
    () => api.request<InstanceMigrationState>("GET", `${base}/dbinstance/${seg(instance)}/migrationstate${query({ page, limit: PAGE_SIZE })}`),
    [base, instance, page],
  );
  const recent = useAsync(
    () => api.get<{ executions: Execution[] }>(`${base}/instance/${seg(instance)}/executions${query({ limit: 5 })}`),
    [base, instance],
  );
  const [apply, setApply] = useState<ApplyForm>({ tag: "", toTag: "", count: "", contexts: "", labels: "" });
  const [rollback, setRollback] = useState<RollbackForm>({ by: "tag", tag: "", count: "1" });
  const [formError, setFormError] = useState<unknown>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (!preview || preview.execution === null || preview.execution.status !== "IN_PROGRESS") return;
    const poller = pollUntilFinal(
      () => api.get<Execution>(`/v1/orgs/${seg(org)}/projects/${seg(project)}/executions/${seg(preview.execution!.executionId)}`),
      (execution) => setPreview((p) => (p ? { ...p, execution } : p)),
      (error) => setPreview((p) => (p ? { ...p, error } : p)),
    );
    return () => poller.stop();
  }, [preview?.execution?.executionId]);

  const startPreview = async (kind: "apply" | "rollback") => {
    setFormError(null);
    let body: Record<string, unknown>;
    try {
      body = kind === "apply" ? applyBody(apply, true) : rollbackBody(rollback, true);
    } catch (e) {
      setFormError(e);
      return;
    }
    setPreview({ kind, body, execution: null, error: null });
    try {
      const execution = await api.post<Execution>(`${base}/instance/${seg(instance)}/${kind}`, body);
      setPreview({ kind, body, execution, error: null });
    } catch (error) {
      setPreview({ kind, body, execution: null, error });
    }
  };

  const confirm = async () => {
    if (!preview) return;
    setStarting(true);
    try {
      const execution = await api.post<Execution>(`${base}/instance/${seg(instance)}/${preview.kind}`, { ...preview.body, dryRun: false });
      setPreview(null);
      location.hash = projectHref(org, project, "executions", execution.executionId);
    } catch (error) {
      setPreview({ ...preview, error });
    } finally {
      setStarting(false);
    }
  };

  const previewDone = preview?.execution && preview.execution.status !== "IN_PROGRESS";
  const sql = preview?.execution?.sql ?? [];

  return (
    <>
      <h1>Instance {info.data?.name ?? instance}</h1>
      <ErrorBox error={info.error} />
      {info.data ? (
        <p class="muted">
          <span class="mono">{info.data.identifier}</span> · {info.data.dialect} · <span class="mono">{info.data.url}</span>
          {info.data.context ? ` · context ${info.data.context}` : ""}
          {" · "}<a href={projectHref(org, project, "schemas", schema, "instances", instance, "executions")}>Executions</a>
        </p>
      ) : null}
      <div class="grid-2">
        <Section title="Apply">
          <form onSubmit={(e) => { e.preventDefault(); void startPreview("apply"); }}>
            <Text id="apply-tag" label="Tag after deploying (optional)" value={apply.tag} onInput={(tag) => setApply({ ...apply, tag })} />
            <Text id="apply-totag" label="Up to tag (optional)" value={apply.toTag} onInput={(toTag) => setApply({ ...apply, toTag })} />
            <Text id="apply-count" label="Only the next N changesets (optional)" value={apply.count} onInput={(count) => setApply({ ...apply, count })} />
            <Text id="apply-contexts" label="Contexts (optional)" value={apply.contexts} onInput={(contexts) => setApply({ ...apply, contexts })} />
            <Text id="apply-labels" label="Labels (optional)" value={apply.labels} onInput={(labels) => setApply({ ...apply, labels })} />
            <button type="submit" class="primary">Preview apply (dry run)</button>
          </form>
        </Section>
        <Section title="Roll back">
          <form onSubmit={(e) => { e.preventDefault(); void startPreview("rollback"); }}>
            <fieldset class="inline">
              <legend>Roll back by</legend>
              <label class="check"><input type="radio" name="rb-by" checked={rollback.by === "tag"} onChange={() => setRollback({ ...rollback, by: "tag" })} /> tag</label>
              <label class="check"><input type="radio" name="rb-by" checked={rollback.by === "count"} onChange={() => setRollback({ ...rollback, by: "count" })} /> count</label>
            </fieldset>
            {rollback.by === "tag" ? (
              <Text id="rb-tag" label="Roll back to tag" value={rollback.tag} onInput={(tag) => setRollback({ ...rollback, tag })}
                hint="Everything deployed after the tag is rolled back." />
            ) : (
              <Text id="rb-count" label="Number of changesets to roll back" value={rollback.count} onInput={(count) => setRollback({ ...rollback, count })} />
            )}
            <button type="submit">Preview roll back (dry run)</button>
          </form>
        </Section>
      </div>
      <ErrorBox error={formError} />
      <Confirm open={preview !== null} title={preview?.kind === "rollback" ? "Roll back this instance?" : "Apply to this instance?"}
        confirmLabel={preview?.kind === "rollback" ? "Roll back now" : "Apply now"} danger={preview?.kind === "rollback"}
        onCancel={() => setPreview(null)} onConfirm={() => { if (previewDone && !starting) void confirm(); }}>
        {preview?.error ? <ErrorBox error={preview.error} /> : null}
        {!preview?.error && !previewDone ? <p role="status">Running a dry run to show the SQL…</p> : null}
        {previewDone && preview?.execution ? (
          <>
            <p>Dry run <JobBadge status={preview.execution.status} />: {sql.length} statement{sql.length === 1 ? "" : "s"} would run on <strong>{instance}</strong>.</p>
            {preview.execution.error ? <p class="error" role="alert">{preview.execution.error.message}</p> : null}
            <pre class="sql" tabIndex={0} aria-label="SQL preview" data-testid="sql-preview">{sql.join("\n\n") || "-- nothing to run"}</pre>
          </>
        ) : null}
      </Confirm>
      <Section title="Recent executions" actions={<a href={projectHref(org, project, "schemas", schema, "instances", instance, "executions")}>All executions</a>}>
        <ErrorBox error={recent.error} />
        {recent.data ? (
          recent.data.executions.length === 0 ? <p class="muted">None yet.</p> : (
            <ul class="plain" data-testid="recent-executions">
              {recent.data.executions.map((e) => (
                <li key={e.executionId}>
                  <JobBadge status={e.status} /> {e.kind}{e.dryRun ? " (dry run)" : ""} ·{" "}
                  <a class="mono" href={projectHref(org, project, "executions", e.executionId)}>{e.executionId}</a> · {formatTime(e.created)}
                </li>
              ))}
            </ul>
          )
        ) : null}
      </Section>
      <Section title="History">
        {history.loading && !history.data ? <Loading what="history" /> : null}
        <ErrorBox error={history.error} />
        {history.data ? (
          <table class="list">
            <caption class="sr-only">Changesets on {instance}</caption>
            <thead><tr><th scope="col">Changeset</th><th scope="col">Status</th><th scope="col">Tag</th><th scope="col">Pipeline</th><th scope="col">Deployed</th><th scope="col">Error</th></tr></thead>
            <tbody>
              {history.data.data.changeSets.map((c) => (
                <tr key={c.changeSetFQN}>
                  <th scope="row"><span class="mono">{c.changeSet}</span> <span class="muted">{c.author} · {c.fileName}</span></th>
                  <td><ChangesetBadge status={c.status} /></td>
                  <td>{c.tag ?? "–"}</td>
                  <td>{c.pipeline || "–"}</td>
                  <td>{formatTime(c.deployedAt ?? c.updated)}</td>
                  <td class="err-text">{c.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager page={page} size={PAGE_SIZE} total={history.data?.total ?? null} onPage={setPage} label="changesets" />
      </Section>
    </>
  );
}
