import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickTarget } from '../../src/campaigns/clicks/tracked-values.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { createEndpointViaApi, startReceiver, type Receiver } from '../webhooks/helpers.ts';
import { api, waitFor } from './helpers.ts';

const NAIVE_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const CLICK_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;

/**
 * Click tracking of a template's URL button (issue 7, item 4), end to end against the emulator: a
 * tracked template created through the native API (its button URL SAMVAD_PUBLIC_URL/r/{{1}}, the
 * brand's link stored with it), approved by the emulator's review, sent through Interakt's API and
 * by a campaign; the phone's button URL carries the signed token; /r/{token} redirects, records
 * the click and emits the click webhook to a local receiver, checked field by field.
 */
describe('tracked template links', () => {
  let app: TestApp;
  let rx: Receiver;
  let templateId: string;
  let apiToken: string;
  let apiMessageId: string;
  const db = () => app.context.database.db;
  const events = (type: string) => rx.received.map((r) => ({ ...r, json: JSON.parse(r.body) as { version: string; type: string; timestamp: string; data: any } })).filter((r) => r.json.type === type);
  const open = (token: string) => fetch(`${app.url}/r/${token}`, { redirect: 'manual' });
  /** The URL the customer's phone opens for a button: the emulator's hydrated copy of what Meta received. */
  const phoneButtonUrl = async (messageId: string, index: number) => {
    const m = await waitFor(
      () => db().selectFrom('messages').select(['wamid']).where('id', '=', messageId).executeTakeFirstOrThrow(),
      (r) => r.wamid !== null,
    );
    const res = await fetch(`${app.url}/emulator/messages/${encodeURIComponent(m.wamid!)}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { body: { hydrated: { buttons: { url?: string }[] } } }).body.hydrated.buttons[index]!.url!;
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    rx = await startReceiver('click-secret-123');
    expect((await createEndpointViaApi(app, { url: rx.url, secret: 'click-secret-123' })).status).toBe(201);
  });
  afterAll(async () => {
    await rx?.close();
    await app?.destroy();
  });

  it('creates a tracked template: the button URL is SAMVAD_PUBLIC_URL/r/{{1}}, the brand link is kept with the template', async () => {
    const bad = await api(app, 'POST', '/api/v1/templates', {
      name: 'order_tracking',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}, your order ships today.', example: { body_text: [['Asha']] } }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Thanks' }, { type: 'URL', text: 'Track order', url: 'https://brand.example/orders/' }] }],
      trackedLinks: { '0': 'https://brand.example/orders/', '1': 'ftp://nope' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'trackedLinks.0', message: 'must name a URL button of the template by its index in the BUTTONS component (from 0)' },
        { field: 'trackedLinks.1', message: 'must be the http(s) link (≤2000 characters) the tracked button redirects to' },
      ]),
    );

    const created = await api(app, 'POST', '/api/v1/templates', {
      name: 'order_tracking',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}, your order ships today.', example: { body_text: [['Asha']] } }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Thanks' }, { type: 'URL', text: 'Track order', url: 'https://brand.example/orders/' }] }],
      trackedLinks: { '1': 'https://brand.example/orders/' },
    });
    expect(created.status).toBe(201);
    templateId = created.body.id;
    const publicUrl = app.config.publicUrl;
    expect(created.body.components[1].buttons[1]).toMatchObject({ type: 'URL', text: 'Track order', url: `${publicUrl}/r/{{1}}` });
    expect(created.body.trackedLinks).toEqual({ '1': 'https://brand.example/orders/' });
    // What Meta (the emulator) holds is the tracked URL, not the brand's.
    const wabaId = created.body.wabaId as string;
    const inMeta = ((await (await fetch(`${app.url}/emulator/templates?waba_id=${wabaId}`)).json()) as { data: { name: string; components: any[] }[] }).data.find((t) => t.name === 'order_tracking')!;
    expect(JSON.stringify(inMeta.components)).toContain(`${publicUrl}/r/{{1}}`);
    expect(JSON.stringify(inMeta.components)).not.toContain('brand.example');
    await fetch(`${app.url}/emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 11 }) });
    await waitFor(async () => (await api(app, 'GET', `/api/v1/templates/${templateId}`)).body.status, (s) => s === 'APPROVED', 15_000);
  });

  it('an API send carries a signed token the sender did not supply; /r/{token} redirects, records every open and emits message_api_clicked in the CTA shape', async () => {
    const phone = '919811100001';
    const sent = await api(app, 'POST', '/v1/public/message/', {
      fullPhoneNumber: phone,
      callbackData: 'order-7',
      type: 'Template',
      // The sender's value for the tracked button is the suffix of the brand's link.
      template: { name: 'order_tracking', languageCode: 'en', bodyValues: ['Asha'], buttonValues: { '1': ['A1042?ref=wa'] } },
    });
    expect(sent.status).toBe(201);
    apiMessageId = sent.body.id;
    const url = await phoneButtonUrl(apiMessageId, 1);
    expect(url.startsWith(`${app.config.publicUrl}/r/`)).toBe(true);
    apiToken = url.slice(`${app.config.publicUrl}/r/`.length);
    expect(apiToken).toMatch(/^[0-9a-f]{32}1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(apiToken.startsWith(apiMessageId.replace(/-/g, ''))).toBe(true);

    const first = await open(apiToken);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('https://brand.example/orders/A1042?ref=wa');
    expect((await open(apiToken)).status).toBe(302);
    const clicks = await db().selectFrom('campaign_clicks').select(['kind', 'button_index', 'button_text', 'link', 'campaign_id']).where('message_id', '=', apiMessageId).execute();
    expect(clicks).toEqual([
      { kind: 'CTA', button_index: 1, button_text: 'Track order', link: 'https://brand.example/orders/A1042?ref=wa', campaign_id: null },
      { kind: 'CTA', button_index: 1, button_text: 'Track order', link: 'https://brand.example/orders/A1042?ref=wa', campaign_id: null },
    ]);

    await waitFor(async () => events('message_api_clicked').length, (n) => n === 2, 20_000);
    const [e] = events('message_api_clicked');
    expect(e!.interaktSignatureValid).toBe(true);
    const body = e!.json;
    expect(Object.keys(body)).toEqual(['version', 'timestamp', 'type', 'data']);
    expect(body.version).toBe('1.0');
    expect(body.timestamp).toMatch(NAIVE_UTC);
    expect(Object.keys(body.data)).toEqual(['customer', 'message', 'event']);
    expect(body.data.customer).toMatchObject({ channel_phone_number: phone, phone_number: '9811100001', country_code: '+91' });
    expect(body.data.message).toMatchObject({
      id: apiMessageId,
      chat_message_type: 'PublicApiMessage',
      campaign_id: null,
      is_template_message: true,
      message_content_type: 'Template',
      meta_data: { source: 'PublicInterakt', source_data: { callback_data: 'order-7' } },
    });
    expect(JSON.parse(body.data.message.raw_template)).toMatchObject({ name: 'order_tracking', language: 'en' });
    // The message as sent: the button component carries the token (Interakt's sample carries its JWT there).
    expect(JSON.parse(body.data.message.message)).toEqual(expect.arrayContaining([{ type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: apiToken }] }]));
    // The quick-reply shape's fields are not in the message's meta_data for a CTA click.
    expect(body.data.message.meta_data.click_type).toBeUndefined();
    expect(body.data.event).toEqual({ callbackData: 'order-7', click_type: 'CTA', button_text: 'Track order', button_link: 'https://brand.example/orders/A1042?ref=wa', click_timestamp: expect.stringMatching(CLICK_TIME) });
  });

  it('a campaign send of the tracked template: the click counts once per message in the campaign and emits message_campaign_clicked', async () => {
    const phone = '919811100002';
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'ship', templateName: 'order_tracking', languageCode: 'en', audience: { phones: [phone] }, variables: { body: [{ trait: 'name', fallback: 'there' }] }, startAt: 'now' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const msg = await waitFor(() => db().selectFrom('messages').select(['id']).where('campaign_id', '=', id).execute(), (r) => r.length === 1);
    const messageId = msg[0]!.id;
    const url = await phoneButtonUrl(messageId, 1);
    const token = url.slice(`${app.config.publicUrl}/r/`.length);
    expect(token).toMatch(/^[0-9a-f]{32}1\.[A-Za-z0-9_-]{22}$/);
    for (let i = 0; i < 3; i++) {
      const r = await open(token);
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe('https://brand.example/orders/');
    }
    const view = await waitFor(() => api(app, 'GET', `/api/v1/campaigns/${id}`), (v) => v.body.progress.clicked === 1);
    expect(view.body.progress.clicked).toBe(1);

    await waitFor(async () => events('message_campaign_clicked').length, (n) => n === 3, 20_000);
    const body = events('message_campaign_clicked')[0]!.json;
    expect(Object.keys(body.data)).toEqual(['customer', 'message', 'event']);
    expect(body.data.customer).toMatchObject({ channel_phone_number: phone });
    expect(body.data.message).toMatchObject({ id: messageId, campaign_id: id, chat_message_type: 'CampaignMessage', is_template_message: true });
    expect(body.data.event).toEqual({ callbackData: null, click_type: 'CTA', button_text: 'Track order', button_link: 'https://brand.example/orders/', click_timestamp: expect.stringMatching(CLICK_TIME) });
    // No API click event for a campaign's message.
    expect(events('message_api_clicked').every((e) => e.json.data.message.id !== messageId)).toBe(true);
  });

  it('an agent starting a conversation from the inbox with the tracked template sends a live token too', async () => {
    const phone = '919811100003';
    const res = await api(app, 'POST', '/api/v1/inbox/conversations', { phone: `+${phone}`, template: { name: 'order_tracking', languageCode: 'en', bodyValues: ['Ravi'] } });
    expect(res.status).toBe(201);
    const url = await phoneButtonUrl(res.body.id as string, 1);
    expect(url.startsWith(`${app.config.publicUrl}/r/`)).toBe(true);
    const token = url.slice(`${app.config.publicUrl}/r/`.length);
    expect(token.startsWith((res.body.id as string).replace(/-/g, ''))).toBe(true);
    const r = await open(token);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://brand.example/orders/');
  });

  it("changing the template's link redirects later clicks of sent messages there; a link on a button not ending in /r/{{1}} is refused", async () => {
    const refused = await api(app, 'PUT', `/api/v1/templates/${templateId}/tracked-links`, { trackedLinks: { '0': 'https://brand.example/x' } });
    expect(refused.status).toBe(400);
    const changed = await api(app, 'PUT', `/api/v1/templates/${templateId}/tracked-links`, { trackedLinks: { '1': 'https://brand.example/o2/' } });
    expect(changed.status).toBe(200);
    expect(changed.body.trackedLinks).toEqual({ '1': 'https://brand.example/o2/' });
    const r = await open(apiToken);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://brand.example/o2/A1042?ref=wa');
  });

  it('forged, unknown and expired tokens answer 404 and record nothing; a suffix never leaves the link\'s site', async () => {
    const before = (await db().selectFrom('campaign_clicks').select('id').execute()).length;
    const forged = `${apiToken.slice(0, -2)}${apiToken.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await open(forged)).status).toBe(404);
    // Someone else's message id with a valid-looking shape.
    expect((await open(`${randomUUID().replace(/-/g, '')}1.${apiToken.split('.').at(-1)}`)).status).toBe(404);
    // Correctly signed, but no such message.
    expect((await open(app.context.campaigns!.tokens.sign(randomUUID(), 1))).status).toBe(404);
    // Signed for a button that is not tracked.
    expect((await open(app.context.campaigns!.tokens.sign(apiMessageId, 0))).status).toBe(404);
    // Expired: 30 days after the send (Interakt's token expiry).
    app.context.clock.advance(31 * 86_400_000);
    const expired = await open(apiToken);
    expect(expired.status).toBe(404);
    expect(expired.headers.get('location')).toBeNull();
    expect((await db().selectFrom('campaign_clicks').select('id').execute()).length).toBe(before);

    expect(clickTarget('https://brand.example', '@evil.example/')).toBeNull();
    expect(clickTarget('https://brand.example/p?', 'id=1')).toBe('https://brand.example/p?id=1');
    const offSite = await api(app, 'POST', '/v1/public/message/', { fullPhoneNumber: '919811100003', type: 'Template', template: { name: 'order_tracking', languageCode: 'en', bodyValues: ['A'], buttonValues: { '1': ['x'.repeat(1001)] } } });
    expect(offSite.status).toBe(400);
    expect(offSite.body.message).toMatch(/^template\.buttonValues\.1\[0\] is appended to the tracked button's link/);
  });
});
