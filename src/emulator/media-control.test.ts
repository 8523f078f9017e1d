import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../platform/clock.ts';
import { silentLogger } from '../platform/logger.ts';
import { createEmulator } from './index.ts';
import { SAMPLES_DIR } from './media.ts';
import { startHarness, type Harness } from './test-support.ts';
import Fastify from 'fastify';

const ASHA = '919800000001';
const BILAL = '919800000002';
const ESHA = '919800000005';

function form(fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  if (file) f.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  return f;
}

describe('emulator: media', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: false } } });
    h.emulator.userSends(BILAL, { type: 'text', text: 'Hi' });
    await h.emulator.drain();
  });
  afterAll(async () => h.close());
  const upload = (f: FormData) =>
    fetch(`${h.graph}/${h.number.phone_number_id}/media`, { method: 'POST', headers: { authorization: `Bearer ${h.number.access_token}` }, body: f }).then(async (r) => ({
      status: r.status, body: (await r.json()) as any,
    }));

  it('uploads, reads, downloads with the bearer token, and deletes', async () => {
    const png = readFileSync(join(SAMPLES_DIR, 'sample.png'));
    const up = await upload(form({ messaging_product: 'whatsapp', type: 'image/png' }, { name: 'plant.png', type: 'image/png', data: png }));
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
    const info = await h.graphCall('GET', `/${up.body.id}`);
    expect(info.body).toMatchObject({ messaging_product: 'whatsapp', mime_type: 'image/png', file_size: png.length, id: up.body.id });
    expect(info.body.sha256).toBe(createHash('sha256').update(png).digest('base64'));
    const noAuth = await fetch(info.body.url);
    expect(noAuth.status).toBe(404);
    const dl = await fetch(info.body.url, { headers: { authorization: `Bearer ${h.number.access_token}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await dl.arrayBuffer()).equals(png)).toBe(true);
    // URLs expire after 5 minutes.
    h.clock.advance(5 * 60_000 + 1000);
    expect((await fetch(info.body.url, { headers: { authorization: `Bearer ${h.number.access_token}` } })).status).toBe(404);
    // Sending by id works and reaches the phone.
    const sent = await h.send({ to: BILAL, type: 'image', image: { id: up.body.id, caption: 'By id' } });
    expect(sent.status).toBe(200);
    await h.advance(1000);
    expect(h.sink.statuses().filter((s) => s.id === sent.body.messages[0].id).map((s) => s.status)).toContain('delivered');
    expect((await h.graphCall('DELETE', `/${up.body.id}`)).body).toEqual({ success: true });
    expect((await h.graphCall('GET', `/${up.body.id}`)).body.error.code).toBe(100);
    const gone = await h.send({ to: BILAL, type: 'image', image: { id: up.body.id } });
    await h.emulator.drain();
    expect(h.sink.statuses().find((s) => s.id === gone.body.messages[0].id)).toMatchObject({ status: 'failed', errors: [{ code: 131053 }] });
  });

  it('refuses bad uploads: missing fields (131008), unsupported type or size (131053)', async () => {
    const png = readFileSync(join(SAMPLES_DIR, 'sample.png'));
    expect((await upload(form({ type: 'image/png' }, { name: 'a.png', type: 'image/png', data: png }))).body.error.code).toBe(131008);
    expect((await upload(form({ messaging_product: 'whatsapp', type: 'image/png' }))).body.error.code).toBe(131008);
    expect((await upload(form({ messaging_product: 'whatsapp', type: 'image/gif' }, { name: 'a.gif', type: 'image/gif', data: Buffer.from('GIF89a') }))).body.error.code).toBe(131053);
    expect((await upload(form({ messaging_product: 'whatsapp', type: 'image/png' }, { name: 'a.png', type: 'image/png', data: Buffer.from('not a png') }))).body.error.code).toBe(131053);
    const big = Buffer.concat([readFileSync(join(SAMPLES_DIR, 'sample.webp')), Buffer.alloc(600 * 1024)]);
    expect((await upload(form({ messaging_product: 'whatsapp', type: 'image/webp' }, { name: 's.webp', type: 'image/webp', data: big }))).body.error.code).toBe(131053);
  });

  it('fetches link media asynchronously; unreachable or wrong-type links fail with 131053', async () => {
    const good = await h.send({ to: BILAL, type: 'document', document: { link: `${h.url}/emulator/samples/sample.pdf`, filename: 'invoice.pdf' } });
    const wrongType = await h.send({ to: BILAL, type: 'image', image: { link: `${h.url}/emulator/samples/sample.txt` } });
    const missing = await h.send({ to: BILAL, type: 'image', image: { link: `${h.url}/emulator/samples/nope.png` } });
    const unreachable = await h.send({ to: BILAL, type: 'image', image: { link: 'http://127.0.0.1:9/a.png' } });
    for (const r of [good, wrongType, missing, unreachable]) expect(r.status).toBe(200);
    await h.emulator.drain();
    const last = (r: { body: any }) => h.sink.statuses().filter((s) => s.id === r.body.messages[0].id).at(-1);
    expect(last(good).status).toBe('sent');
    for (const r of [wrongType, missing, unreachable]) expect(last(r)).toMatchObject({ status: 'failed', errors: [{ code: 131053, title: 'Media upload error' }] });
  });

  it('refuses private link media unless allowed', async () => {
    const clock = createClock({ movable: true });
    const strict = createEmulator({ clock, logger: silentLogger(), storePath: ':memory:', seed: true, allowPrivateMediaUrls: false, tunables: { defaultBehaviour: { deliveryDelayMs: 0, readDelayMs: null, onWhatsApp: true, marketingOptOut: false, marketingCap: null, reply: null } } });
    const app = Fastify();
    await app.register(strict.plugin);
    const num = strict.defaultNumber()!;
    strict.userSends(BILAL, { type: 'text', text: 'hi' });
    const r = await app.inject({
      method: 'POST', url: `/v21.0/${num.phone_number_id}/messages`, headers: { authorization: `Bearer ${num.access_token}` },
      payload: { messaging_product: 'whatsapp', to: BILAL, type: 'image', image: { link: `${h.url}/emulator/samples/sample.png` } },
    });
    expect(r.statusCode).toBe(200);
    await strict.drain();
    const id = r.json().messages[0].id;
    expect(strict.engine.message(id)).toMatchObject({ status: 'failed', error_code: 131053 });
    await app.close();
    await strict.close();
  });
});

describe('emulator: virtual customers and the control API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: false } } });
  });
  afterAll(async () => h.close());

  it('seeds five customers with different behaviours, listed by the control API', async () => {
    const r = await h.control('GET', '/users');
    expect(r.body.data.map((u: any) => u.wa_id)).toEqual(['919800000001', '919800000002', '919800000003', '919800000004', '919800000005']);
    expect(r.body.data[2].behaviour.onWhatsApp).toBe(false);
    expect(r.body.data[3].behaviour.marketingOptOut).toBe(true);
  });

  it('creates numbers and users, and a send to an unknown number creates a default customer', async () => {
    const n = await h.control('POST', '/numbers', { verified_name: 'Acme', display_phone_number: '15550009999', callback_url: h.sink.url, verify_token: h.sink.verifyToken });
    expect(n.status).toBe(201);
    expect(n.body).toMatchObject({ display_phone_number: '15550009999', verified_name: 'Acme', messaging_limit_tier: 'TIER_250', callback_url: h.sink.url });
    const u = await h.control('POST', '/users', { wa_id: '+44 7700 900123', profile_name: 'Olivia', behaviour: { readDelayMs: null } });
    expect(u.body).toMatchObject({ wa_id: '447700900123', profile_name: 'Olivia', behaviour: { readDelayMs: null, onWhatsApp: true } });
    const s = await h.graphCall(
      'POST', `/${n.body.phone_number_id}/messages`,
      { messaging_product: 'whatsapp', to: '14155550100', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, n.body.access_token,
    );
    expect(s.status).toBe(200);
    await h.advance(5000);
    const chat = await h.control('GET', '/users/14155550100/chat');
    expect(chat.body.messages).toHaveLength(1);
    expect(chat.body.messages[0]).toMatchObject({ from: 'business', type: 'template', status: 'read', business: 'Acme (+15550009999)' });
    expect(chat.body.messages[0].text).toContain('Hello World');
  });

  it('makes a user send every inbound type, each delivered as Meta\'s webhook', async () => {
    const pn = h.number.phone_number_id;
    h.emulator.userSends(BILAL, { type: 'text', text: 'opening the window', phone_number_id: pn });
    const interactive = await h.send({
      to: BILAL, type: 'interactive',
      interactive: { type: 'button', body: { text: 'Confirm?' }, action: { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes' } }, { type: 'reply', reply: { id: 'no', title: 'No' } }] } },
    });
    expect(interactive.status).toBe(200);
    const list = await h.send({
      to: BILAL, type: 'interactive',
      interactive: { type: 'list', body: { text: 'Pick' }, action: { button: 'Go', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'One', description: 'first' }, { id: 'r2', title: 'Two' }] }] } },
    });
    const inputs: Array<Record<string, unknown>> = [
      { type: 'text', text: 'Hello business' },
      { type: 'image', caption: 'my plant' },
      { type: 'video' },
      { type: 'audio', voice: true },
      { type: 'document', sample: 'sample.pdf', caption: 'receipt' },
      { type: 'sticker' },
      { type: 'location', latitude: 19.07, longitude: 72.87, name: 'Home' },
      { type: 'contacts' },
      { type: 'reaction', message_id: interactive.body.messages[0].id, emoji: '\u{1F44D}' },
      { type: 'interactive', reply_to: interactive.body.messages[0].id, button_index: 1 },
      { type: 'interactive', reply_to: list.body.messages[0].id, row_index: 0 },
      { type: 'interactive', flow_response: { flow_token: 'T1', size: 'M' } },
      { type: 'order' },
      { type: 'button', payload: 'STOP', text: 'Stop promotions' },
      { type: 'text', text: 'From an ad', referral: true },
      { type: 'unsupported' },
    ];
    for (const input of inputs) {
      const r = await h.control('POST', `/users/${BILAL}/messages`, { phone_number_id: pn, ...input });
      expect(r.status, JSON.stringify(input) + JSON.stringify(r.body)).toBe(201);
    }
    await h.advance(5000);
    const msgs = h.sink.messages().filter((m) => m.from === BILAL);
    const byType = (t: string) => msgs.filter((m) => m.type === t);
    expect(byType('text').map((m) => m.text.body)).toEqual(expect.arrayContaining(['Hello business', 'From an ad']));
    expect(byType('image')[0].image).toMatchObject({ caption: 'my plant', mime_type: 'image/png', id: expect.any(String), sha256: expect.any(String) });
    expect(byType('audio')[0].audio).toMatchObject({ mime_type: 'audio/ogg; codecs=opus', voice: true });
    expect(byType('document')[0].document).toMatchObject({ filename: 'sample.pdf', mime_type: 'application/pdf', caption: 'receipt' });
    expect(byType('sticker')[0].sticker).toMatchObject({ mime_type: 'image/webp', animated: false });
    expect(byType('video')[0].video.mime_type).toBe('video/mp4');
    expect(byType('location')[0].location).toEqual({ latitude: 19.07, longitude: 72.87, name: 'Home' });
    expect(byType('contacts')[0].contacts[0].name.formatted_name).toBe('Ravi Kumar');
    expect(byType('reaction')[0].reaction).toEqual({ message_id: interactive.body.messages[0].id, emoji: '\u{1F44D}' });
    const ints = byType('interactive');
    expect(ints[0]).toMatchObject({ context: { from: '919000000001', id: interactive.body.messages[0].id }, interactive: { type: 'button_reply', button_reply: { id: 'no', title: 'No' } } });
    expect(ints[1].interactive).toEqual({ type: 'list_reply', list_reply: { id: 'r1', title: 'One', description: 'first' } });
    expect(ints[2].interactive.type).toBe('nfm_reply');
    expect(JSON.parse(ints[2].interactive.nfm_reply.response_json)).toEqual({ flow_token: 'T1', size: 'M' });
    expect(byType('order')[0].order.product_items[0]).toMatchObject({ product_retailer_id: 'sku-1', quantity: 1, item_price: 499, currency: 'INR' });
    expect(byType('button')[0].button).toEqual({ payload: 'STOP', text: 'Stop promotions' });
    expect(byType('unsupported')[0].errors[0].code).toBe(131051);
    // Inbound media can be downloaded through Graph.
    const media = await h.graphCall('GET', `/${byType('image')[0].image.id}`);
    expect(media.body.mime_type).toBe('image/png');
    // The user's phone shows the conversation.
    const chat = h.emulator.getChat(BILAL, { phoneNumberId: pn });
    expect(chat.messages.filter((m) => m.from === 'user').length).toBe(inputs.length);
    expect(chat.messages.find((m) => m.id === interactive.body.messages[0].id)?.reactions).toEqual(['user:\u{1F44D}']);
  });

  it('scripted replies: Asha answers buttons, lists, product lists, flows and templates by herself', async () => {
    h.emulator.userSends(ASHA, { type: 'text', text: 'hi', phone_number_id: h.number.phone_number_id });
    await h.emulator.drain();
    const before = h.sink.messages().length;
    const sends = [
      { type: 'interactive', interactive: { type: 'button', body: { text: 'Confirm?' }, action: { buttons: [{ type: 'reply', reply: { id: 'ok', title: 'OK' } }] } } },
      { type: 'interactive', interactive: { type: 'list', body: { text: 'Pick' }, action: { button: 'Go', sections: [{ rows: [{ id: 'r1', title: 'One' }] }] } } },
      { type: 'interactive', interactive: { type: 'product_list', header: { type: 'text', text: 'Shop' }, body: { text: 'Items' }, action: { catalog_id: 'CAT', sections: [{ title: 'A', product_items: [{ product_retailer_id: 'SKU9' }] }] } } },
      { type: 'interactive', interactive: { type: 'flow', body: { text: 'Book' }, action: { name: 'flow', parameters: { flow_message_version: '3', flow_token: 'FT', flow_name: 'book', flow_cta: 'Book' } } } },
      { type: 'text', text: { body: 'How are you?' } },
    ];
    const ids: string[] = [];
    for (const s of sends) ids.push((await h.send({ to: ASHA, ...s })).body.messages[0].id);
    await h.emulator.drain();
    for (let i = 0; i < 5; i++) await h.advance(1000);
    const replies = h.sink.messages().slice(before).filter((m) => m.from === ASHA);
    const to = (id: string) => replies.find((m) => m.context?.id === id);
    expect(to(ids[0]!).interactive.button_reply).toEqual({ id: 'ok', title: 'OK' });
    expect(to(ids[1]!).interactive.list_reply).toEqual({ id: 'r1', title: 'One' });
    expect(to(ids[2]!).order).toMatchObject({ catalog_id: 'CAT', product_items: [{ product_retailer_id: 'SKU9', quantity: 1 }] });
    expect(JSON.parse(to(ids[3]!).interactive.nfm_reply.response_json).flow_token).toBe('FT');
    expect(replies.some((m) => m.type === 'text' && m.text.body === 'Thanks! \u{1F44D}')).toBe(true);
  });

  it('the slow-network customer is delivered after 30 s and read after 2 minutes', async () => {
    h.emulator.userSends(ESHA, { type: 'text', text: 'hi', phone_number_id: h.number.phone_number_id });
    const r = await h.send({ to: ESHA, type: 'text', text: { body: 'Hello Esha' } });
    const id = r.body.messages[0].id;
    await h.advance(29_000);
    expect(h.sink.statuses().filter((s) => s.id === id).map((s) => s.status)).toEqual(['sent']);
    await h.advance(1000);
    expect(h.sink.statuses().filter((s) => s.id === id).map((s) => s.status)).toEqual(['sent', 'delivered']);
    await h.advance(120_000);
    expect(h.sink.statuses().filter((s) => s.id === id).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('changes quality and tier with webhooks, and triggers template outcomes', async () => {
    const q = await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { quality_rating: 'RED', tier: 'TIER_10K' });
    expect(q.body).toMatchObject({ quality_rating: 'RED', messaging_limit_tier: 'TIER_10K' });
    await h.emulator.drain();
    const upd = h.sink.changes('phone_number_quality_update');
    expect(upd.some((v) => v.event === 'FLAGGED')).toBe(true);
    expect(upd.some((v) => v.event === 'UPGRADE' && v.max_daily_conversations_per_business === 'TIER_10K' && v.old_limit === 'TIER_250')).toBe(true);
    const g = await h.graphCall('GET', `/${h.number.phone_number_id}?fields=quality_rating`);
    expect(g.body.quality_rating).toBe('RED');
    const tpls = await h.control('GET', `/templates?waba_id=${h.number.waba_id}`);
    const hw = tpls.body.data.find((t: any) => t.name === 'hello_world');
    const ev = await h.control('POST', `/templates/${hw.id}/events`, { event: 'REJECTED', reason: 'SCAM' });
    expect(ev.body.status).toBe('REJECTED');
  });

  it('moves the clock only when it is movable, and answers control errors in Meta\'s envelope', async () => {
    const before = h.clock.nowMs();
    const r = await h.control('POST', '/clock/advance', { hours: 25 });
    expect(r.status).toBe(200);
    expect(h.clock.nowMs() - before).toBe(25 * 3_600_000);
    const bad = await h.control('POST', '/users', { profile_name: 'no wa_id' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe(100);
    const sys = createEmulator({ clock: createClock(), logger: silentLogger(), storePath: ':memory:' });
    const app = Fastify();
    await app.register(sys.plugin);
    const res = await app.inject({ method: 'POST', url: '/emulator/clock/advance', payload: { hours: 1 } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe(10);
    await app.close();
    await sys.close();
  });

  it('refuses control routes from non-loopback addresses when loopback-only', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/emulator/users', remoteAddress: '10.1.2.3' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe(10);
    const s = await h.app.inject({ method: 'GET', url: '/emulator/samples/sample.png', remoteAddress: '10.1.2.3' });
    expect(s.statusCode).toBe(200);
    expect(s.headers['content-type']).toBe('image/png');
  });
});
