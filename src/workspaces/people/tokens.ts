import { createHash, timingSafeEqual } from 'node:crypto';
import { newSecret } from '../../platform/ids.ts';

/** A random token for a link or a cookie (32 bytes, URL-safe). Only its hash is stored. */
export function newToken(prefix: string): string {
  return `${prefix}_${newSecret(32)}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token of a session: derived from the session's secret token, so it needs no storage
 * and changes with the session. A page of another origin cannot read the HttpOnly session cookie,
 * so it cannot compute this value; the dashboard gets it from sign-in, GET /auth/session or the
 * readable `samvad_csrf` cookie, and sends it back as `X-CSRF-Token` on every unsafe request.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf\u0000${sessionToken}`, 'utf8').digest('base64url');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
