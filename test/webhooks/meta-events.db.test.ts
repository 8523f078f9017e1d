import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { createEndpointViaApi, startReceiver, type Receiver } from './helpers.ts';

/**
 * Events Samvad learns from Meta, delivered to a local receiver: a template's review outcome
 * (message_template_status_update, sent by the in-process emulator as Meta does), a number's
 * quality change (phone_number_quality_update), and the WABA fields Samvad applies nowhere
 * (account_review_update, account_update, account_alerts) and business_capability_update,
 * posted to /webhooks/whatsapp signed with the app secret as Meta signs them.
 */
describe('webhooks for what Meta tells Samvad', () => {
  let app: TestApp;
  let rx: Receiver;
  let number: { phone_number_id: string; display_phone_number: string; waba_id: string; app_secret: string };
  const SECRET = 'meta-events-secret';

  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    rx = await startReceiver(SECRET);
    expect((await createEndpointViaApi(app, { url: rx.url, secret: SECRET, events: ['message_template_status_update', 'phone_number_quality_update', 'account_update', 'account_review_update', 'business_capability_update', 'account_alerts'] })).status).toBe(201);
    const numbers = (await (await fetch(`${app.url}/emulator/numbers`)).json()) as { data: (typeof number)[] };
    number = numbers.data[0]!;
  });
  afterAll(async () => {
    await rx?.close();
    await app?.destroy();
  });

  const bodies = () => rx.received.map((r) => JSON.parse(r.body) as { version: string; timestamp: string; type: string; data: Record<string, unknown> });
  const ofType = (type: string) => bodies().filter((b) => b.type === type);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: app.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const emulator = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}/emulator${path}`, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return (await res.json()) as any;
  };

  it('a template approved, then paused by Meta: message_template_status_update with Meta\'s fields, once each', async () => {
    const created = await api('POST', '/api/v1/templates', {
      name: 'shipping_note',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}, your parcel is on its way.', example: { body_text: [['Asha']] } }],
    });
    expect(created.status).toBe(201);
    const metaId = created.body.providerTemplateId as string;
    await emulator('POST', '/clock/advance', { seconds: 11 }); // the emulator's review
    await expect.poll(() => ofType('message_template_status_update').length, { timeout: 20_000, interval: 100 }).toBe(1);
    await emulator('POST', `/templates/${metaId}/events`, { event: 'PAUSED' });
    await expect.poll(() => ofType('message_template_status_update').length, { timeout: 20_000, interval: 100 }).toBe(2);
    const [approved, paused] = ofType('message_template_status_update');
    expect(approved).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
      type: 'message_template_status_update',
      data: { event: 'APPROVED', message_template_id: Number(metaId), message_template_name: 'shipping_note', message_template_language: 'en', reason: 'NONE' }, // Meta's reason on approvals, passed through
    });
    expect(paused!.data).toMatchObject({ event: 'PAUSED', message_template_id: Number(metaId), message_template_name: 'shipping_note' });
    expect(rx.received.every((r) => r.interaktSignatureValid && r.samvadSignatureValid)).toBe(true);
  }, 60_000);

  it("a number's quality drops: phone_number_quality_update with the display number's digits and Meta's event", async () => {
    await emulator('PATCH', `/numbers/${number.phone_number_id}`, { quality_rating: 'RED' });
    await expect.poll(() => ofType('phone_number_quality_update').length, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    const q = ofType('phone_number_quality_update')[0]!;
    expect(q.data).toMatchObject({ display_phone_number: number.display_phone_number.replace(/\D/g, ''), event: 'FLAGGED' });
    expect(Object.keys(q.data).sort()).toEqual(['current_limit', 'display_phone_number', 'event']);
    expect(q.data.current_limit).toMatch(/^TIER_/); // Meta's max_daily_conversations_per_business, under Interakt's name
  }, 60_000);

  it('account and capability fields Meta posts are forwarded with Meta\'s value as data', async () => {
    const changes = [
      { field: 'account_review_update', value: { decision: 'APPROVED' } },
      { field: 'account_update', value: { phone_number: number.display_phone_number.replace(/\D/g, ''), event: 'VERIFIED_ACCOUNT' } },
      { field: 'account_alerts', value: { entity_type: 'WABA', entity_id: number.waba_id, alert_severity: 'WARNING', alert_status: 'ACTIVE', alert_type: 'OBA_APPROVED' } },
      { field: 'business_capability_update', value: { max_daily_conversation_per_phone: 100000, max_phone_numbers_per_waba: 25, max_phone_numbers_per_business: 50 } },
    ];
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: number.waba_id, time: Math.floor(Date.now() / 1000), changes }] });
    const signature = 'sha256=' + createHmac('sha256', number.app_secret).update(body).digest('hex');
    const res = await fetch(`${app.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
    expect(res.status).toBe(200);
    for (const c of changes) {
      await expect.poll(() => ofType(c.field).length, { timeout: 20_000, interval: 100 }).toBe(1);
      expect(ofType(c.field)[0]!.data).toEqual(c.value);
    }
    // A forged one (wrong app secret) is refused and forwards nothing.
    const forged = await fetch(`${app.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, body });
    expect(forged.status).toBe(401);
  }, 60_000);
});
