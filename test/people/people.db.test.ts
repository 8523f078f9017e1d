import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, type TestApp } from '../helpers/start-test-app.ts';
import { addMember, keyWithRole, PASSWORD, sessionFrom, startAppWithOwner, tokenFromLink, type Session } from './helpers.ts';

describe('people: dashboard users, sessions, roles and CSRF', () => {
  let app: TestApp;
  let owner: Session;
  let lines: Record<string, unknown>[];
  const inject = (o: import('fastify').InjectOptions) => app.http!.inject(o);
  beforeAll(async () => {
    ({ app, owner, lines } = await startAppWithOwner());
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('creates the first owner from the one-time link, which works once; the cookie is HttpOnly and SameSite', async () => {
    const me = await inject({ url: '/api/v1/auth/session', headers: owner.read });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: 'owner@example.com', name: 'Olivia Owner' }, role: 'owner', workspace: { name: 'Default workspace' } });
    expect(me.json().csrfToken).toBe(owner.csrf);

    const link = String(lines.find((l) => String(l.msg).startsWith('no dashboard user yet'))!.link);
    expect(link).toMatch(/^http:\/\/localhost:\d+\/setup\?token=setup_/);
    const again = await inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { token: tokenFromLink(link), email: 'mallory@example.com', password: PASSWORD } });
    expect(again.statusCode).toBe(404);

    const res = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'OWNER@example.com', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]);
    const session = setCookie.find((c) => c.startsWith('samvad_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    const csrf = setCookie.find((c) => c.startsWith('samvad_csrf='))!;
    expect(csrf).not.toMatch(/HttpOnly/);
  });

  it('stores only a hash of the session token and a scrypt hash of the password', async () => {
    const token = owner.cookie.split('=')[1]!;
    const sessions = await app.context.database.db.selectFrom('sessions').selectAll().execute();
    expect(sessions.some((s) => s.token_hash === token)).toBe(false);
    expect(sessions.every((s) => /^[0-9a-f]{64}$/.test(s.token_hash))).toBe(true);
    const user = await app.context.database.db.selectFrom('users').selectAll().where('email', '=', 'owner@example.com').executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
  });

  it('refuses a sign-in posted from another origin (login CSRF) but not one from this origin', async () => {
    const foreign = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { origin: 'https://evil.example' }, payload: { email: 'owner@example.com', password: PASSWORD } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.details).toEqual({ reason: 'origin' });
    expect(foreign.headers['set-cookie']).toBeUndefined();
    const own = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { origin: app.url, host: new URL(app.url).host }, payload: { email: 'owner@example.com', password: PASSWORD } });
    expect(own.statusCode).toBe(200);
  });

  it('refuses wrong passwords and unknown emails with the same answer', async () => {
    const wrong = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'owner@example.com', password: 'not the password' } });
    const unknown = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'nobody@example.com', password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
  });

  it('refuses an unsafe request made with the session cookie but without the right CSRF token', async () => {
    const none = await inject({ method: 'POST', url: '/api/v1/invitations', headers: owner.read, payload: { email: 'x@example.com', role: 'agent' } });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.details).toEqual({ reason: 'csrf' });
    const wrong = await inject({ method: 'POST', url: '/api/v1/invitations', headers: { ...owner.read, 'x-csrf-token': 'forged-token-value-forged-token-value-1234' }, payload: { email: 'x@example.com', role: 'agent' } });
    expect(wrong.statusCode).toBe(403);
    // Another session's token is not this session's.
    const other = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'owner@example.com', password: PASSWORD } }));
    const crossed = await inject({ method: 'POST', url: '/api/v1/invitations', headers: { ...owner.read, 'x-csrf-token': other.csrf }, payload: { email: 'x@example.com', role: 'agent' } });
    expect(crossed.statusCode).toBe(403);
    expect(await app.context.database.db.selectFrom('invitations').select('id').where('email', '=', 'x@example.com').execute()).toHaveLength(0);
    // Reads need no token; API keys need none either.
    expect((await inject({ url: '/api/v1/users', headers: owner.read })).statusCode).toBe(200);
    expect((await inject({ method: 'POST', url: '/api/v1/invitations', headers: { authorization: app.auth }, payload: { email: 'x@example.com', role: 'agent' } })).statusCode).toBe(201);
    expect((await inject({ method: 'POST', url: '/api/v1/invitations', headers: owner.write, payload: { email: 'y@example.com', role: 'agent' } })).statusCode).toBe(201);
  });

  it('enforces roles on native routes for sessions and API keys alike', async () => {
    const admin = await addMember(app, owner, 'admin@example.com', 'admin');
    const agent = await addMember(app, owner, 'agent@example.com', 'agent');
    const principals: Record<string, { read: Record<string, string>; write: Record<string, string> }> = {
      'owner session': owner,
      'admin session': admin,
      'agent session': agent,
      'owner key': { read: await keyWithRole(app, 'owner', owner.write), write: {} },
      'admin key': { read: await keyWithRole(app, 'admin'), write: {} },
      'agent key': { read: await keyWithRole(app, 'agent'), write: {} },
      nobody: { read: {}, write: {} },
    };
    for (const p of Object.values(principals)) if (Object.keys(p.write).length === 0) p.write = p.read;
    // route → least role (operator routes need the operator token whatever the principal)
    const routes: { method: string; url: string; least: 'agent' | 'admin' | 'operator'; payload?: unknown }[] = [
      { method: 'GET', url: '/api/v1/users', least: 'agent' },
      { method: 'GET', url: '/api/v1/workspace', least: 'agent' },
      { method: 'GET', url: '/api/v1/conversations', least: 'agent' },
      { method: 'GET', url: '/api/v1/invitations', least: 'admin' },
      { method: 'GET', url: '/api/v1/api-keys', least: 'admin' },
      { method: 'PATCH', url: '/api/v1/workspace', least: 'admin', payload: { name: 'Default workspace' } },
      { method: 'GET', url: '/api/v1/admin/workspaces', least: 'operator' },
    ];
    const rank = { nobody: 0, agent: 1, admin: 2, owner: 3 } as const;
    const table: string[] = [];
    for (const r of routes) {
      for (const [name, p] of Object.entries(principals)) {
        const role = (name.split(' ')[0] as keyof typeof rank) ?? 'nobody';
        const res = await inject({ method: r.method, url: r.url, headers: r.method === 'GET' ? p.read : p.write, ...(r.payload ? { payload: r.payload } : {}) });
        const expected = r.least === 'operator' ? 401 : role === 'nobody' ? 401 : rank[role] >= rank[r.least] ? 200 : 403;
        table.push(`${r.method} ${r.url} as ${name}: ${res.statusCode}${res.statusCode === expected ? '' : ` (expected ${expected})`}`);
      }
    }
    expect(table.filter((l) => l.includes('expected'))).toEqual([]);
    expect((await inject({ url: '/api/v1/admin/workspaces', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).statusCode).toBe(200);
  });

  it('lets only owners grant the owner role and keeps the last owner', async () => {
    const admin = await addMember(app, owner, 'admin2@example.com', 'admin');
    const agent = await addMember(app, owner, 'agent2@example.com', 'agent');
    expect((await inject({ method: 'POST', url: '/api/v1/invitations', headers: admin.write, payload: { email: 'o2@example.com', role: 'owner' } })).statusCode).toBe(403);
    expect((await inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: admin.write, payload: { role: 'owner' } })).statusCode).toBe(403);
    expect((await inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: admin.write, payload: { role: 'admin' } })).json()).toMatchObject({ role: 'admin' });
    expect((await inject({ method: 'PATCH', url: `/api/v1/users/${owner.userId}`, headers: admin.write, payload: { role: 'agent' } })).statusCode).toBe(403);
    const last = await inject({ method: 'PATCH', url: `/api/v1/users/${owner.userId}`, headers: owner.write, payload: { role: 'admin' } });
    expect(last.statusCode).toBe(409);
    // An agent sets its own availability but not its role.
    const other = await addMember(app, owner, 'agent3@example.com', 'agent');
    expect((await inject({ method: 'PATCH', url: '/api/v1/users/me', headers: other.write, payload: { available: false } })).json()).toMatchObject({ available: false, role: 'agent' });
    expect((await inject({ method: 'PATCH', url: `/api/v1/users/${other.userId}`, headers: other.write, payload: { role: 'admin' } })).statusCode).toBe(403);
  });

  it('applies a role change and a deactivation to the next request of an open session', async () => {
    const agent = await addMember(app, owner, 'demoted@example.com', 'admin');
    expect((await inject({ url: '/api/v1/invitations', headers: agent.read })).statusCode).toBe(200);
    await inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: owner.write, payload: { role: 'agent' } });
    expect((await inject({ url: '/api/v1/invitations', headers: agent.read })).statusCode).toBe(403);
    await inject({ method: 'PATCH', url: `/api/v1/users/${agent.userId}`, headers: owner.write, payload: { active: false } });
    expect((await inject({ url: '/api/v1/users', headers: agent.read })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'demoted@example.com', password: PASSWORD } })).statusCode).toBe(403);
  });

  it('signs out one session, or every session of the account', async () => {
    const s1 = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: PASSWORD } }));
    const s2 = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: PASSWORD } }));
    const s3 = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: PASSWORD } }));
    expect((await inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: s1.write })).statusCode).toBe(204);
    expect((await inject({ url: '/api/v1/users', headers: s1.read })).statusCode).toBe(401);
    expect((await inject({ url: '/api/v1/users', headers: s2.read })).statusCode).toBe(200);
    const all = await inject({ method: 'POST', url: '/api/v1/auth/sign-out-everywhere', headers: s2.write });
    expect(all.statusCode).toBe(200);
    expect(all.json().ended).toBeGreaterThanOrEqual(2);
    expect((await inject({ url: '/api/v1/users', headers: s2.read })).statusCode).toBe(401);
    expect((await inject({ url: '/api/v1/users', headers: s3.read })).statusCode).toBe(401);
  });

  it('resets a password with the link printed to the log, once, and ends the old sessions', async () => {
    const before = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: PASSWORD } }));
    const unknown = await inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'ghost@example.com' } });
    const known = await inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'agent@example.com' } });
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.json()).toEqual(unknown.json());
    const logged = lines.filter((l) => String(l.msg).startsWith('password reset requested'));
    expect(logged).toHaveLength(1);
    const token = tokenFromLink(String(logged[0]!.link));
    expect(String(logged[0]!.link)).toMatch(/\/reset-password\?token=rst_/);
    const weak = await inject({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, password: 'a brand new passphrase' } })).statusCode).toBe(200);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/password-reset/complete', payload: { token, password: 'another new passphrase' } })).statusCode).toBe(404);
    expect((await inject({ url: '/api/v1/users', headers: before.read })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: PASSWORD } })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'agent@example.com', password: 'a brand new passphrase' } })).statusCode).toBe(200);
  });

  it('ends a session idle for more than 7 days (movable clock)', async () => {
    const s = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'owner@example.com', password: PASSWORD } }));
    app.context.clock.advance(6 * 86_400_000);
    expect((await inject({ url: '/api/v1/users', headers: s.read })).statusCode).toBe(200);
    app.context.clock.advance(6 * 86_400_000);
    expect((await inject({ url: '/api/v1/users', headers: s.read })).statusCode).toBe(200);
    app.context.clock.advance(8 * 86_400_000);
    expect((await inject({ url: '/api/v1/users', headers: s.read })).statusCode).toBe(401);
    owner = sessionFrom(await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'owner@example.com', password: PASSWORD } }));
  });

  it('lets an existing account join another workspace with its own password', async () => {
    const created = await inject({ method: 'POST', url: '/api/v1/admin/workspaces', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { name: 'Second brand' } });
    const key = { authorization: `Basic ${created.json().apiKey.key}` };
    const inv = await inject({ method: 'POST', url: '/api/v1/invitations', headers: key, payload: { email: 'owner@example.com', role: 'agent' } });
    const token = tokenFromLink(inv.json().link);
    expect((await inject({ method: 'POST', url: '/api/v1/auth/invitations/accept', payload: { token, password: 'wrong password!!' } })).statusCode).toBe(401);
    const ok = await inject({ method: 'POST', url: '/api/v1/auth/invitations/accept', payload: { token, password: PASSWORD } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ role: 'agent', workspace: { name: 'Second brand' } });
    const there = await inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'owner@example.com', password: PASSWORD, workspaceId: created.json().workspace.id } });
    expect(there.json().role).toBe('agent');
  });
});
