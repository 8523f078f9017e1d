import type { FastifyError } from 'fastify';
import { AppError, type ErrorCode } from '../errors.ts';

export interface MappedError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/**
 * Maps anything thrown while handling a request to a status, a stable code and a message safe to
 * show. Unknown errors become a generic 500: no stack trace or internal message leaves the server.
 */
export function mapError(err: unknown, bodyLimitBytes: number): MappedError {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, ...(err.headers ? { headers: err.headers } : {}) };
  }
  const e = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (e.validation) {
    return { status: 400, code: 'validation_failed', message: e.message ?? 'Request is invalid', details: e.validation };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: `Request body is larger than the ${formatBytes(bodyLimitBytes)} limit` };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: `Request body is not valid JSON: ${e.message ?? ''}`.trim() };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'Request body is empty but Content-Type is application/json' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'Unsupported Content-Type; send application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' };
    default:
      break;
  }
  if (err instanceof SyntaxError && (e.statusCode === 400 || e.statusCode === undefined)) {
    return { status: 400, code: 'invalid_json', message: `Request body is not valid JSON: ${err.message}` };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: codeForStatus(e.statusCode), message: e.message ?? 'Bad request' };
  }
  return { status: 500, code: 'internal', message: 'Internal server error' };
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

function formatBytes(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} KB` : `${n} bytes`;
}

/** Interakt's error body, used on /v1/public. */
export function interaktErrorBody(message: string) {
  return { result: false, message };
}

/** The native API's error body, used everywhere else. */
export function nativeErrorBody(e: MappedError) {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}
