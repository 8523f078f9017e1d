import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_MS } from './sessions.ts';
import { csrfTokenFor } from './tokens.ts';

// The cookie codec of @fastify/cookie, used without registering the plugin (only /api/v1 reads cookies).
const { parse, serialize } = fastifyCookie;

export const SESSION_COOKIE = 'samvad_session';
/** Readable by the dashboard's script (not HttpOnly): the CSRF token to echo in X-CSRF-Token. */
export const CSRF_COOKIE = 'samvad_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const value = parse(header)[SESSION_COOKIE];
  return value && value.length <= 200 ? value : undefined;
}

/**
 * The session cookie is HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * POSTs) and Secure whenever Samvad is reached over https (SAMVAD_PUBLIC_URL).
 */
export function setSessionCookies(reply: FastifyReply, token: string, secure: boolean): string {
  const csrf = csrfTokenFor(token);
  const maxAge = Math.floor(SESSION_MAX_MS / 1000);
  reply.header('set-cookie', [
    serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge }),
    serialize(CSRF_COOKIE, csrf, { httpOnly: false, sameSite: 'lax', secure, path: '/', maxAge }),
  ]);
  return csrf;
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', [
    serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 }),
    serialize(CSRF_COOKIE, '', { httpOnly: false, sameSite: 'lax', secure, path: '/', maxAge: 0 }),
  ]);
}
