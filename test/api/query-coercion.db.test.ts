import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

describe('request validation: query strings coerced, bodies strict', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.destroy());

  it('reads ?limit=1&offset=0 as the integers the schema declares, and still refuses a non-integer', async () => {
    const ok = await fetch(`${app.url}/api/v1/templates?limit=1&offset=0`, { headers: { authorization: app.auth } });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${app.url}/api/v1/templates?limit=ten`, { headers: { authorization: app.auth } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
  });

  it('does not coerce bodies: a number where the send API wants a string is a 400', async () => {
    const r = await fetch(`${app.url}/v1/public/message/`, {
      method: 'POST',
      headers: { authorization: app.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ countryCode: '+91', phoneNumber: 9800000001, type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { result: boolean }).result).toBe(false);
  });
});
