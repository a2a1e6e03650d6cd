// The one way the console talks to schemashift: the public API, same origin, with the user's key.
// The key lives in sessionStorage (gone when the tab closes) and travels only in the x-api-key
// header: never in a URL, never in a log line.

const KEY_STORAGE = "schemashift.apiKey";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly details: unknown;

  constructor(status: number, message: string, code: string | null = null, details: unknown = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The key was refused (401) or does not reach this org/project (403). */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** What a person should read for an error: auth failures say what to do about the key. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return "The API key was not accepted (401). Check the key and enter it again.";
    }
    if (error.status === 403) {
      return `This API key may not do that (403): ${error.message}. Use a key whose scopes include this org/project.`;
    }
    return error.code ? `${error.message} (${error.status} ${error.code})` : `${error.message} (${error.status})`;
  }
  if (error instanceof TypeError) return "The API could not be reached. Is the service running?";
  return error instanceof Error ? error.message : String(error);
}

/** Both envelopes: `{message}` under /v1, `{error, code, details, retryable}` under /datasets*. */
export function errorFrom(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const message = typeof b.error === "string" ? b.error : typeof b.message === "string" ? b.message : null;
    if (message) return new ApiError(status, message, typeof b.code === "string" ? b.code : null, b.details ?? null);
  }
  return new ApiError(status, `Request failed with HTTP ${status}`);
}

export interface KeyStore {
  get(): string | null;
  set(key: string): void;
  clear(): void;
}

export const sessionKeyStore: KeyStore = {
  get: () => sessionStorage.getItem(KEY_STORAGE),
  set: (key) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

export interface Paged<T> {
  data: T;
  total: number | null;
}

type Listener = (error: ApiError) => void;

export class Api {
  private readonly base: string;
  private readonly keys: KeyStore;
  private readonly fetcher: typeof fetch;
  private authListeners: Listener[] = [];

  constructor(keys: KeyStore, base = "", fetcher: typeof fetch = (...a) => fetch(...a)) {
    this.keys = keys;
    this.base = base;
    this.fetcher = fetcher;
  }

  onAuthError(listener: Listener): () => void {
    this.authListeners.push(listener);
    return () => {
      this.authListeners = this.authListeners.filter((l) => l !== listener);
    };
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Paged<T>> {
    const key = this.keys.get();
    if (!key) throw new ApiError(401, "No API key entered");
    const init: RequestInit = {
      method,
      headers: { "x-api-key": key, Accept: "application/json", ...headers },
      cache: "no-store",
    };
    if (body !== undefined) {
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await this.fetcher(this.base + path, init);
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!response.ok) {
      const error = errorFrom(response.status, parsed);
      if (error.isAuth) this.authListeners.forEach((l) => l(error));
      throw error;
    }
    const total = response.headers.get("X-Total-Elements");
    return { data: parsed as T, total: total === null ? null : Number(total) };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>("GET", path)).data;
  }

  async post<T>(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
    return (await this.request<T>("POST", path, body, headers)).data;
  }
}

/** `?a=1&b=x` from the defined entries; values are encoded. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

export function seg(value: string): string {
  return encodeURIComponent(value);
}
