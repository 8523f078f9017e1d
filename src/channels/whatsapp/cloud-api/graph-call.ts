import type { Dispatcher } from 'undici';
import type { MetaError, NumberCredentials } from '../types.ts';
import { parseMetaError, TRANSPORT_ERROR_CODE } from './classify.ts';

/** A Graph API call that failed: Meta's error (code, subcode, message) or a transport failure. */
export class MetaApiError extends Error {
  readonly meta: MetaError;
  constructor(meta: MetaError) {
    super(meta.code === TRANSPORT_ERROR_CODE ? meta.title + (meta.details ? `: ${meta.details}` : '') : `(#${meta.code}) ${meta.title}${meta.details ? ` — ${meta.details}` : ''}`);
    this.name = 'MetaApiError';
    this.meta = meta;
  }
}

/** A connection that failed before an answer came, as a MetaError the callers can show. */
export function transportError(err: unknown): MetaError {
  const e = err as { code?: string; message?: string };
  return { code: TRANSPORT_ERROR_CODE, title: 'Graph API unreachable', details: [e.code, e.message].filter(Boolean).join(': ') || String(err) };
}

/** `{graphBaseUrl}/{path}` for a number, whatever trailing slashes the base URL was saved with. */
export const graphUrl = (number: NumberCredentials, path: string) => new URL(`${number.graphBaseUrl.replace(/\/+$/, '')}/${path}`);

/**
 * Sends a management call (anything but a message send, whose answers classify.ts sorts into
 * retryable, terminal and unknown) and returns its JSON answer; throws MetaApiError with Meta's
 * error for a 4xx/5xx or with a transport error when no answer came.
 */
export async function graphCall(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<{ status: number; json: unknown }> {
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request(options);
  } catch (err) {
    throw new MetaApiError(transportError(err));
  }
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (res.statusCode >= 400) {
    throw new MetaApiError(parseMetaError(json, res.statusCode) ?? { code: TRANSPORT_ERROR_CODE, title: `HTTP ${res.statusCode}`, httpStatus: res.statusCode, details: text.slice(0, 200) });
  }
  return { status: res.statusCode, json };
}
