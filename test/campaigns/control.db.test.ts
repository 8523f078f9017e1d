import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendContactEvent, optOutOfMarketing, upsertContactForSend, parseWaId } from '../../src/contacts/index.ts';
import { windowSize } from '../../src/campaigns/run/campaign-runner.ts';
import { storeSyncedTemplates } from '../../src/templates/index.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { prepareSending, TEST_TEMPLATES, type SendFixture } from '../send/helpers.ts';
import { api, phones, waitFor } from './helpers.ts';

/**
 * Campaign states with the number's dispatch paused (what an account-level error does): messages
 * stay queued, so the tests see exactly what the campaign put in the dispatch queue and move
 * message statuses themselves where a status webhook would.
 */
describe('campaign states', () => {
  let app: TestApp;
  let fx: SendFixture;
  const db = () => app.context.database.db;
  const orderMapping = { header: [{ value: 'A1' }], body: [{ trait: 'name', fallback: 'there' }, { value: 'A1' }, { value: 'tomorrow' }], buttons: { '1': [{ value: 'A1' }] } };
  const campaignQueue = async () => Number((await db().selectFrom('dispatch_queue').select((eb) => eb.fn.countAll().as('n')).where('priority', '=', 20).executeTakeFirstOrThrow()).n);
  const view = async (id: string) => (await api(app, 'GET', `/api/v1/campaigns/${id}`)).body;

  beforeAll(async () => {
    app = await startTestApp();
    fx = await prepareSending(app);
    // A sync replaces the WABA's whole list: the send tests' templates plus a tracked one.
    await storeSyncedTemplates(app.context.database, app.context.clock, fx.workspaceId, fx.wabaId, [
      ...TEST_TEMPLATES,
      { id: '2001', name: 'tracked_sale', language: 'en', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'BODY', text: 'Sale for {{1}}' }, { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Shop', url: 'http://localhost/r/{{1}}' }] }] },
    ]);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('refuses a mapping that does not fill the template, naming the fields', async () => {
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'x', templateName: 'order_shipped', languageCode: 'en', audience: { phones: phones(2) }, variables: { body: [{ trait: 'name' }, { value: 'x' }] } });
    expect(res.status).toBe(400);
    const fields = (res.body.error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['variables.header', 'variables.body', 'variables.buttons.1']));
  });

  it('refuses to start when recipients lack a mapped value, listing them and their fields; nothing is stored', async () => {
    const before = (await api(app, 'GET', '/api/v1/campaigns')).body.data.length;
    const csv = 'phone,first,order\n919600000001,Asha,A1\n919600000002,,A2\n919600000003,Bilal,\n';
    const res = await api(app, 'POST', '/api/v1/campaigns', {
      name: 'csv',
      templateName: 'order_shipped',
      languageCode: 'en',
      audience: { csv },
      variables: { header: [{ column: 'order' }], body: [{ column: 'first' }, { column: 'order' }, { value: 'soon' }], buttons: { '1': [{ column: 'order' }] } },
      startAt: 'now',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.count).toBe(2);
    expect(res.body.error.details.recipients).toEqual([
      { phone: '919600000002', fields: ['body[0] (column first)'] },
      { phone: '919600000003', fields: ['header[0] (column order)', 'body[1] (column order)', 'buttons.1[0] (column order)'] },
    ]);
    expect((await api(app, 'GET', '/api/v1/campaigns')).body.data.length).toBe(before);
  });

  it('keeps a bounded window queued, never completes while messages wait, and pauses, resumes and cancels', async () => {
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'big', templateName: 'order_shipped', languageCode: 'en', audience: { phones: phones(1000, 919500000000) }, variables: orderMapping, startAt: 'now' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const window = windowSize(80, app.context.config.dispatchThroughputShare);
    await waitFor(campaignQueue, (n) => n >= window - 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(await campaignQueue()).toBeLessThanOrEqual(window);
    let v = await view(id);
    expect(v.status).toBe('running');
    expect(v.progress.pending + v.progress.queued).toBe(1000);

    expect((await api(app, 'POST', `/api/v1/campaigns/${id}/pause`)).status).toBe(200);
    expect(await campaignQueue()).toBe(0);
    v = await view(id);
    expect(v.status).toBe('paused');
    const queuedAtPause = v.progress.queued;
    await new Promise((r) => setTimeout(r, 400));
    expect((await view(id)).progress.queued).toBe(queuedAtPause);

    expect((await api(app, 'POST', `/api/v1/campaigns/${id}/resume`)).status).toBe(200);
    expect(await campaignQueue()).toBe(queuedAtPause);

    const cancelled = await api(app, 'POST', `/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await campaignQueue()).toBe(0);
    expect(cancelled.body.progress.cancelled + cancelled.body.progress.failed.total).toBe(1000);
    expect(cancelled.body.progress.failed.byReason[0]).toMatchObject({ reason: 'Campaign cancelled', retryable: false });
  });

  it('retries only recipients that failed with a retryable cause; retargets read-but-not-clicked; records clicks', async () => {
    const list = phones(20, 919400000000);
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'retry', templateName: 'tracked_sale', languageCode: 'en', audience: { phones: list }, variables: { body: [{ trait: 'name', fallback: 'you' }] }, trackedLinks: { '0': 'https://brand.example/sale?utm=wa' }, startAt: 'now' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    await waitFor(async () => (await view(id)).progress.queued, (n) => n === 20);
    const msgs = await db().selectFrom('messages').select(['id', 'recipient', 'content']).where('campaign_id', '=', id).orderBy('recipient').execute();
    const now = app.context.clock.nowMs();
    // What status webhooks would do: 5 failed retryably (131049), 3 for good (131026), 1 unknown, 11 read.
    await app.context.database.transaction(async (tx) => {
      await tx.db.deleteFrom('dispatch_queue').where('message_id', 'in', msgs.map((m) => m.id)).execute();
      const set = (ids: string[], s: Record<string, unknown>) => tx.db.updateTable('messages').set(s).where('id', 'in', ids).execute();
      await set(msgs.slice(0, 5).map((m) => m.id), { status: 'failed', error_code: 131049, error_title: 'Marketing cap', failed_at: now });
      await set(msgs.slice(5, 8).map((m) => m.id), { status: 'failed', error_code: 131026, error_title: 'Message undeliverable', failed_at: now });
      await set([msgs[8]!.id], { status: 'unknown' });
      await set(msgs.slice(9).map((m) => m.id), { status: 'read', sent_at: now, delivered_at: now, read_at: now });
    });
    // A click on one read message's tracked button: the token is in the sent template.
    const content = JSON.parse(msgs[9]!.content) as { template: { components: { type: string; parameters: { text: string }[] }[] } };
    const token = content.template.components.find((c) => c.type === 'button')!.parameters[0]!.text;
    const click = await fetch(`${app.url}/r/${token}`, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://brand.example/sale?utm=wa');
    expect((await fetch(`${app.url}/r/${token.slice(0, -2)}xx`, { redirect: 'manual' })).status).toBe(404);

    const done = await waitFor(() => view(id), (v) => v.status === 'completed');
    expect(done.progress).toMatchObject({ read: 11, unknown: 1, clicked: 1, failed: { total: 8 } });

    const retry = await api(app, 'POST', `/api/v1/campaigns/${id}/retry-failed`);
    expect(retry.body.retry).toEqual({ retried: 5, notRetryable: 3 });
    expect(retry.body.status).toBe('running');
    await waitFor(async () => (await view(id)).progress.queued, (n) => n === 5);
    const again = await db().selectFrom('campaign_recipients').select(['phone', 'attempt']).where('campaign_id', '=', id).where('attempt', '=', 2).execute();
    expect(again.map((r) => r.phone).sort()).toEqual(msgs.slice(0, 5).map((m) => m.recipient).sort());

    const re = await api(app, 'POST', '/api/v1/campaigns', { name: 'again', templateName: 'tracked_sale', languageCode: 'en', audience: { retarget: { campaignId: id, state: 'read_not_clicked' } }, variables: { body: [{ value: 'you' }] }, trackedLinks: { '0': 'https://brand.example/2' }, startAt: 'now' });
    expect(re.status).toBe(201);
    const rv = await waitFor(() => view(re.body.id), (v) => v.audienceFrozen && v.recipientCount > 0);
    expect(rv.recipientCount).toBe(10);
  });

  it('skips contacts opted out of marketing, with the reason', async () => {
    const list = phones(3, 919300000000);
    await app.context.database.transaction(async (tx) => {
      const { id } = await upsertContactForSend(tx, app.context.clock, { workspaceId: fx.workspaceId, phone: parseWaId(list[1]!) });
      await optOutOfMarketing(tx, fx.workspaceId, id, 'api', app.context.clock.nowMs());
    });
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'mkt', templateName: 'tracked_sale', languageCode: 'en', audience: { phones: list }, variables: { body: [{ value: 'you' }] }, trackedLinks: { '0': 'https://brand.example/3' }, startAt: 'now' });
    const v = await waitFor(() => view(res.body.id), (x) => x.progress.queued + x.progress.skipped.total === 3);
    expect(v.progress.skipped).toEqual({ total: 1, byReason: { opted_out: 1 } });
  });

  it('event-triggered: sends after the delay unless the stop event came first', async () => {
    const res = await api(app, 'POST', '/api/v1/campaigns', {
      name: 'cart',
      type: 'Ongoing',
      templateName: 'order_shipped',
      languageCode: 'en',
      variables: orderMapping,
      trigger: { event: 'Checkout Started', delayMinutes: 15, stopIf: 'Order Placed', conditions: [{ trait: 'vip', op: 'not_exists' }] },
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const [a, b] = phones(2, 919200000000);
    const clock = app.context.clock;
    const ids = await app.context.database.transaction(async (tx) => {
      const ca = (await upsertContactForSend(tx, clock, { workspaceId: fx.workspaceId, phone: parseWaId(a!) })).id;
      const cb = (await upsertContactForSend(tx, clock, { workspaceId: fx.workspaceId, phone: parseWaId(b!) })).id;
      return { ca, cb };
    });
    await app.context.database.transaction((tx) => appendContactEvent(tx, fx.workspaceId, ids.ca, 'Checkout Started', {}, clock.nowMs()));
    await app.context.database.transaction((tx) => appendContactEvent(tx, fx.workspaceId, ids.cb, 'Checkout Started', {}, clock.nowMs()));
    await waitFor(async () => (await db().selectFrom('campaign_triggers').select('id').where('campaign_id', '=', id).execute()).length, (n) => n === 2);
    await app.context.database.transaction((tx) => appendContactEvent(tx, fx.workspaceId, ids.cb, 'Order Placed', {}, clock.nowMs() + 60_000));
    await waitFor(async () => (await db().selectFrom('campaign_triggers').select('state').where('contact_id', '=', ids.cb).executeTakeFirst())?.state, (s) => s === 'stopped');
    expect((await view(id)).recipientCount).toBe(0);
    clock.advance(16 * 60_000);
    const v = await waitFor(() => view(id), (x) => x.progress.queued === 1);
    expect(v.recipientCount).toBe(1);
    const m = await db().selectFrom('messages').select('recipient').where('campaign_id', '=', id).execute();
    expect(m.map((x) => x.recipient)).toEqual([a]);
  });
  it('event-triggered: one contact triggered twice gets both sends, fed in one batch (one conversation row for both)', async () => {
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'twice', type: 'Ongoing', templateName: 'order_shipped', languageCode: 'en', variables: orderMapping, trigger: { event: 'Cart Viewed', delayMinutes: 5 } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const [p] = phones(1, 919210000000);
    const clock = app.context.clock;
    const contactId = await app.context.database.transaction(async (tx) => (await upsertContactForSend(tx, clock, { workspaceId: fx.workspaceId, phone: parseWaId(p!) })).id);
    for (let i = 0; i < 2; i++) await app.context.database.transaction((tx) => appendContactEvent(tx, fx.workspaceId, contactId, 'Cart Viewed', {}, clock.nowMs()));
    await waitFor(async () => (await db().selectFrom('campaign_triggers').select('id').where('campaign_id', '=', id).execute()).length, (n) => n === 2);
    clock.advance(6 * 60_000);
    const v = await waitFor(() => view(id), (x) => x.progress.queued === 2);
    expect(v.recipientCount).toBe(2);
    const conversation = await db().selectFrom('conversations').select('last_message_id').where('contact_id', '=', contactId).execute();
    const sent = await db().selectFrom('messages').select('id').where('campaign_id', '=', id).orderBy('id').execute();
    expect(sent).toHaveLength(2);
    expect(conversation).toHaveLength(1);
    expect(sent.map((m) => m.id)).toContain(conversation[0]!.last_message_id);
  });
});
