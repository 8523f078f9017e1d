import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../authenticate-key.ts';
import { CSRF_HEADER, sessionTokenOf } from './cookies.ts';
import { resolveSession } from './sessions.ts';
import { csrfTokenFor, sameToken } from './tokens.ts';

/** A signed-in dashboard user. `keyId` is empty: the principal is a session, not a key. */
export interface SessionPrincipal extends Principal {
  user: { id: string; email: string; name: string };
  sessionId: string;
}

export function isSessionPrincipal(p: Principal | undefined): p is SessionPrincipal {
  return p !== undefined && 'sessionId' in p;
}

/** The signed-in user of a request, or null for an API key. */
export function userOf(request: { principal?: Principal }): SessionPrincipal['user'] | null {
  return isSessionPrincipal(request.principal) ? request.principal.user : null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling the native API: an API key (Authorization header) or a dashboard session
 * (cookie). A header, when present, decides alone — a bad key is not rescued by a cookie. A
 * cookie session must prove, on every unsafe method, that the request comes from a page that
 * could read the CSRF token (X-CSRF-Token); keys need no such proof, since browsers never attach
 * them on their own. Roles are checked by the caller the same way for both.
 */
export async function authenticateNativeRequest(ctx: AppContext, request: FastifyRequest): Promise<Principal | SessionPrincipal | null> {
  if (request.headers.authorization !== undefined) return ctx.keys.authenticate(request.headers.authorization);
  const token = sessionTokenOf(request);
  if (!token) return null;
  const session = await resolveSession(ctx.database, ctx.clock, token);
  if (!session) return null;
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, csrfTokenFor(token))) {
      throw new AppError('forbidden', 'Missing or wrong CSRF token: send the X-CSRF-Token header with the value of the samvad_csrf cookie', { reason: 'csrf' });
    }
  }
  return { workspace: session.workspace, keyId: '', role: session.role, user: session.user, sessionId: session.sessionId };
}
