// Pure helpers of the changeset x instance matrix (unit tested).
import { changesetLook, formatTime } from "./status";
import type { InstanceState } from "./types";

export type SortKey = "name" | "identifier" | "created" | "updated";
export type Order = "ASC" | "DESC";

export interface MatrixQuery {
  page: number;
  limit: number;
  search: string;
  instances: string[] | null;
  sort: SortKey;
  order: Order;
}

/** The migrationstate request for a matrix query: `[path query, body]`. */
export function migrationStateRequest(q: MatrixQuery): { params: Record<string, string | number>; body: unknown } {
  const params: Record<string, string | number> = { page: q.page, limit: q.limit };
  if (q.search.trim()) params.search_term = q.search.trim();
  const filter: Record<string, unknown> = { sort: q.sort, order: q.order };
  if (q.instances !== null) filter.instances = q.instances;
  return { params, body: { instanceFilter: filter } };
}

/** Lines of a cell's details, shown on hover and focus. */
export function cellDetails(state: InstanceState): string[] {
  const look = changesetLook(state.status);
  const lines = [look.label];
  lines.push(`Tag: ${state.tag ?? "–"}`);
  const run = [state.planExecutionId, state.stageExecutionId].filter(Boolean).join(" / ");
  lines.push(`Pipeline: ${state.pipeline || "–"}${run ? ` (${run})` : ""}`);
  lines.push(`Time: ${formatTime(state.updated)}`);
  if (state.error) lines.push(`Error: ${state.error}`);
  return lines;
}

/** The accessible name of a cell: everything the tooltip says, in one sentence. */
export function cellLabel(changeSet: string, instanceName: string, state: InstanceState): string {
  return `${changeSet} on ${instanceName}: ${cellDetails(state).join(", ")}`;
}

/** Arrow-key movement inside a rows x cols grid (Home/End go to the row's ends). */
export function moveCell(row: number, col: number, key: string, rows: number, cols: number): [number, number] | null {
  switch (key) {
    case "ArrowUp": return [Math.max(0, row - 1), col];
    case "ArrowDown": return [Math.min(rows - 1, row + 1), col];
    case "ArrowLeft": return [row, Math.max(0, col - 1)];
    case "ArrowRight": return [row, Math.min(cols - 1, col + 1)];
    case "Home": return [row, 0];
    case "End": return [row, cols - 1];
    default: return null;
  }
}
