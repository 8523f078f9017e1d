import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

describe('sandbox mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('runs the Cloud API emulator in-process with a seeded number and five virtual customers', async () => {
    const numbers = (await (await fetch(`${app.url}/emulator/numbers`)).json()) as { data: { phone_number_id: string; access_token: string }[] };
    expect(numbers.data).toHaveLength(1);
    const [number] = numbers.data;
    const users = (await (await fetch(`${app.url}/emulator/users`)).json()) as { data: unknown[] };
    expect(users.data.length).toBeGreaterThanOrEqual(5);
    // The Graph API answers like Meta's under /graph.
    const res = await fetch(`${app.url}/graph/v21.0/${number!.phone_number_id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${number!.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '919800000002', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { messages: { id: string }[] }).messages[0]!.id).toMatch(/^wamid\./);
    const info = await app.instanceInfo();
    expect(info.sandbox).toBe(true);
  });

  it('refuses the control API to anyone but loopback', async () => {
    const res = await app.http!.inject({ url: '/emulator/numbers', remoteAddress: '203.0.113.9' });
    expect(res.statusCode).toBe(403);
  });
});

describe('with the sandbox off', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_SANDBOX: 'off' } });
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('mounts no emulator routes', async () => {
    expect((await fetch(`${app.url}/emulator/numbers`)).status).toBe(404);
    expect((await fetch(`${app.url}/graph/v21.0/123/messages`, { method: 'POST' })).status).toBe(404);
    expect((await app.instanceInfo()).sandbox).toBe(false);
  });
});
