import { api, buildUrl, type Query } from '../../lib/api.ts';

/**
 * Opening /inbox directly: the first page of the list is asked for while the app is still
 * checking the session and loading the inbox's code, instead of after (one round trip fewer
 * before the first row shows). Used once, and only if the page asks for exactly that query soon.
 */
let pending: { url: string; at: number; promise: Promise<unknown>; value?: unknown } | undefined;

export const DEFAULT_LIST_QUERY: Query = { view: 'all', status: 'open', limit: 50 };
const PATH = '/api/v1/inbox/conversation-cards';

/** Starts the request; the returned promise settles (never rejects) when its answer is in. */
export function prefetchFirstPage(): Promise<unknown> {
  const url = buildUrl(PATH, DEFAULT_LIST_QUERY);
  const promise = api.get(PATH, DEFAULT_LIST_QUERY);
  const entry: NonNullable<typeof pending> = { url, at: Date.now(), promise };
  promise.then(
    (v) => {
      entry.value = v;
    },
    () => undefined,
  );
  pending = entry;
  return promise.catch(() => undefined);
}

/** The prefetched first page if it has already arrived (the page's first render can draw it). */
export function peekPrefetched<T>(query: Query): T | undefined {
  const p = pending;
  if (!p || p.value === undefined || Date.now() - p.at > 10_000 || p.url !== buildUrl(PATH, query)) return undefined;
  return p.value as T;
}

export function takePrefetched<T>(query: Query): Promise<T> | undefined {
  const p = pending;
  pending = undefined;
  if (!p || Date.now() - p.at > 10_000 || p.url !== buildUrl(PATH, query)) return undefined;
  return p.promise as Promise<T>;
}
