// Hash routes: a static host serves one index.html, and nothing secret ever rides in the URL.

export type Route =
  | { page: "home" }
  | { page: "schemas"; org: string; project: string }
  | { page: "schema"; org: string; project: string; schema: string }
  | { page: "instance"; org: string; project: string; schema: string; instance: string }
  | { page: "executions"; org: string; project: string; schema: string; instance?: string }
  | { page: "execution"; org: string; project: string; executionId: string }
  | { page: "datasets" }
  | { page: "dataset"; datasetId: string }
  | { page: "table"; tableId: string }
  | { page: "migrate"; tableId: string }
  | { page: "operation"; tableId: string; operationId: string }
  | { page: "notFound"; path: string };

function parts(hash: string): string[] {
  const path = hash.replace(/^#/, "").replace(/^\/+|\/+$/g, "");
  return path ? path.split("/").map((p) => decodeURIComponent(p)) : [];
}

export function parseRoute(hash: string): Route {
  const p = parts(hash);
  if (p.length === 0) return { page: "home" };
  if (p[0] === "orgs" && p[2] === "projects" && p.length >= 4) {
    const [org, project] = [p[1], p[3]];
    const rest = p.slice(4);
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "schemas")) return { page: "schemas", org, project };
    if (rest[0] === "schemas" && rest.length === 2) return { page: "schema", org, project, schema: rest[1] };
    if (rest[0] === "schemas" && rest[2] === "instances" && rest.length === 4) {
      return { page: "instance", org, project, schema: rest[1], instance: rest[3] };
    }
    if (rest[0] === "schemas" && rest[2] === "executions" && rest.length === 3) {
      return { page: "executions", org, project, schema: rest[1] };
    }
    if (rest[0] === "schemas" && rest[2] === "instances" && rest[4] === "executions" && rest.length === 5) {
      return { page: "executions", org, project, schema: rest[1], instance: rest[3] };
    }
    if (rest[0] === "executions" && rest.length === 2) return { page: "execution", org, project, executionId: rest[1] };
  }
  if (p[0] === "datasets" && p.length === 1) return { page: "datasets" };
  if (p[0] === "datasets" && p.length === 2) return { page: "dataset", datasetId: p[1] };
  if (p[0] === "tables" && p.length === 2) return { page: "table", tableId: p[1] };
  if (p[0] === "tables" && p[2] === "migrate" && p.length === 3) return { page: "migrate", tableId: p[1] };
  if (p[0] === "tables" && p[2] === "operations" && p.length === 4) {
    return { page: "operation", tableId: p[1], operationId: p[3] };
  }
  return { page: "notFound", path: "/" + p.join("/") };
}

/** The hash of a route, every segment encoded. */
export function href(...segments: string[]): string {
  return "#/" + segments.map((s) => encodeURIComponent(s)).join("/");
}

export function projectHref(org: string, project: string, ...rest: string[]): string {
  return href("orgs", org, "projects", project, ...rest);
}
