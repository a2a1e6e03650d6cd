// Apply and rollback request bodies from the console's forms (unit tested).

export interface ApplyForm {
  tag: string;
  toTag: string;
  count: string;
  contexts: string;
  labels: string;
}

export interface RollbackForm {
  by: "tag" | "count";
  tag: string;
  count: string;
}

function pipelineIds(kind: string, now: number): Record<string, string> {
  return { pipeline: "console", planExecutionId: `console-${now}`, stageExecutionId: kind };
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1`);
  return n;
}

export function applyBody(form: ApplyForm, dryRun: boolean, now = Date.now()): Record<string, unknown> {
  const body: Record<string, unknown> = { ...pipelineIds("apply", now), dryRun };
  if (form.tag.trim()) body.tag = form.tag.trim();
  if (form.toTag.trim()) body.toTag = form.toTag.trim();
  if (form.count.trim()) body.count = positiveInt(form.count.trim(), "Count");
  if (form.contexts.trim()) body.contexts = form.contexts.trim();
  if (form.labels.trim()) body.labels = form.labels.trim();
  if (body.toTag && body.count) throw new Error("Give either “up to tag” or a count, not both");
  return body;
}

export function rollbackBody(form: RollbackForm, dryRun: boolean, now = Date.now()): Record<string, unknown> {
  const body: Record<string, unknown> = { ...pipelineIds("rollback", now), dryRun };
  if (form.by === "tag") {
    if (!form.tag.trim()) throw new Error("Enter the tag to roll back to");
    body.tag = form.tag.trim();
  } else {
    body.count = positiveInt(form.count.trim(), "Count");
  }
  return body;
}
