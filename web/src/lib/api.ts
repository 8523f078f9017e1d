/**
 * The dashboard's only way to call Samvad's native API: same-origin fetch with the session cookie
 * (HttpOnly, sent by the browser) and, on every unsafe method, the CSRF token as X-CSRF-Token.
 * Errors come back as ApiError with the server's typed code (`{error: {code, message, details}}`).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** A field-level reason, when the server names one (`details.reason`). */
  get reason(): string | undefined {
    const d = this.details as { reason?: unknown } | undefined;
    return typeof d?.reason === 'string' ? d.reason : undefined;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON-encoded unless it is FormData (multipart uploads) or a Blob. */
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

let csrfToken: string | undefined;

/** Remembers the token a sign-in answered; the readable `samvad_csrf` cookie is the fallback. */
export function setCsrfToken(token: string | undefined) {
  csrfToken = token;
}

function currentCsrfToken(): string | undefined {
  if (csrfToken) return csrfToken;
  const match = /(?:^|;\s*)samvad_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** Listeners told when any call answers 401 (the session ended): the shell goes to sign-in. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * Answers index.html's inline script asked for before the scripts loaded (the session and the
 * inbox's first page, when a tab opens on the inbox): taken once, by the first GET of that exact
 * URL within 10 s, so the first screen does not wait for the bundle before asking.
 */
function takeEarly(url: string): Promise<Response> | undefined {
  const early = (window as { __samvadEarly?: { at: number; responses: Record<string, Promise<Response> | undefined> } }).__samvadEarly;
  const p = early?.responses[url];
  if (!early || !p) return undefined;
  early.responses[url] = undefined;
  return Date.now() - early.at < 10_000 ? p : undefined;
}

export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const url = buildUrl(path, options.query);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (method !== 'GET') {
    const token = currentCsrfToken();
    if (token) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    const early = method === 'GET' && !options.headers ? takeEarly(url) : undefined;
    response = await (early ?? fetch(url, { method, headers, body, signal: options.signal, credentials: 'same-origin' }));
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'The Samvad server could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (response.status === 401) for (const l of unauthorizedListeners) l();
    throw new ApiError(response.status, e?.code ?? `http_${response.status}`, e?.message ?? `The server answered ${response.status}.`, e?.details);
  }
  return json as T;
}

/** Shorthands: `api.get('/api/v1/labels')`, `api.post(path, body)`. */
export const api = {
  get: <T = unknown>(path: string, query?: Query, signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T = unknown>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body }),
  put: <T = unknown>(path: string, body?: unknown) => request<T>(path, { method: 'PUT', body }),
  patch: <T = unknown>(path: string, body?: unknown) => request<T>(path, { method: 'PATCH', body }),
  delete: <T = unknown>(path: string) => request<T>(path, { method: 'DELETE' }),
};

/** A message a person can read, for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
