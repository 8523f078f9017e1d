import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNumberCredentials } from '../../src/channels/whatsapp/index.ts';
import { recordInboundMessages } from '../../src/messaging/inbound/index.ts';
import { newId } from '../../src/platform/ids.ts';
import { TEST_ADMIN_TOKEN, type TestApp } from '../helpers/start-test-app.ts';
import { keyWithRole, startAppWithOwner, type Session } from '../people/helpers.ts';
import { prepareSending, type SendFixture } from '../send/helpers.ts';

const PNG = readFileSync(new URL('../../src/emulator/samples/sample.png', import.meta.url));
const PDF = readFileSync(new URL('../../src/emulator/samples/sample.pdf', import.meta.url));

describe("inbox: a received message's media on Samvad's own URL", () => {
  let app: TestApp;
  let owner: Session;
  let fx: SendFixture;

  beforeAll(async () => {
    ({ app, owner } = await startAppWithOwner());
    fx = await prepareSending(app);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  /** A customer's media message as inbound processing records it; `storedKey` when its download succeeded. */
  async function receive(type: 'image' | 'document' | 'text', object: Record<string, unknown>, storedKey?: string): Promise<string> {
    const wamid = `wamid.${newId()}`;
    const media = storedKey ? { mediaId: String(object.id), storedKey, mimeType: String(object.mime_type) } : null;
    await recordInboundMessages(app.context.database, app.context.clock, {
      workspaceId: fx.workspaceId,
      numberId: fx.numberId,
      messages: [{ wamid, from: '919876500001', profileName: 'Riya', occurredAt: app.context.clock.nowMs(), type, content: { [type]: object }, contextWamid: null, referral: null, media }],
    });
    const row = await app.context.database.db.selectFrom('messages').select('id').where('wamid', '=', wamid).executeTakeFirstOrThrow();
    return row.id;
  }
  /** Uploads a file to the emulator as a customer's phone would have; returns Meta's media id. */
  async function uploadToProvider(bytes: Buffer, mimeType: string): Promise<string> {
    const creds = await getNumberCredentials(app.context.database, app.context.whatsapp.secrets, fx.workspaceId, fx.numberId);
    return (await app.context.whatsapp.channel.uploadMedia(creds, { bytes, mimeType })).id;
  }
  const get = (url: string, headers: Record<string, string>) => app.http!.inject({ method: 'GET', url, headers });

  it('redirects a signed-in user to the kept copy on the signed /media URL the webhooks use', async () => {
    const key = await app.context.whatsapp.media.put(fx.workspaceId, PNG, 'image/png', app.context.clock.nowMs());
    const id = await receive('image', { id: 'media-kept-1', mime_type: 'image/png', caption: 'my order' }, key);
    const res = await get(`/api/v1/inbox/messages/${id}/media`, owner.read);
    expect(res.statusCode).toBe(302);
    const location = res.headers.location as string;
    expect(location).toMatch(new RegExp(`^/media/${key}\\?exp=\\d+&sig=`));
    const file = await get(location, {});
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(file.rawPayload, PNG)).toBe(0);
    // An agent's API key may read it too; no credentials may not.
    expect((await get(`/api/v1/inbox/messages/${id}/media`, await keyWithRole(app, 'agent'))).statusCode).toBe(302);
    expect((await get(`/api/v1/inbox/messages/${id}/media`, {})).statusCode).toBe(401);
    // Another workspace's key does not see it.
    const other = await app.http!.inject({ method: 'POST', url: '/api/v1/admin/workspaces', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { name: 'Other brand' } });
    expect(other.statusCode).toBe(201);
    const foreign = await get(`/api/v1/inbox/messages/${id}/media`, { authorization: `Basic ${other.json().apiKey.key}` });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.headers.location).toBeUndefined();
  });

  it('fetches media that was never kept through the adapter (the emulator here), keeps it once, and again after the copy is pruned', async () => {
    const mediaId = await uploadToProvider(PDF, 'application/pdf');
    const id = await receive('document', { id: mediaId, mime_type: 'application/pdf', filename: 'invoice.pdf' });
    const first = await get(`/api/v1/inbox/messages/${id}/media`, owner.read);
    expect(first.statusCode).toBe(302);
    const file = await get(first.headers.location as string, {});
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(file.rawPayload, PDF)).toBe(0);
    const rows = () => app.context.database.db.selectFrom('whatsapp_media').select(['stored_key']).where('media_id', '=', mediaId).execute();
    const [kept] = await rows();
    expect(first.headers.location).toContain(`/media/${kept!.stored_key}?`);

    // Asked again: the kept copy, not a second download (a download would store under a new key).
    const second = await get(`/api/v1/inbox/messages/${id}/media`, owner.read);
    expect(second.headers.location).toContain(`/media/${kept!.stored_key}?`);
    expect(await rows()).toHaveLength(1);

    // The copy is pruned: the next request downloads it again and points the index at the new copy.
    await app.context.whatsapp.media.delete(kept!.stored_key);
    const third = await get(`/api/v1/inbox/messages/${id}/media`, owner.read);
    expect(third.statusCode).toBe(302);
    const [again] = await rows();
    expect(again!.stored_key).not.toBe(kept!.stored_key);
    expect(Buffer.compare((await get(third.headers.location as string, {})).rawPayload, PDF)).toBe(0);
  });

  it('answers 404 for a message without received media, an unknown message, and media the provider no longer has', async () => {
    const text = await receive('text', { body: 'no media here' });
    expect((await get(`/api/v1/inbox/messages/${text}/media`, owner.read)).statusCode).toBe(404);
    expect((await get(`/api/v1/inbox/messages/${newId()}/media`, owner.read)).json().error.code).toBe('not_found');
    const gone = await receive('image', { id: '999999999999', mime_type: 'image/jpeg' });
    const res = await get(`/api/v1/inbox/messages/${gone}/media`, owner.read);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/no longer has this media/);
  });
});
