import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

/** A logger whose JSON lines a test can read (password-reset and set-up links go to the log). */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

export interface Session {
  cookie: string;
  csrf: string;
  userId: string;
  /** Headers for a safe request (cookie only). */
  read: Record<string, string>;
  /** Headers for an unsafe request (cookie and CSRF token). */
  write: Record<string, string>;
}

export function sessionFrom(res: LightMyRequestResponse): Session {
  const cookies = res.cookies as { name: string; value: string }[];
  const token = cookies.find((c) => c.name === 'samvad_session')!.value;
  const csrf = res.json().csrfToken as string;
  const cookie = `samvad_session=${token}`;
  return { cookie, csrf, userId: res.json().user.id, read: { cookie }, write: { cookie, 'x-csrf-token': csrf } };
}

export function tokenFromLink(link: string): string {
  return new URL(link).searchParams.get('token')!;
}

export const PASSWORD = 'correct horse battery';

/** A test app whose default workspace has an owner (created through the printed set-up link). */
export async function startAppWithOwner(options: Parameters<typeof startTestApp>[0] = {}): Promise<{ app: TestApp; owner: Session; lines: Record<string, unknown>[] }> {
  const { logger, lines } = capturingLogger();
  const app = await startTestApp({ ...options, logger });
  const line = lines.find((l) => String(l.msg).startsWith('no dashboard user yet'));
  if (!line) throw new Error('no set-up link was logged');
  const res = await app.http!.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { token: tokenFromLink(String(line.link)), email: 'owner@example.com', name: 'Olivia Owner', password: PASSWORD } });
  if (res.statusCode !== 201) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  return { app, owner: sessionFrom(res), lines };
}

/** Invites `email` with `role` as `by` and accepts the invitation; returns the new member's session. */
export async function addMember(app: TestApp, by: Session, email: string, role: 'owner' | 'admin' | 'agent', name?: string): Promise<Session> {
  const inv = await app.http!.inject({ method: 'POST', url: '/api/v1/invitations', headers: by.write, payload: { email, role } });
  if (inv.statusCode !== 201) throw new Error(`invite failed: ${inv.statusCode} ${inv.body}`);
  const res = await app.http!.inject({ method: 'POST', url: '/api/v1/auth/invitations/accept', payload: { token: tokenFromLink(inv.json().link), password: PASSWORD, ...(name ? { name } : {}) } });
  if (res.statusCode !== 201) throw new Error(`accept failed: ${res.statusCode} ${res.body}`);
  return sessionFrom(res);
}

/** Creates an API key with a role through the default admin key; returns its Authorization header. */
export async function keyWithRole(app: TestApp, role: 'owner' | 'admin' | 'agent', by: Record<string, string> = { authorization: app.auth }): Promise<Record<string, string>> {
  const res = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: by, payload: { name: `${role} key`, role } });
  if (res.statusCode !== 201) throw new Error(`key failed: ${res.statusCode} ${res.body}`);
  return { authorization: `Basic ${res.json().key}` };
}
