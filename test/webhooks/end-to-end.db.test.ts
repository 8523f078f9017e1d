import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { createEndpointViaApi, startReceiver, type Receiver } from './helpers.ts';

/**
 * A template send to the sandbox's Asha through the Interakt API: the receiver gets
 * message_api_sent, _delivered and _read for it (in that order, signed) and her reply as
 * message_received, with Interakt's fields.
 */
describe('webhooks from a real send', () => {
  let app: TestApp;
  let rx: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    rx = await startReceiver('e2e-secret-123');
    expect((await createEndpointViaApi(app, { url: rx.url, secret: 'e2e-secret-123' })).status).toBe(201);
    // Like Meta, the emulator sometimes skips `delivered` for a message read within a second (10 %
    // by default); Asha reads after 1.5 s here so the test can insist on all three statuses.
    const patched = await fetch(`${app.url}/emulator/users/919800000001`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ behaviour: { readDelayMs: 1500 } }),
    });
    expect(patched.status).toBe(200);
  });
  afterAll(async () => {
    await rx?.close();
    await app?.destroy();
  });

  it('delivers sent, delivered, read and the reply, in order, with callback data and the customer', async () => {
    const res = await fetch(`${app.url}/v1/public/message/`, {
      method: 'POST',
      headers: { authorization: app.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ countryCode: '+91', phoneNumber: '9800000001', callbackData: 'order-42', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const types = () => rx.received.map((r) => JSON.parse(r.body) as { type: string; data: any });
    await expect.poll(() => types().map((b) => b.type), { timeout: 30_000, interval: 200 }).toEqual(expect.arrayContaining(['message_api_sent', 'message_api_delivered', 'message_api_read', 'message_received']));
    const bodies = types();
    const mine = bodies.filter((b) => b.data.message?.id === id);
    expect(mine.map((b) => b.type)).toEqual(['message_api_sent', 'message_api_delivered', 'message_api_read']);
    for (const b of mine) {
      expect(b.data.customer).toMatchObject({ channel_phone_number: '919800000001', phone_number: '9800000001', country_code: '+91' });
      expect(b.data.message).toMatchObject({ chat_message_type: 'PublicApiMessage', is_template_message: true, message_content_type: 'Template', meta_data: { source: 'PublicInterakt', source_data: { callback_data: 'order-42' } } });
      expect(JSON.parse(b.data.message.raw_template)).toMatchObject({ name: 'hello_world', language: 'en_US' });
    }
    expect(mine[2]!.data.message.seen_at_utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const reply = bodies.find((b) => b.type === 'message_received')!;
    expect(reply.data.message).toMatchObject({ chat_message_type: 'CustomerMessage', message_status: 'Sent', meta_data: {} });
    expect(rx.received.every((r) => r.interaktSignatureValid)).toBe(true);
  }, 60_000);
});
