// Changeset and job statuses as a person reads them: a word and a symbol, colour only on top.
import type { ChangesetStatus, ExecutionStatus, OperationStatus } from "./types";

export interface StatusLook {
  label: string;
  short: string;
  symbol: string;
  tone: "ok" | "pending" | "failed" | "rolledback" | "running" | "neutral";
}

const CHANGESET: Record<ChangesetStatus, StatusLook> = {
  Successfully_Deployed: { label: "Successfully deployed", short: "Deployed", symbol: "✓", tone: "ok" },
  Not_Deployed: { label: "Not deployed", short: "Pending", symbol: "○", tone: "pending" },
  Deployment_Failed: { label: "Deployment failed", short: "Failed", symbol: "✕", tone: "failed" },
  Rolled_Back: { label: "Rolled back", short: "Rolled back", symbol: "↺", tone: "rolledback" },
};

export function changesetLook(status: string): StatusLook {
  return CHANGESET[status as ChangesetStatus] ?? { label: status, short: status, symbol: "?", tone: "neutral" };
}

const JOB: Record<string, StatusLook> = {
  IN_PROGRESS: { label: "In progress", short: "Running", symbol: "…", tone: "running" },
  SUCCESS: { label: "Succeeded", short: "Succeeded", symbol: "✓", tone: "ok" },
  FAILURE: { label: "Failed", short: "Failed", symbol: "✕", tone: "failed" },
  CANCELLED: { label: "Cancelled", short: "Cancelled", symbol: "■", tone: "rolledback" },
  pending: { label: "Pending", short: "Pending", symbol: "○", tone: "pending" },
  running: { label: "Running", short: "Running", symbol: "…", tone: "running" },
  completed: { label: "Completed", short: "Completed", symbol: "✓", tone: "ok" },
  failed: { label: "Failed", short: "Failed", symbol: "✕", tone: "failed" },
  cancelled: { label: "Cancelled", short: "Cancelled", symbol: "■", tone: "rolledback" },
};

export function jobLook(status: ExecutionStatus | OperationStatus): StatusLook {
  return JOB[status] ?? { label: String(status), short: String(status), symbol: "?", tone: "neutral" };
}

/** A job whose status will not change again (executions and operations alike). */
export function isFinal(status: string): boolean {
  return ["SUCCESS", "FAILURE", "CANCELLED", "completed", "failed", "cancelled"].includes(status);
}

export function formatTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  const date = typeof value === "number" ? new Date(value) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}
