// The console shell: the key dialog, navigation, the auth banner and the page for the hash route.
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { Api, ApiError, describeError, sessionKeyStore, type KeyStore } from "./api";
import { parseRoute, projectHref, href, type Route } from "./router";
import { SchemasPage } from "./pages/schemas";
import { SchemaPage } from "./pages/schema";
import { InstancePage } from "./pages/instance";
import { ExecutionPage, ExecutionsPage } from "./pages/executions";
import { DatasetPage, DatasetsPage } from "./pages/datasets";
import { TablePage } from "./pages/table";
import { MigratePage, OperationPage } from "./pages/migrate";

export const ApiContext = createContext<Api>(new Api(sessionKeyStore));
export const useApi = () => useContext(ApiContext);

const PROJECT_STORAGE = "schemashift.project";

function lastProject(): { org: string; project: string } {
  try {
    const saved = JSON.parse(localStorage.getItem(PROJECT_STORAGE) || "null");
    if (saved && typeof saved.org === "string" && typeof saved.project === "string") return saved;
  } catch {
    /* ignore a malformed entry */
  }
  return { org: "default", project: "" };
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function KeyForm({ onSaved, reason }: { onSaved: (key: string) => void; reason?: string | null }) {
  const [value, setValue] = useState("");
  return (
    <form
      class="card key-form"
      aria-labelledby="key-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onSaved(value.trim());
      }}
    >
      <h1 id="key-title">Sign in with an API key</h1>
      {reason ? <div class="error" role="alert">{reason}</div> : null}
      <p class="muted">
        The key is kept in this browser tab's session storage only, and sent in the <code>x-api-key</code> header.
        Closing the tab forgets it.
      </p>
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autocomplete="off" required value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit" class="primary">Use this key</button>
    </form>
  );
}

function HomePage() {
  const saved = lastProject();
  const [org, setOrg] = useState(saved.org);
  const [project, setProject] = useState(saved.project);
  return (
    <div class="grid-2">
      <form class="card" aria-labelledby="project-title" onSubmit={(e) => {
        e.preventDefault();
        localStorage.setItem(PROJECT_STORAGE, JSON.stringify({ org, project }));
        location.hash = projectHref(org, project, "schemas");
      }}>
        <h1 id="project-title">Database schemas</h1>
        <p class="muted">Choose the organisation and project whose schemas to show.</p>
        <label for="org">Organisation</label>
        <input id="org" required value={org} onInput={(e) => setOrg((e.target as HTMLInputElement).value)} />
        <label for="project">Project</label>
        <input id="project" required value={project} onInput={(e) => setProject((e.target as HTMLInputElement).value)} />
        <button type="submit" class="primary">Show schemas</button>
      </form>
      <section class="card" aria-labelledby="datasets-title">
        <h1 id="datasets-title">Dataset tables</h1>
        <p class="muted">Columnar tables, their schema history, rows and online migrations.</p>
        <a class="button" href={href("datasets")}>Show datasets</a>
      </section>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "home": return <HomePage />;
    case "schemas": return <SchemasPage org={route.org} project={route.project} />;
    case "schema": return <SchemaPage org={route.org} project={route.project} schema={route.schema} />;
    case "instance":
      return <InstancePage org={route.org} project={route.project} schema={route.schema} instance={route.instance} />;
    case "executions":
      return <ExecutionsPage org={route.org} project={route.project} schema={route.schema} instance={route.instance} />;
    case "execution": return <ExecutionPage org={route.org} project={route.project} executionId={route.executionId} />;
    case "datasets": return <DatasetsPage />;
    case "dataset": return <DatasetPage datasetId={route.datasetId} />;
    case "table": return <TablePage tableId={route.tableId} />;
    case "migrate": return <MigratePage tableId={route.tableId} />;
    case "operation": return <OperationPage tableId={route.tableId} operationId={route.operationId} />;
    default: return <p role="alert">No page at {route.path}. <a href="#/">Start again</a>.</p>;
  }
}

function crumbs(route: Route): { label: string; href: string }[] {
  const out: { label: string; href: string }[] = [];
  if ("org" in route && "project" in route) {
    out.push({ label: `${route.org} / ${route.project}`, href: projectHref(route.org, route.project, "schemas") });
    if ("schema" in route) out.push({ label: route.schema, href: projectHref(route.org, route.project, "schemas", route.schema) });
    if ("instance" in route && route.instance) {
      out.push({ label: route.instance, href: projectHref(route.org, route.project, "schemas", route.schema, "instances", route.instance) });
    }
  }
  if (["datasets", "dataset", "table", "migrate", "operation"].includes(route.page)) out.push({ label: "Datasets", href: href("datasets") });
  if ("tableId" in route) out.push({ label: "Table", href: href("tables", route.tableId) });
  return out;
}

export function App({ keys = sessionKeyStore }: { keys?: KeyStore }) {
  const [api] = useState(() => new Api(keys));
  const [hasKey, setHasKey] = useState(() => Boolean(keys.get()));
  const [authError, setAuthError] = useState<ApiError | null>(null);
  const [version, setVersion] = useState(0);
  const route = useHashRoute();

  useEffect(() => api.onAuthError((error) => setAuthError(error)), [api]);
  useEffect(() => {
    if ("org" in route) localStorage.setItem(PROJECT_STORAGE, JSON.stringify({ org: route.org, project: route.project }));
  }, [route]);

  const saveKey = (key: string) => {
    keys.set(key);
    setHasKey(true);
    setAuthError(null);
    setVersion((v) => v + 1);
  };
  const signOut = () => {
    keys.clear();
    setHasKey(false);
    setAuthError(null);
  };
  const keyRefused = authError?.status === 401;

  return (
    <ApiContext.Provider value={api}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="#/">schemashift <span>console</span></a>
        <nav aria-label="Main">
          <a href="#/">Projects</a>
          <a href={href("datasets")}>Datasets</a>
          {hasKey ? <button type="button" class="link" onClick={signOut}>Forget key</button> : null}
        </nav>
      </header>
      {hasKey ? (
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="#/">Home</a>
          {crumbs(route).map((c) => (
            <span key={c.href}> › <a href={c.href}>{c.label}</a></span>
          ))}
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>
        {!hasKey || keyRefused ? (
          <KeyForm onSaved={saveKey} reason={keyRefused ? describeError(authError) : null} />
        ) : (
          <>
            {authError ? (
              <div class="error" role="alert" data-testid="auth-error">
                {describeError(authError)}{" "}
                <button type="button" class="link" onClick={() => setAuthError(null)}>Dismiss</button>
              </div>
            ) : null}
            <Page key={version} route={route} />
          </>
        )}
      </main>
    </ApiContext.Provider>
  );
}
