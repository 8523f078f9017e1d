import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNumberCredentials, PROCESS_WEBHOOK_JOB } from '../../src/channels/whatsapp/index.ts';
import { storeSyncedTemplates } from '../../src/templates/index.ts';
import { waitFor } from '../../src/platform/queue/test-helpers.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

let app: TestApp;
let appSecret: string;
let phoneNumberId: string;
let verifyToken: string;

beforeAll(async () => {
  app = await startTestApp();
  const em = app.emulator!.defaultNumber()!;
  appSecret = em.app_secret;
  phoneNumberId = em.phone_number_id;
  const row = await app.context.database.db.selectFrom('business_numbers').select('verify_token_enc').where('phone_number_id', '=', phoneNumberId).executeTakeFirstOrThrow();
  verifyToken = app.context.whatsapp.secrets.open(row.verify_token_enc, 'business_numbers.verify_token');
});
afterAll(async () => {
  await app?.destroy();
});

const db = () => app.context.database.db;
const sign = (body: string | Buffer, secret = appSecret) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = (body: string, signature?: string) =>
  fetch(`${app.url}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) }, body });
const rawCount = async () => Number((await db().selectFrom('raw_webhooks').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const inboundRows = (wamid: string) => db().selectFrom('messages').select(['id', 'content', 'type']).where('wamid', '=', wamid).where('direction', '=', 'inbound').execute();
async function allProcessed() {
  await waitFor(async () => (await db().selectFrom('raw_webhooks').select('id').where('processed_at', 'is', null).execute()).length === 0, 'raw webhooks processed');
}
const statusBody = (wamid: string) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: app.emulator!.defaultNumber()!.waba_id, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '919000000001', phone_number_id: phoneNumberId }, statuses: [{ id: wamid, status: 'delivered', timestamp: '1750030073', recipient_id: '919800000001' }] } }] }],
  });

describe('webhook handshake (GET)', () => {
  it('echoes hub.challenge as text/plain for a connected number\'s verify token', async () => {
    const res = await fetch(`${app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(verifyToken)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it('refuses a wrong token or mode with 403', async () => {
    expect((await fetch(`${app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong`)).status).toBe(403);
    expect((await fetch(`${app.url}/webhooks/whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${encodeURIComponent(verifyToken)}`)).status).toBe(403);
  });
});

describe('webhook delivery (POST)', () => {
  it('a missing or wrong signature is 401 and stores nothing', async () => {
    const before = await rawCount();
    const body = statusBody('wamid.nobody');
    expect((await post(body)).status).toBe(401);
    expect((await post(body, sign(body, 'not-the-app-secret'))).status).toBe(401);
    expect((await post(body, sign(`${body} `))).status).toBe(401);
    expect(await rawCount()).toBe(before);
  });

  it('a body naming no connected number is 401', async () => {
    const body = statusBody('wamid.x').replace(phoneNumberId, '999999999');
    expect((await post(body, sign(body))).status).toBe(401);
  });

  it('a signed body is stored raw, acknowledged with 200 and processed', async () => {
    const body = statusBody('wamid.unknown-to-samvad');
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    const row = await db().selectFrom('raw_webhooks').selectAll().orderBy('received_at', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(row.body).toBe(body);
    await allProcessed();
  });

  it('bodies over the JSON limit (32 KB) but under 3 MB are accepted on this route', async () => {
    const padding = 'x'.repeat(100_000);
    const body = JSON.stringify({ ...JSON.parse(statusBody('wamid.big')), padding });
    expect((await post(body, sign(body))).status).toBe(200);
    await allProcessed();
  });

  it('an inbound text from a virtual customer arrives, is processed once, and a duplicate delivery changes nothing', async () => {
    const { id: wamid } = app.emulator!.userSends('919800000002', { type: 'text', text: 'hello from Bilal' });
    await waitFor(async () => (await inboundRows(wamid)).length === 1, 'inbound message recorded');
    await allProcessed();
    // Meta retries: deliver the same bytes again.
    const raw = await db().selectFrom('raw_webhooks').select(['body']).where('body', 'like', `%${wamid}%`).executeTakeFirstOrThrow();
    expect((await post(raw.body, sign(raw.body))).status).toBe(200);
    await allProcessed();
    expect(await inboundRows(wamid)).toHaveLength(1);
  });

  it('inbound media is downloaded once, kept, and served by a signed URL that expires', async () => {
    const png = readFileSync(new URL('../../src/emulator/samples/sample.png', import.meta.url));
    const { id: wamid } = app.emulator!.userSends('919800000002', { type: 'image', sample: 'sample.png', caption: 'look' });
    await waitFor(async () => (await inboundRows(wamid)).length === 1, 'inbound image recorded');
    await allProcessed();
    const media = await db().selectFrom('whatsapp_media').selectAll().execute();
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ mime_type: 'image/png', size_bytes: png.length });

    // Duplicate delivery, and a forced re-run of the processing job: still one stored copy.
    const raw = await db().selectFrom('raw_webhooks').select(['id', 'body']).where('body', 'like', `%${wamid}%`).executeTakeFirstOrThrow();
    expect((await post(raw.body, sign(raw.body))).status).toBe(200);
    await app.context.database.transaction(async (tx) => {
      await tx.db.updateTable('raw_webhooks').set({ processed_at: null }).where('id', '=', raw.id).execute();
      await app.context.queue.enqueue(tx, { kind: PROCESS_WEBHOOK_JOB, payload: { rawWebhookId: raw.id } });
    });
    await allProcessed();
    expect(await db().selectFrom('whatsapp_media').selectAll().execute()).toHaveLength(1);
    expect(await inboundRows(wamid)).toHaveLength(1);

    const key = media[0]!.stored_key;
    const { mediaUrls } = app.context.whatsapp;
    const url = mediaUrls.url(app.url, key, app.context.clock.nowMs(), 60_000);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.compare(Buffer.from(await ok.arrayBuffer()), png)).toBe(0);
    expect((await fetch(url.replace(/sig=[^&]+/, 'sig=AAAA'))).status).toBe(403);
    expect((await fetch(url.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 1000}`))).status).toBe(403);
    expect((await fetch(`${app.url}/media/${key}`)).status).toBe(403);
    app.context.clock.advance(61_000);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it('a quality webhook updates the number', async () => {
    const res = await fetch(`${app.url}/emulator/numbers/${phoneNumberId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quality_rating: 'RED' }) });
    expect(res.status).toBe(200);
    await waitFor(
      async () => (await db().selectFrom('business_numbers').select('quality_rating').where('phone_number_id', '=', phoneNumberId).executeTakeFirstOrThrow()).quality_rating === 'RED',
      'quality rating RED',
    );
    await allProcessed();
  });

  it('a template status webhook updates the stored template (through templates.applyTemplateStatus)', async () => {
    const n = await db().selectFrom('business_numbers').selectAll().where('phone_number_id', '=', phoneNumberId).executeTakeFirstOrThrow();
    const creds = await getNumberCredentials(app.context.database, app.context.whatsapp.secrets, n.workspace_id, n.id);
    const listed = await app.context.whatsapp.channel.listTemplates(creds);
    await storeSyncedTemplates(app.context.database, app.context.clock, n.workspace_id, n.waba_id, listed);
    const hello = listed.find((t) => t.name === 'hello_world')!;
    const res = await fetch(`${app.url}/emulator/templates/${hello.id}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'PAUSED' }) });
    expect(res.status).toBe(200);
    const status = async () => (await db().selectFrom('templates').select('status').where('provider_template_id', '=', hello.id).executeTakeFirstOrThrow()).status;
    await waitFor(async () => (await status()) === 'PAUSED', 'template PAUSED');
    await allProcessed();
  });
});
