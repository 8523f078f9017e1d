import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/start-test-app.ts';

describe('the native API (/api/v1)', () => {
  let app: TestApp;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('lets the operator create, list, read and change workspaces', async () => {
    const created = await app.http!.inject({ method: 'POST', url: '/api/v1/admin/workspaces', headers: admin, payload: { name: 'Acme', plan: 'enterprise', timeZone: 'Asia/Dubai', rateLimitPerMinute: 1200 } });
    expect(created.statusCode).toBe(201);
    const { workspace, apiKey } = created.json();
    expect(workspace).toMatchObject({ name: 'Acme', plan: 'enterprise', timeZone: 'Asia/Dubai', rateLimitPerMinute: 1200 });
    expect(apiKey.role).toBe('owner');
    expect(apiKey).not.toHaveProperty('secret');

    const list = await app.http!.inject({ url: '/api/v1/admin/workspaces', headers: admin });
    expect(list.json().data.map((w: { name: string }) => w.name)).toEqual(['Default workspace', 'Acme']);

    const patched = await app.http!.inject({ method: 'PATCH', url: `/api/v1/admin/workspaces/${workspace.id}`, headers: admin, payload: { plan: 'advanced' } });
    expect(patched.json()).toMatchObject({ plan: 'advanced' });

    // The new workspace's key sees its own workspace and its plan's limit.
    const ping = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${apiKey.key}` } });
    expect(ping.headers['x-ratelimit-limit']).toBe('600');
    const own = await app.http!.inject({ url: '/api/v1/workspace', headers: { authorization: `Basic ${apiKey.key}` } });
    expect(own.json()).toMatchObject({ id: workspace.id, name: 'Acme' });
  });

  it('refuses admin routes without the operator token, and with an API key', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: app.auth }]) {
      const res = await app.http!.inject({ url: '/api/v1/admin/workspaces', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });

  it('answers validation problems with a typed error body', async () => {
    const bad = await app.http!.inject({ method: 'POST', url: '/api/v1/admin/workspaces', headers: admin, payload: { name: '', plan: 'gold' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'validation_failed' });
    const tz = await app.http!.inject({ method: 'PATCH', url: '/api/v1/workspace', headers: { authorization: app.auth }, payload: { timeZone: 'Mars/Olympus' } });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().error.message).toMatch(/IANA time zone/);
    const missing = await app.http!.inject({ url: '/api/v1/admin/workspaces/nope', headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const json = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: app.auth, 'content-type': 'application/json' }, payload: '{nope' });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe('invalid_json');
  });

  it('enforces key roles: an agent key reads but cannot manage keys', async () => {
    const created = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: app.auth }, payload: { name: 'agent key', role: 'agent' } });
    expect(created.statusCode).toBe(201);
    const agent = { authorization: `Basic ${created.json().key}` };
    expect((await app.http!.inject({ url: '/api/v1/workspace', headers: agent })).statusCode).toBe(200);
    const denied = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: agent, payload: { name: 'x' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
    // An admin key cannot mint an owner key.
    const owner = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: app.auth }, payload: { role: 'owner' } });
    expect(owner.statusCode).toBe(403);
  });

  it('lists keys without their secrets', async () => {
    const res = await app.http!.inject({ url: '/api/v1/api-keys', headers: { authorization: app.auth } });
    expect(res.statusCode).toBe(200);
    const keys = res.json().data as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('secret');
      expect(k).not.toHaveProperty('secret_hash');
    }
  });

  it('shows the operator dead jobs and retries them', async () => {
    let runs = 0;
    app.context.queue.register('test.always_fails', async () => {
      runs++;
      throw new Error('receiver is down');
    }, { maxAttempts: 1 });
    const { id } = await app.context.queue.enqueueNow({ kind: 'test.always_fails', payload: { n: 1 } });
    const deadList = async () => (await app.http!.inject({ url: '/api/v1/admin/jobs/dead?kind=test.always_fails', headers: admin })).json().data as { id: string; lastError: string }[];
    await expect.poll(deadList, { timeout: 10_000 }).toHaveLength(1);
    expect((await deadList())[0]).toMatchObject({ id, lastError: expect.stringMatching(/receiver is down/) });
    const counts = await app.http!.inject({ url: '/api/v1/admin/jobs', headers: admin });
    expect(counts.json()).toMatchObject({ dead: 1 });
    const retry = await app.http!.inject({ method: 'POST', url: `/api/v1/admin/jobs/dead/${id}/retry`, headers: admin });
    expect(retry.json()).toEqual({ retried: true });
    await expect.poll(() => runs, { timeout: 10_000 }).toBe(2);
    const unknown = await app.http!.inject({ method: 'POST', url: '/api/v1/admin/jobs/dead/nope/retry', headers: admin });
    expect(unknown.statusCode).toBe(404);
  });

  it('tells the dashboard the instance and default workspace without authentication', async () => {
    const res = await app.http!.inject({ url: '/api/v1/instance' });
    expect(res.json()).toMatchObject({ name: 'Samvad', workspace: { name: 'Default workspace' }, docsUrl: '/docs' });
  });
});
