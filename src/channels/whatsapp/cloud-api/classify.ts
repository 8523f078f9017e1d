import type { MetaError, SendOutcome } from '../types.ts';

/** Throttling and transient codes: retried with backoff (issue 4, limits §1.3). */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([130429, 131056, 131000, 131016, 131057]);
/** Account-level codes: the number's dispatch pauses until an operator resumes it. */
export const ACCOUNT_CODES: ReadonlySet<number> = new Set([190, 0, 10, 131031, 368, 131042, 133010]);

/**
 * Code used in MetaError for failures that are not Meta's (no answer, an answer that is not Graph's
 * envelope). Negative so it never collides with a Meta code (0 is Meta's AuthException).
 */
export const TRANSPORT_ERROR_CODE = -1;

/** Meta's error envelope → MetaError; null when the body is not one. */
export function parseMetaError(json: unknown, httpStatus?: number): MetaError | null {
  const e = (json as { error?: Record<string, unknown> } | null)?.error;
  if (!e || typeof e !== 'object' || typeof e.code !== 'number') return null;
  const message = typeof e.message === 'string' ? e.message : undefined;
  const title =
    (typeof e.error_user_title === 'string' && e.error_user_title) ||
    (message ? message.replace(/^\(#\d+\)\s*/, '') : '') ||
    (typeof e.title === 'string' ? e.title : `Error ${e.code}`);
  const data = e.error_data as { details?: unknown } | undefined;
  const details = typeof data?.details === 'string' ? data.details : typeof e.error_user_msg === 'string' ? e.error_user_msg : undefined;
  return {
    code: e.code,
    title,
    ...(message !== undefined ? { message } : {}),
    ...(details !== undefined ? { details } : {}),
    ...(typeof e.error_subcode === 'number' ? { subcode: e.error_subcode } : {}),
    ...(typeof e.fbtrace_id === 'string' ? { fbtraceId: e.fbtrace_id } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
  };
}

export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, 3_600_000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.min(at - Date.now(), 3_600_000)) : undefined;
}

/** Classifies an HTTP answer to POST /{phone-number-id}/messages. */
export function classifySendAnswer(status: number, json: unknown, headers: Record<string, string | string[] | undefined> = {}): SendOutcome {
  if (status >= 200 && status < 300) {
    const wamid = (json as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
    if (typeof wamid === 'string' && wamid) return { kind: 'accepted', wamid };
    // A success without a wamid: Meta may have taken it; resending could duplicate.
    return { kind: 'unknown', error: { code: TRANSPORT_ERROR_CODE, title: 'Success answer without a message id', httpStatus: status } };
  }
  const meta = parseMetaError(json, status);
  const after = retryAfterMs(headers['retry-after']);
  if (meta) {
    if (ACCOUNT_CODES.has(meta.code)) return { kind: 'account', error: meta };
    if (RETRYABLE_CODES.has(meta.code) || status >= 500) return { kind: 'retryable', error: meta, ...(after !== undefined ? { retryAfterMs: after } : {}) };
    return { kind: 'terminal', error: meta };
  }
  const error: MetaError = { code: TRANSPORT_ERROR_CODE, title: `HTTP ${status} without a Graph error body`, httpStatus: status };
  // A proxy's 5xx or 429 in front of Graph: transient.
  if (status >= 500 || status === 429) return { kind: 'retryable', error, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  return { kind: 'terminal', error };
}

/**
 * Classifies a failure with no HTTP answer. Before the body was written (refused, DNS, connect
 * timeout, TLS) Meta cannot have the message: retry. After, Meta may have it: unknown outcome.
 */
export function classifyTransportFailure(err: unknown, bodyWritten: boolean): SendOutcome {
  const e = err as { code?: string; message?: string; name?: string };
  const error: MetaError = {
    code: TRANSPORT_ERROR_CODE,
    title: bodyWritten ? 'No answer after the request was sent' : 'Connection failed before the request was sent',
    details: [e.code, e.message].filter(Boolean).join(': ') || String(err),
  };
  return bodyWritten ? { kind: 'unknown', error } : { kind: 'retryable', error };
}
