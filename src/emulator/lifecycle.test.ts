import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, startSink, verifySignature, type Harness } from './test-support.ts';

const ASHA = '919800000001'; // replies at once
const BILAL = '919800000002'; // reads, never replies
const CHITRA = '919800000003'; // not on WhatsApp
const DEV = '919800000004'; // opted out of marketing
const HOUR = 3_600_000;

async function approvedTemplate(h: Harness, name: string, category: string, body = 'Hello {{1}}, your order is ready.') {
  const r = await h.graphCall('POST', `/${h.number.waba_id}/message_templates`, {
    name, category, language: 'en_US',
    components: [{ type: 'BODY', text: body, ...(body.includes('{{') ? { example: { body_text: [['Asha']] } } : {}) }],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  await h.advance(h.emulator.tunables.templateReviewDelayMs);
  return r.body.id as string;
}

describe('emulator: statuses, windows and signed webhooks', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('emits sent, delivered and read with PMP pricing, signed over the exact bytes', async () => {
    h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    await h.emulator.drain();
    const r = await h.send({ to: BILAL, type: 'text', text: { body: 'Hello Bilal' }, biz_opaque_callback_data: 'samvad-msg-1' });
    const id = r.body.messages[0].id;
    await h.emulator.drain();
    await h.advance(10_000);
    const st = h.sink.statuses().filter((s) => s.id === id);
    expect(st.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    for (const s of st) {
      expect(s.recipient_id).toBe(BILAL);
      expect(s.biz_opaque_callback_data).toBe('samvad-msg-1');
      expect(s.timestamp).toMatch(/^\d+$/);
    }
    // v21.0 (below v24): a conversation object on sent (with expiry) and on delivered.
    expect(st[0].conversation).toMatchObject({ origin: { type: 'service' } });
    expect(st[0].conversation.expiration_timestamp).toMatch(/^\d+$/);
    expect(st[1].conversation.id).toBe(st[0].conversation.id);
    expect(st[1].conversation.expiration_timestamp).toBeUndefined();
    expect(st[2].conversation).toBeUndefined();
    const pricing = { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
    expect(st[0].pricing).toEqual(pricing);
    expect(st[1].pricing).toEqual(pricing);
    expect(st[2].pricing).toBeUndefined();
    const posts = h.sink.requests.filter((q) => q.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(verifySignature(h.number.app_secret, p.raw, p.headers['x-hub-signature-256'])).toBe(true);
      expect(p.json.object).toBe('whatsapp_business_account');
      expect(p.json.entry[0].id).toBe(h.number.waba_id);
      expect(p.json.entry[0].changes[0].field).toBe('messages');
    }
    const statusPost = posts.find((p) => p.json.entry[0].changes[0].value.statuses)!;
    expect(statusPost.json.entry[0].changes[0].value.metadata).toEqual({ display_phone_number: '919000000001', phone_number_id: h.number.phone_number_id });
    // The handshake happened before the first delivery.
    expect(h.sink.requests[0]!.method).toBe('GET');
  });

  it('escapes non-ASCII and slashes as Meta does, and the signature covers those bytes', async () => {
    h.emulator.userSends(BILAL, { type: 'text', text: 'Caf\u00e9 \u{1F600} a/b' });
    await h.emulator.drain();
    const post = h.sink.requests.find((q) => q.method === 'POST')!;
    const raw = post.raw.toString('latin1');
    expect(raw).toContain('Caf\\u00e9 \\ud83d\\ude00 a\\/b');
    expect(/[^\x00-\x7e]/.test(raw)).toBe(false);
    expect(verifySignature(h.number.app_secret, post.raw, post.headers['x-hub-signature-256'])).toBe(true);
    expect(post.json.entry[0].changes[0].value.messages[0].text.body).toBe('Caf\u00e9 \u{1F600} a/b');
    expect(post.json.entry[0].changes[0].value.contacts).toEqual([{ profile: { name: 'Bilal Khan' }, wa_id: BILAL }]);
  });

  it('a session message 25 emulated hours after the user\'s last message fails with 131047', async () => {
    h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    await h.advance(23 * HOUR);
    const inside = await h.send({ to: BILAL, type: 'text', text: { body: 'still open' } });
    await h.advance(2 * HOUR);
    const outside = await h.send({ to: BILAL, type: 'text', text: { body: 'too late' } });
    expect(outside.status).toBe(200);
    await h.emulator.drain();
    const st = h.sink.statuses();
    expect(st.filter((s) => s.id === inside.body.messages[0].id).map((s) => s.status)).toContain('sent');
    const failed = st.filter((s) => s.id === outside.body.messages[0].id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 'failed', recipient_id: BILAL });
    expect(failed[0].errors[0]).toMatchObject({
      code: 131047, title: 'Re-engagement message', message: 'Re-engagement message',
      error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
    });
    expect(failed[0].pricing).toBeUndefined();
    // A template is still allowed outside the window and is billable.
    const tpl = await h.send({ to: BILAL, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    await h.emulator.drain();
    const sent = h.sink.statuses().find((s) => s.id === tpl.body.messages[0].id && s.status === 'sent');
    expect(sent.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' });
  });

  it('a utility template inside the window is free; a marketing one is charged', async () => {
    const mkt = await approvedTemplate(h, 'spring_sale', 'MARKETING', 'Hello {{1}}, our spring sale starts today.');
    expect(mkt).toBeTruthy();
    h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    const u = await h.send({ to: BILAL, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    const m = await h.send({
      to: BILAL, type: 'template',
      template: { name: 'spring_sale', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Bilal' }] }] },
    });
    await h.emulator.drain();
    const sentOf = (id: string) => h.sink.statuses().find((s) => s.id === id && s.status === 'sent');
    expect(sentOf(u.body.messages[0].id).pricing).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'utility' });
    expect(sentOf(m.body.messages[0].id).pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
  });

  it('fails asynchronously for a user not on WhatsApp (131026), opted out (131050) or over the marketing cap (131049)', async () => {
    await approvedTemplate(h, 'big_offer', 'MARKETING', 'Hi {{1}}, a new collection is here for you.');
    const send = (to: string) =>
      h.send({ to, type: 'template', template: { name: 'big_offer', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'you' }] }] } });
    const c = await send(CHITRA);
    const d = await send(DEV);
    h.emulator.createUser('919811111111', 'Capped', { marketingCap: 1 });
    const ok = await send('919811111111');
    const capped = await send('919811111111');
    for (const r of [c, d, ok, capped]) expect(r.status).toBe(200);
    await h.emulator.drain();
    const codeOf = (r: { body: any }) => h.sink.statuses().find((s) => s.id === r.body.messages[0].id && s.status === 'failed')?.errors[0].code;
    expect(codeOf(c)).toBe(131026);
    expect(codeOf(d)).toBe(131050);
    expect(codeOf(ok)).toBeUndefined();
    expect(codeOf(capped)).toBe(131049);
    // Utility templates still reach the opted-out user.
    const u = await h.send({ to: DEV, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    await h.emulator.drain();
    expect(codeOf(u)).toBeUndefined();
  });

  it('retries failed deliveries with backoff and gives up after the horizon', async () => {
    h.sink.status = 500;
    h.emulator.userSends(BILAL, { type: 'text', text: 'first' });
    await h.emulator.drain();
    let rows = h.emulator.engine.outbox('pending');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(1);
    await h.advance(60_000);
    rows = h.emulator.engine.outbox('pending');
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(2);
    h.sink.status = 200;
    await h.advance(3 * HOUR);
    expect(h.emulator.engine.outbox('pending')).toHaveLength(0);
    expect(h.sink.messages().map((m) => m.text.body)).toEqual(['first']);
    // A receiver that stays down past the horizon gets the delivery dead-lettered.
    h.sink.status = 503;
    h.emulator.userSends(BILAL, { type: 'text', text: 'second' });
    await h.emulator.drain();
    for (let i = 0; i < 8 * 24; i++) await h.advance(HOUR);
    expect(h.emulator.engine.outbox('dead')).toHaveLength(1);
    expect(h.emulator.engine.outbox('pending')).toHaveLength(0);
  });

  it('sends each retry to the callback URL configured at that moment (a receiver that moved gets the backlog)', async () => {
    h.sink.status = 500;
    h.emulator.userSends(BILAL, { type: 'text', text: 'while the old receiver was down' });
    await h.emulator.drain();
    expect(h.emulator.engine.outbox('pending')).toHaveLength(1);
    const moved = await startSink();
    try {
      h.emulator.engine.setCallback(h.number.phone_number_id, moved.url, moved.verifyToken);
      await h.advance(HOUR);
      expect(h.emulator.engine.outbox('pending')).toHaveLength(0);
      expect(moved.messages().map((m) => m.text.body)).toEqual(['while the old receiver was down']);
      expect(h.sink.messages()).toHaveLength(0);
    } finally {
      await moved.close();
    }
  });

  it('batches several statuses in one POST', async () => {
    h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    await h.emulator.drain();
    const before = h.sink.requests.length;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.send({ to: BILAL, type: 'text', text: { body: `m${i}` } })).body.messages[0].id);
    await h.emulator.drain();
    const posts = h.sink.requests.slice(before).filter((q) => q.method === 'POST');
    const batch = posts.find((p) => p.json.entry[0].changes[0].value.statuses?.length === 5);
    expect(batch).toBeTruthy();
    expect(batch!.json.entry[0].changes[0].value.statuses.map((s: any) => s.id)).toEqual(ids);
  });

  it('skips a configurable share of delivered statuses when the read follows at once', async () => {
    await h.close();
    h = await startHarness({ tunables: { deliveredSkipShare: 1 } });
    h.emulator.userSends(ASHA, { type: 'text', text: 'Hi' });
    const r = await h.send({ to: ASHA, type: 'text', text: { body: 'quick' } });
    await h.emulator.drain();
    await h.advance(2000);
    const st = h.sink.statuses().filter((s) => s.id === r.body.messages[0].id);
    expect(st.map((s) => s.status)).toEqual(['sent', 'read']);
    expect(st[1].pricing).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' });
  });

  it('reactions only get a sent status', async () => {
    const inbound = h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    const r = await h.send({ to: BILAL, type: 'reaction', reaction: { message_id: inbound.id, emoji: '\u2764\ufe0f' } });
    await h.advance(60_000);
    expect(h.sink.statuses().filter((s) => s.id === r.body.messages[0].id).map((s) => s.status)).toEqual(['sent']);
    const bad = await h.send({ to: BILAL, type: 'reaction', reaction: { message_id: 'wamid.unknown', emoji: '\u{1F44D}' } });
    await h.emulator.drain();
    expect(h.sink.statuses().find((s) => s.id === bad.body.messages[0].id)).toMatchObject({ status: 'failed', errors: [{ code: 131009 }] });
  });

  it('refuses a callback whose handshake fails', async () => {
    const r = await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { callback_url: h.sink.url, verify_token: 'wrong' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(100);
    const ok = await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { callback_url: h.sink.url, verify_token: h.sink.verifyToken });
    expect(ok.status).toBe(200);
  });

  it('a click-to-WhatsApp entry opens a free entry point window for the reply', async () => {
    h.emulator.userSends(BILAL, { type: 'text', text: 'I saw your ad', referral: true });
    const r = await h.send({ to: BILAL, type: 'text', text: { body: 'Welcome!' } });
    await h.advance(30 * HOUR);
    const t = await h.send({ to: BILAL, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    await h.emulator.drain();
    const sentOf = (id: string) => h.sink.statuses().find((s) => s.id === id && s.status === 'sent');
    const fep = { billable: false, pricing_model: 'PMP', type: 'free_entry_point', category: 'referral_conversion' };
    expect(sentOf(r.body.messages[0].id).pricing).toEqual(fep);
    expect(sentOf(r.body.messages[0].id).conversation.origin).toEqual({ type: 'referral_conversion' });
    expect(sentOf(t.body.messages[0].id).pricing).toEqual(fep);
    const inbound = h.sink.messages().find((m) => m.referral);
    expect(inbound.referral.source_type).toBe('ad');
  });
});
