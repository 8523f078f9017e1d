import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optOutOfMarketing } from '../../src/contacts/index.ts';
import { OPTED_OUT_MESSAGE } from '../../src/contacts/opt-out/marketing-opt.ts';
import { recordInboundMessages } from '../../src/messaging/inbound/record-inbound-messages.ts';
import { newId } from '../../src/platform/ids.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { prepareSending, type SendFixture } from '../send/helpers.ts';
import { caller } from './helpers.ts';

describe('opt-out / opt-in and erasure', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  let fx: SendFixture;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
    fx = await prepareSending(app);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const inbound = (from: string, body: string) =>
    recordInboundMessages(app.context.database, app.context.clock, {
      workspaceId: fx.workspaceId,
      numberId: fx.numberId,
      messages: [{ wamid: `wamid.${newId()}`, from, profileName: 'Ravi', occurredAt: app.context.clock.nowMs(), type: 'text', content: { text: { body } }, contextWamid: null, referral: null, media: null }],
    });
  const contact = async (phone: string) => (await api.call('GET', `/v1/public/apis/users/phone_number/${phone.slice(2)}`)).body.data.customers[0];
  const waitFor = async <T>(fn: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const v = await fn();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('timed out waiting');
  };
  const outboundTexts = async (contactId: string) =>
    (await app.context.database.db.selectFrom('messages').select(['content']).where('contact_id', '=', contactId).where('direction', '=', 'outbound').where('type', '=', 'text').execute()).map((m) => (JSON.parse(m.content) as { text: { body: string } }).text.body);

  it('STOP opts out with a timeline event and a confirmation sent as a session text; marketing refused, utility still goes; START opts back in', async () => {
    const phone = '919876530001';
    await inbound(phone, '  stop ');
    const c = await contact(phone);
    expect(c.traits.whatsapp_opted_in).toBe(false);
    const texts = await waitFor(async () => {
      const t = await outboundTexts(c.id);
      return t.length ? t : undefined;
    });
    expect(texts).toEqual(['You will no longer receive marketing messages from us. Reply START to subscribe again.']);
    const timeline = (await api.call('GET', `/api/v1/contacts/${c.id}/timeline`)).body.items;
    expect(timeline.find((x: { kind: string; name?: string }) => x.kind === 'event' && x.name === 'WhatsApp Opted Out')).toMatchObject({ properties: { reason: 'keyword', keyword: '  stop ' } });

    const marketing = await api.call('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Template', template: { name: 'summer_sale', languageCode: 'en', headerValues: ['https://cdn.example.com/a.png'], bodyValues: ['Ravi', '25'], buttonValues: { '0': ['SALE25'] } } });
    expect(marketing.status).toBe(400);
    expect(marketing.body).toEqual({ result: false, message: OPTED_OUT_MESSAGE });
    const utility = await api.call('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Template', template: { name: 'payment_confirmation', languageCode: 'en', bodyValues: ['500'] } });
    expect(utility.status).toBe(201);
    const auth = await api.call('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Template', template: { name: 'login_otp', languageCode: 'en', bodyValues: ['123456'], buttonValues: { '0': ['123456'] } } });
    expect(auth.status, JSON.stringify(auth.body)).toBe(201);

    // A repeated STOP changes nothing and sends no second confirmation.
    await inbound(phone, 'STOP');
    await inbound(phone, 'START');
    expect((await contact(phone)).traits.whatsapp_opted_in).toBe(true);
    const events = (await api.call('GET', `/api/v1/contacts/${c.id}/timeline`)).body.items.filter((x: { kind: string }) => x.kind === 'event').map((x: { name: string }) => x.name);
    expect(events).toEqual(['WhatsApp Opted In', 'WhatsApp Opted Out']);
  });

  it('configurable keywords in any language, and no confirmation when it is set to ""', async () => {
    const put = await api.call('PUT', '/api/v1/contacts/opt-settings', { stopKeywords: ['रोको', 'BAND KARO'], stopReply: '' });
    expect(put.status).toBe(200);
    const phone = '919876530002';
    await inbound(phone, 'STOP');
    expect((await contact(phone)).traits.whatsapp_opted_in).toBeUndefined();
    await inbound(phone, 'band  karo');
    const c = await contact(phone);
    expect(c.traits.whatsapp_opted_in).toBe(false);
    await inbound('919876530003', 'रोको');
    expect((await contact('919876530003')).traits.whatsapp_opted_in).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await outboundTexts(c.id)).toEqual([]);
    expect((await api.call('PUT', '/api/v1/contacts/opt-settings', { startKeywords: ['रोको'] })).status).toBe(400);
  });

  it("Meta's 131050 path (optOutOfMarketing) and whatsapp_opted_in on track users are opt changes on the timeline", async () => {
    await api.trackUser({ fullPhoneNumber: '919876530004', traits: { whatsapp_opted_in: true } });
    const c = await contact('919876530004');
    expect(c.traits.whatsapp_opted_in).toBe(true);
    const changed = await app.context.database.transaction((tx) => optOutOfMarketing(tx, fx.workspaceId, c.id, 'meta_131050', app.context.clock.nowMs()));
    expect(changed).toBe(true);
    const again = await app.context.database.transaction((tx) => optOutOfMarketing(tx, fx.workspaceId, c.id, 'meta_131050', app.context.clock.nowMs()));
    expect(again).toBe(false);
    const one = (await api.call('GET', `/api/v1/contacts/${c.id}`)).body;
    expect(one.contact.marketingOptOut).toMatchObject({ reason: 'meta_131050' });
    expect(one.timeline.items.filter((x: { kind: string }) => x.kind === 'event').map((x: { name: string; properties: { reason: string } }) => `${x.name}:${x.properties.reason}`)).toEqual(['WhatsApp Opted Out:meta_131050', 'WhatsApp Opted In:api']);
  });

  it('erasing a contact removes its personal data from every store and keeps anonymous counts', async () => {
    const phone = '919876530005';
    await api.trackUser({ fullPhoneNumber: phone, userId: 'erase-me', traits: { name: 'Erin', email: 'erin@example.com' }, tags: ['gone'] });
    await api.trackEvent({ fullPhoneNumber: phone, event: 'Order Placed', traits: { address: '12 MG Road' } });
    await inbound(phone, 'my address is 12 MG Road');
    const c = await contact(phone);
    const db = app.context.database.db;
    const now = app.context.clock.nowMs();
    // A raw provider webhook naming the customer, a media row of one of their messages, and an idempotency answer.
    await app.context.database.transaction(async (tx) => {
      await tx.db.insertInto('raw_webhooks').values({ id: newId(now), number_id: fx.numberId, workspace_id: fx.workspaceId, received_at: now, body: `{"from":"${phone}","text":{"body":"12 MG Road"}}`, processed_at: now, verified_number_ids: null } as never).execute();
      const key = `${fx.workspaceId}/20250101/abcdefghijklmnop1234`;
      await tx.db.insertInto('whatsapp_media').values({ id: newId(now), workspace_id: fx.workspaceId, number_id: fx.numberId, media_id: 'm-erase', stored_key: key, mime_type: 'image/jpeg', sha256: null, size_bytes: 3, created_at: now }).execute();
      await tx.db.updateTable('messages').set({ content: JSON.stringify({ type: 'image', image: { caption: '12 MG Road' }, media: { storedKey: key } }) }).where('contact_id', '=', c.id).where('direction', '=', 'inbound').execute();
    });
    const sent = await api.call('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Text', data: { message: 'your order to 12 MG Road' } }, { 'idempotency-key': 'erase-key-1' });
    expect(sent.status).toBe(201);
    const messagesBefore = Number((await db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('contact_id', '=', c.id).executeTakeFirstOrThrow()).n);

    const del = await api.call('DELETE', `/api/v1/contacts/${c.id}`);
    expect(del.status).toBe(200);
    expect(del.body.stores).toEqual(expect.arrayContaining(['messages', 'raw_webhooks', 'whatsapp_media', 'idempotency_keys', 'contacts']));

    expect((await api.call('GET', `/api/v1/contacts/${c.id}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/public/apis/users/phone_number/${phone.slice(2)}`)).status).toBe(404);
    const dump = JSON.stringify({
      contacts: await db.selectFrom('contacts').selectAll().where('id', '=', c.id).execute(),
      traits: await db.selectFrom('contact_traits').selectAll().where('contact_id', '=', c.id).execute(),
      tags: await db.selectFrom('contact_tags').selectAll().where('contact_id', '=', c.id).execute(),
      events: await db.selectFrom('contact_events').selectAll().where('contact_id', '=', c.id).execute(),
      messages: await db.selectFrom('messages').selectAll().where('contact_id', '=', c.id).execute(),
      raw: await db.selectFrom('raw_webhooks').selectAll().execute(),
      media: await db.selectFrom('whatsapp_media').selectAll().where('media_id', '=', 'm-erase').execute(),
      idem: await db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'erase-key-1').execute(),
    });
    for (const secret of [phone, '9876530005', 'Erin', 'erin@example.com', 'erase-me', 'MG Road', 'm-erase', 'erase-key-1']) expect(dump, secret).not.toContain(secret);
    // Anonymous counts stay: the messages and the event rows remain.
    expect(Number((await db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('contact_id', '=', c.id).executeTakeFirstOrThrow()).n)).toBe(messagesBefore);
    expect((await db.selectFrom('contact_events').select('name').where('contact_id', '=', c.id).execute()).map((e) => e.name)).toContain('Order Placed');
    // The phone can become a new contact.
    expect((await api.trackUser({ fullPhoneNumber: phone })).status).toBe(202);
  });
});
