import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_TOKEN, TEST_API_SECRET, type TestApp } from '../helpers/start-test-app.ts';

const basic = (secret: string) => `Basic ${Buffer.from(`${secret}:`).toString('base64')}`;

describe('the Interakt-compatible surface (/v1/public)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const createWorkspace = async (body: Record<string, unknown>) => {
    const res = await app.http!.inject({ method: 'POST', url: '/api/v1/admin/workspaces', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: body });
    expect(res.statusCode).toBe(201);
    return res.json() as { workspace: { id: string }; apiKey: { id: string; key: string } };
  };

  it('accepts the default key over real HTTP, with and without the trailing slash', async () => {
    for (const path of ['/v1/public/ping/', '/v1/public/ping']) {
      const res = await fetch(`${app.url}${path}`, { headers: { authorization: app.auth } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ result: true, message: 'pong', workspace: { name: 'Default workspace', plan: 'self_hosted' } });
      expect(res.headers.get('x-ratelimit-limit')).toBe('6000');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('accepts a key that the caller base64-encoded a second time', async () => {
    const doubled = `Basic ${Buffer.from(`${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}:`).toString('base64')}`;
    const res = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: doubled } });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 in Interakt format for a wrong, malformed or missing key', async () => {
    for (const authorization of [basic('sk_wrong_wrong_wrong_wrong'), 'Basic !!!', 'Bearer something', undefined]) {
      const res = await app.http!.inject({ url: '/v1/public/ping/', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      const body = res.json();
      expect(body.result).toBe(false);
      expect(body.message).toMatch(/API key/);
    }
  });

  it('refuses a Starter workspace with 403', async () => {
    const { apiKey } = await createWorkspace({ name: 'Starter brand', plan: 'starter' });
    const res = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${apiKey.key}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ result: false, message: expect.stringMatching(/not accessible on the Starter plan/) });
  });

  it('lets a Growth workspace make 300 requests a minute across all its keys, then answers 429 exactly as Interakt', async () => {
    const { workspace, apiKey } = await createWorkspace({ name: 'Growth brand', plan: 'growth' });
    const second = await app.http!.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Basic ${apiKey.key}` },
      payload: { name: 'second', role: 'admin' },
    });
    expect(second.statusCode).toBe(201);
    const keys = [apiKey.key, second.json().key as string];
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${keys[i % 2]}` } });
      statuses.push(res.statusCode);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const over = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${keys[0]}` } });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual({ result: false, message: 'Rate limit exceeded for this resource' });
    expect(over.headers['x-ratelimit-limit']).toBe('300');
    expect(over.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another workspace is unaffected.
    const other = await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: app.auth } });
    expect(other.statusCode).toBe(200);
    expect(workspace.id).toBeTruthy();
  });

  it('refuses a 40 KB JSON body with 413 and a clear message', async () => {
    const payload = JSON.stringify({ type: 'Text', data: { message: 'x'.repeat(40 * 1024) } });
    const res = await fetch(`${app.url}/v1/public/ping/`, { method: 'POST', headers: { authorization: app.auth, 'content-type': 'application/json' }, body: payload });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ result: false, message: 'Request body is larger than the 32 KB limit' });
  });

  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await app.http!.inject({ method: 'POST', url: '/v1/public/ping/', headers: { authorization: app.auth, 'content-type': 'application/json' }, payload: '{"type": "Text",' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.result).toBe(false);
    expect(body.message).toMatch(/^Request body is not valid JSON/);
  });

  it('answers a body that fails the schema with 400 naming the field', async () => {
    const res = await app.http!.inject({ method: 'POST', url: '/v1/public/ping/', headers: { authorization: app.auth }, payload: { callbackData: 'x'.repeat(600) } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ result: false, message: expect.stringMatching(/callbackData/) });
  });

  it('answers an unknown /v1/public route with 404 in Interakt format, and never a stack trace', async () => {
    const res = await app.http!.inject({ url: '/v1/public/no-such-thing/', headers: { authorization: app.auth } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ result: false });
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('stops accepting a key once it is revoked', async () => {
    const created = await app.http!.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { authorization: app.auth }, payload: { name: 'temp' } });
    const { id, key } = created.json() as { id: string; key: string };
    expect((await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${key}` } })).statusCode).toBe(200);
    const revoked = await app.http!.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: { authorization: app.auth } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toBeTruthy();
    expect((await app.http!.inject({ url: '/v1/public/ping/', headers: { authorization: `Basic ${key}` } })).statusCode).toBe(401);
  });
});
