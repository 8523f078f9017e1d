import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseNumberDispatch } from '../../src/channels/whatsapp/index.ts';
import { REDACT_PATHS } from '../../src/platform/logger.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

const ACCESS_TOKEN = 'EAAG-secret-access-token-0123456789';
const APP_SECRET = 'app-secret-abcdef0123456789';
const VERIFY_TOKEN = 'verify-token-xyz-987654';

let app: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  app = await startTestApp({ logger });
});
afterAll(async () => {
  await app?.destroy();
});

async function api(method: string, path: string, body?: unknown, auth = app.auth): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

const seen: string[] = [];
/** Every answer of this file goes through here, so the secrets can be searched for at the end. */
async function call(method: string, path: string, body?: unknown, auth?: string) {
  const r = await api(method, path, body, auth);
  seen.push(r.text);
  return r;
}

describe('business numbers', () => {
  it('sandbox mode connects the emulator number to the default workspace and registers the webhook', async () => {
    const list = await call('GET', '/numbers');
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(1);
    const n = list.json.data[0];
    const em = app.emulator!.defaultNumber()!;
    expect(n).toMatchObject({
      phoneNumberId: em.phone_number_id,
      wabaId: em.waba_id,
      businessId: em.business_id,
      isSandbox: true,
      isDefault: true,
      hasAccessToken: true,
      hasAppSecret: true,
      hasVerifyToken: true,
      graphBaseUrl: `${app.url}/graph/v21.0`,
    });
    expect(em.callback_url).toBe(`${app.url}/webhooks/whatsapp`);
    expect(list.text).not.toContain(em.access_token);
    expect(list.text).not.toContain(em.app_secret);
  });

  it('adds, reads, updates and removes a number; secrets never come back', async () => {
    const added = await call('POST', '/numbers', {
      phoneNumberId: '555000111',
      wabaId: '555000999',
      businessId: '555000777',
      displayPhoneNumber: '+91 99999 00000',
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      graphBaseUrl: 'https://graph.example.test/v21.0',
      throughputMps: 250,
    });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ phoneNumberId: '555000111', isDefault: false, isSandbox: false, throughputMps: 250, hasAccessToken: true, dispatchPaused: false });
    const id = added.json.id as string;

    expect((await call('GET', `/numbers/${id}`)).json.displayPhoneNumber).toBe('+91 99999 00000');
    expect((await call('POST', '/numbers', { phoneNumberId: '555000111', wabaId: '1', displayPhoneNumber: '+91 1', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET })).status).toBe(400);
    const dup = await call('POST', '/numbers', { phoneNumberId: '555000111', wabaId: '1', displayPhoneNumber: '+9112345', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    expect(dup.status).toBe(409);
    expect((await call('POST', '/numbers', { phoneNumberId: '1', wabaId: '1', displayPhoneNumber: '+9112345', accessToken: 'short', appSecret: APP_SECRET })).status).toBe(400);

    // One default per workspace: making this one the default clears the sandbox number's flag.
    const patched = await call('PATCH', `/numbers/${id}`, { isDefault: true, accessToken: `${ACCESS_TOKEN}-rotated` });
    expect(patched.status).toBe(200);
    expect(patched.json.isDefault).toBe(true);
    const all = (await call('GET', '/numbers')).json.data as { id: string; isDefault: boolean }[];
    expect(all.filter((n) => n.isDefault).map((n) => n.id)).toEqual([id]);
    expect((await call('PATCH', `/numbers/${id}`, { isDefault: false })).status).toBe(400);

    // Dispatch pause (set by the dispatcher on account-level errors) and resume.
    await pauseNumberDispatch(app.context.database, app.context.clock, id, '(#190) Access token has expired');
    expect((await call('GET', `/numbers/${id}`)).json).toMatchObject({ dispatchPaused: true, dispatchPauseReason: '(#190) Access token has expired' });
    expect((await call('POST', `/numbers/${id}/resume`)).json).toMatchObject({ dispatchPaused: false, dispatchPausedAt: null });

    // Removing the default hands the flag to the oldest remaining number.
    expect((await call('DELETE', `/numbers/${id}`)).status).toBe(200);
    expect((await call('GET', `/numbers/${id}`)).status).toBe(404);
    const left = (await call('GET', '/numbers')).json.data as { isDefault: boolean; isSandbox: boolean }[];
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ isDefault: true, isSandbox: true });

    // Stored encrypted: the database row does not hold the plain token.
    const rows = await app.context.database.db.selectFrom('business_numbers').select(['access_token_enc', 'app_secret_enc', 'verify_token_enc']).execute();
    for (const r of rows) for (const v of Object.values(r)) expect(v).toMatch(/^v1\./);
  });

  it('agents read numbers, only admins change them', async () => {
    const created = await call('POST', '/api-keys', { name: 'agent', role: 'agent' });
    expect(created.status).toBe(201);
    const agent = `Basic ${Buffer.from(`${created.json.key}:`).toString('base64')}`;
    expect((await call('GET', '/numbers', undefined, agent)).status).toBe(200);
    const denied = await call('POST', '/numbers', { phoneNumberId: '777', wabaId: '777', displayPhoneNumber: '+917777777', accessToken: ACCESS_TOKEN, appSecret: APP_SECRET }, agent);
    expect(denied.status).toBe(403);
    expect((await call('GET', '/numbers', undefined, 'Basic bm9wZTo=')).status).toBe(401);
  });

  it('tests a number: token and number checked, subscribed_apps unsupported by the emulator is a warning', async () => {
    const id = (await call('GET', '/numbers')).json.data[0].id;
    const r = await call('POST', `/numbers/${id}/test`);
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(true);
    expect(r.json.checks).toEqual([
      expect.objectContaining({ name: 'token_and_number', result: 'ok' }),
      expect.objectContaining({ name: 'subscribed_apps', result: 'warning' }),
    ]);
    expect(r.json.phoneNumber).toMatchObject({ verifiedName: 'Samvad Sandbox', qualityRating: 'GREEN' });
  });

  it('a number whose token Graph refuses fails its test with Meta\'s code', async () => {
    const em = app.emulator!.defaultNumber()!;
    const other = app.emulator!.createNumber({ verified_name: 'Second', display_phone_number: '919000000077' });
    const added = await call('POST', '/numbers', {
      phoneNumberId: other.phone_number_id,
      wabaId: other.waba_id,
      displayPhoneNumber: other.display_phone_number,
      accessToken: `${em.access_token}-wrong`,
      appSecret: other.app_secret,
      verifyToken: 'another-verify-token',
      graphBaseUrl: `${app.url}/graph/v21.0`,
    });
    const r = await call('POST', `/numbers/${added.json.id}/test`);
    expect(r.json.ok).toBe(false);
    expect(r.json.checks[0]).toMatchObject({ name: 'token_and_number', result: 'failed', error: { code: 190 } });
    await call('DELETE', `/numbers/${added.json.id}`);
  });

  it('the numbers API is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/numbers', '/api/v1/numbers/{id}', '/api/v1/numbers/{id}/test', '/api/v1/numbers/{id}/resume']));
  });

  it('no answer and no log line carries a secret', async () => {
    const em = app.emulator!.defaultNumber()!;
    const row = await app.context.database.db.selectFrom('business_numbers').select('verify_token_enc').where('phone_number_id', '=', em.phone_number_id).executeTakeFirstOrThrow();
    const sandboxVerifyToken = app.context.whatsapp.secrets.open(row.verify_token_enc, 'business_numbers.verify_token');
    const secrets = [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, em.access_token, em.app_secret, sandboxVerifyToken];
    expect(logLines.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(seen.join('\n')).not.toContain(s);
      expect(logLines.join('\n')).not.toContain(s);
    }
  });
});
