// Table migrations: compose operations, see the plan before running, then watch progressPercent live.
import { useEffect, useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { useApi } from "../app";
import { buildOperation, describeOperation, OPERATION_TYPES, specOf } from "../ops";
import { pollUntilFinal } from "../poll";
import { href } from "../router";
import { formatTime, isFinal } from "../status";
import type { MigrationOp, Operation, Plan, Table } from "../types";
import { ErrorBox, JobBadge, Loading, Section, useAsync } from "../ui";
import { FieldsTable } from "./table";

function planErrorText(e: Plan["validationErrors"][number]): string {
  if (typeof e === "string") return e;
  const where = e.operationIndex !== undefined ? `operation ${e.operationIndex + 1}: ` : "";
  return `${where}${e.message ?? JSON.stringify(e)}`;
}

function OperationForm({ onAdd }: { onAdd: (op: MigrationOp) => void }) {
  const [type, setType] = useState(OPERATION_TYPES[0].type);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const spec = specOf(type);
  return (
    <form class="op-form" aria-label="Add an operation" onSubmit={(e) => {
      e.preventDefault();
      try {
        onAdd(buildOperation(type, values));
        setValues({});
        setError(null);
      } catch (err) {
        setError((err as Error).message);
      }
    }}>
      <div class="field">
        <label for="op-type">Operation</label>
        <select id="op-type" value={type} onChange={(e) => { setType((e.target as HTMLSelectElement).value); setValues({}); setError(null); }}>
          {OPERATION_TYPES.map((s) => <option key={s.type} value={s.type}>{s.label} ({s.type})</option>)}
        </select>
      </div>
      {spec.params.map((p) => {
        const id = `op-${p.name}`;
        const set = (v: string) => setValues({ ...values, [p.name]: v });
        if (p.kind === "bool") {
          return (
            <label key={id} class="check"><input id={id} type="checkbox" checked={values[p.name] === "true"}
              onChange={(e) => set((e.target as HTMLInputElement).checked ? "true" : "false")} /> {p.label}</label>
          );
        }
        return (
          <div class="field" key={id}>
            <label for={id}>{p.label}{p.required ? " (required)" : ""}</label>
            {p.kind === "choice" ? (
              <select id={id} value={values[p.name] ?? ""} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
                {p.required ? null : <option value="">(default)</option>}
                {p.required && !values[p.name] ? <option value="">choose…</option> : null}
                {p.choices!.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            ) : (
              <input id={id} value={values[p.name] ?? ""} required={p.required} inputMode={p.kind === "int" ? "numeric" : undefined}
                aria-describedby={p.hint ? `${id}-hint` : undefined} onInput={(e) => set((e.target as HTMLInputElement).value)} />
            )}
            {p.hint ? <small id={`${id}-hint`} class="muted">{p.hint}</small> : null}
          </div>
        );
      })}
      {error ? <p class="error" role="alert">{error}</p> : null}
      <button type="submit">Add operation</button>
    </form>
  );
}

export function MigratePage({ tableId }: { tableId: string }) {
  const api = useApi();
  const base = `/dataset-tables/${seg(tableId)}`;
  const table = useAsync(() => api.get<Table>(base), [base]);
  const [ops, setOps] = useState<MigrationOp[]>([]);
  const [description, setDescription] = useState("");
  const [plan, setPlan] = useState<{ plan: Plan; forOps: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const opsKey = JSON.stringify(ops);
  const planIsCurrent = plan !== null && plan.forOps === opsKey;

  const runPlan = async () => {
    setBusy(true);
    setError(null);
    try {
      setPlan({ plan: await api.post<Plan>(`${base}/migrations/plan`, { operations: ops }), forOps: opsKey });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { operations: ops };
      if (description.trim()) body.description = description.trim();
      const operation = await api.post<Operation>(`${base}/migrations`, body, { "Idempotency-Key": `console-${Date.now()}-${Math.random().toString(36).slice(2)}` });
      location.hash = href("tables", tableId, "operations", operation.operationId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const move = (i: number, d: number) => {
    const next = [...ops];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setOps(next);
  };

  return (
    <>
      <h1>Migrate {table.data?.tableName ?? tableId}</h1>
      <ErrorBox error={table.error} />
      <div class="grid-2">
        <Section title="Compose operations">
          <OperationForm onAdd={(op) => setOps([...ops, op])} />
        </Section>
        <Section title="Current schema">
          {table.data ? <FieldsTable fields={table.data.fields ?? []} primaryKey={table.data.primaryKeyColumns ?? []} caption="Current columns" /> : <Loading what="schema" />}
        </Section>
      </div>
      <Section title="Migration">
        {ops.length === 0 ? <p class="muted">No operations yet: add one above.</p> : (
          <ol class="ops" data-testid="composed-ops">
            {ops.map((op, i) => (
              <li key={`${i}-${op.type}`}>
                <code>{describeOperation(op)}</code>{" "}
                <button type="button" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move operation ${i + 1} up`}>↑</button>
                <button type="button" disabled={i === ops.length - 1} onClick={() => move(i, 1)} aria-label={`Move operation ${i + 1} down`}>↓</button>
                <button type="button" onClick={() => setOps(ops.filter((_, n) => n !== i))} aria-label={`Remove operation ${i + 1}`}>Remove</button>
              </li>
            ))}
          </ol>
        )}
        <div class="field">
          <label for="mig-description">Description (optional)</label>
          <input id="mig-description" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
        </div>
        <div class="row">
          <button type="button" disabled={!ops.length || busy} onClick={runPlan}>Plan</button>
          <button type="button" class="primary" disabled={!planIsCurrent || !plan?.plan.isValid || busy} onClick={start}>Run migration</button>
          {!planIsCurrent && ops.length ? <span class="muted">Plan the migration to run it.</span> : null}
        </div>
        <ErrorBox error={error} />
        {plan && planIsCurrent ? (
          <div class="plan" data-testid="plan" aria-live="polite">
            <h3>Plan: {plan.plan.isValid ? "valid" : "not valid"}</h3>
            {plan.plan.validationErrors.length ? (
              <ul class="error" role="alert">
                {plan.plan.validationErrors.map((e, i) => <li key={i}>{planErrorText(e)}</li>)}
              </ul>
            ) : null}
            <dl class="facts">
              <dt>Rewrites data</dt><dd>{plan.plan.requiresRewrite ? "yes: every fragment is written" : "no: schema only"}</dd>
              {plan.plan.estimatedDurationMs !== undefined ? (<><dt>Estimated duration</dt><dd>{plan.plan.estimatedDurationMs} ms</dd></>) : null}
              <dt>Index impact</dt>
              <dd>{plan.plan.indexImpacts.length ? (
                <ul>{plan.plan.indexImpacts.map((x) => <li key={x.indexName}><code>{x.indexName}</code>: {x.impact}{x.reason ? ` (${x.reason})` : ""}</li>)}</ul>
              ) : "none"}</dd>
            </dl>
          </div>
        ) : null}
        <details>
          <summary>Request body</summary>
          <pre class="sql">{JSON.stringify({ operations: ops, ...(description ? { description } : {}) }, null, 2)}</pre>
        </details>
      </Section>
    </>
  );
}

export function OperationPage({ tableId, operationId }: { tableId: string; operationId: string }) {
  const api = useApi();
  const path = `/dataset-tables/${seg(tableId)}/operations/${seg(operationId)}`;
  const [operation, setOperation] = useState<Operation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    setOperation(null);
    const poller = pollUntilFinal(() => api.get<Operation>(path), setOperation, setError);
    return () => poller.stop();
  }, [path]);

  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try {
      setOperation(await api.post<Operation>(`${path}/cancel`, {}));
    } catch (e) {
      // Finished before the cancel arrived: say so, the poll shows the outcome.
      setCancelError(e instanceof ApiError && e.code === "OPERATION_FINISHED" ? new Error("The operation had already finished.") : e);
      setCancelling(false);
    }
  };

  if (error) return <ErrorBox error={error} title="Operation" />;
  if (!operation) return <Loading what="operation" />;
  const final = isFinal(operation.status);
  return (
    <>
      <h1>Operation <span class="mono">{operation.operationId}</span></h1>
      <Section title="Progress" actions={!final ? (
        <button type="button" class="danger" disabled={cancelling} onClick={cancel}>{cancelling ? "Cancelling…" : "Cancel operation"}</button>
      ) : null}>
        <div aria-live="polite" data-testid="operation-status">
          <p><JobBadge status={operation.status} /> · {operation.operationType}{operation.description ? ` · ${operation.description}` : ""}</p>
          <div class="progress">
            <progress value={operation.progressPercent} max={100} aria-label="Progress in percent" />
            <span class="progress-text" data-testid="progress-percent">{operation.progressPercent} %</span>
          </div>
          {operation.progressMessage ? <p class="muted" data-testid="progress-message">{operation.progressMessage}</p> : null}
        </div>
        {operation.error ? <div class="error" role="alert"><strong>{operation.error.code}:</strong> {operation.error.message}</div> : null}
        <ErrorBox error={cancelError} />
        <dl class="facts">
          <dt>Created</dt><dd>{formatTime(operation.createdAt)}</dd>
          <dt>Started</dt><dd>{formatTime(operation.startedAt)}</dd>
          <dt>Finished</dt><dd>{formatTime(operation.completedAt)}</dd>
        </dl>
        <p><a href={href("tables", tableId)}>Back to the table</a></p>
      </Section>
    </>
  );
}
