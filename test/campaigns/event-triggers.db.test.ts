import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_INTEREST_CHANNEL, cachedEventNames } from '../../src/campaigns/triggers/interest-cache.ts';
import { appendContactEvent, parseWaId, upsertContactForSend } from '../../src/contacts/index.ts';
import { newId } from '../../src/platform/ids.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { prepareSending, type SendFixture } from '../send/helpers.ts';
import { api, phones, waitFor } from './helpers.ts';

/**
 * Event-triggered sends are written in the tracked event's own transaction (the contacts module's
 * in-transaction hook), so no crash can separate them: every check here reads the database right
 * after the track call answered or the transaction settled, with no waiting for a listener.
 */
describe('event-triggered sends are durable with their event', () => {
  let app: TestApp;
  let fx: SendFixture;
  let campaignId: string;
  const db = () => app.context.database.db;
  const [asha, bilal, chitra] = phones(3, 919110000000);
  const mapping = { header: [{ value: 'A1' }], body: [{ trait: 'name', fallback: 'there' }, { value: 'A1' }, { value: 'tomorrow' }], buttons: { '1': [{ value: 'A1' }] } };
  const track = (phone: string, event: string) => api(app, 'POST', '/v1/public/track/events/', { fullPhoneNumber: phone, event, traits: {} });
  const contactOf = async (phone: string) => (await db().selectFrom('contacts').select('id').where('workspace_id', '=', fx.workspaceId).where('phone', '=', phone).executeTakeFirstOrThrow()).id;
  const triggersOf = async (contactId: string, id = campaignId) => db().selectFrom('campaign_triggers').select(['state', 'reason']).where('campaign_id', '=', id).where('contact_id', '=', contactId).execute();

  beforeAll(async () => {
    app = await startTestApp();
    fx = await prepareSending(app);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('a campaign created after its event name was cached as irrelevant is triggered by the next event, in that event\'s transaction', async () => {
    // No campaign yet: the workspace's entry says no event name matters.
    expect((await track(asha!, 'Checkout Started')).status).toBe(201);
    expect(cachedEventNames(fx.workspaceId)?.size).toBe(0);
    const res = await api(app, 'POST', '/api/v1/campaigns', {
      name: 'cart',
      type: 'Ongoing',
      templateName: 'order_shipped',
      languageCode: 'en',
      variables: mapping,
      trigger: { event: 'Checkout Started', delayMinutes: 15, stopIf: 'Order Placed' },
    });
    expect(res.status).toBe(201);
    campaignId = res.body.id;
    const ashaId = await contactOf(asha!);
    // The earlier event happened before the campaign existed: it triggers nothing.
    expect(await triggersOf(ashaId)).toEqual([]);
    expect((await track(asha!, 'Checkout Started')).status).toBe(201);
    // Read at once: the trigger committed with the event.
    expect(await triggersOf(ashaId)).toEqual([{ state: 'waiting', reason: null }]);
    // Events no campaign cares about write nothing.
    expect((await track(asha!, 'Page Viewed')).status).toBe(201);
    expect(await triggersOf(ashaId)).toHaveLength(1);
  });

  it('an event whose transaction rolls back leaves no trigger; one that commits has it when the commit returns', async () => {
    const clock = app.context.clock;
    const contactId = await app.context.database.transaction(async (tx) => (await upsertContactForSend(tx, clock, { workspaceId: fx.workspaceId, phone: parseWaId(bilal!) })).id);
    await expect(
      app.context.database.transaction(async (tx) => {
        await appendContactEvent(tx, fx.workspaceId, contactId, 'Checkout Started', {}, clock.nowMs());
        // Inside the event's transaction the trigger is already written...
        expect(await tx.db.selectFrom('campaign_triggers').select('id').where('contact_id', '=', contactId).execute()).toHaveLength(1);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    // ...and gone with it.
    expect(await triggersOf(contactId)).toEqual([]);
    expect(await db().selectFrom('contact_events').select('id').where('contact_id', '=', contactId).execute()).toEqual([]);

    await app.context.database.transaction((tx) => appendContactEvent(tx, fx.workspaceId, contactId, 'Checkout Started', {}, clock.nowMs()));
    expect(await triggersOf(contactId)).toEqual([{ state: 'waiting', reason: null }]);
  });

  it('the stop event stops a waiting send while the campaign is paused (it does not fire on resume)', async () => {
    const ashaId = await contactOf(asha!);
    expect((await api(app, 'POST', `/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    // A paused campaign starts no new waits...
    expect((await track(chitra!, 'Checkout Started')).status).toBe(201);
    expect(await triggersOf(await contactOf(chitra!))).toEqual([]);
    // ...but its stop rule still holds.
    expect((await track(asha!, 'Order Placed')).status).toBe(201);
    expect(await triggersOf(ashaId)).toEqual([{ state: 'stopped', reason: 'stopped: Order Placed happened first' }]);
    expect((await api(app, 'POST', `/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
  });

  it("a campaign started by another process reaches this one's cache through NOTIFY", async () => {
    // What another process does: it writes the campaign (its own cache is the one it drops) and notifies.
    const base = await db().selectFrom('campaigns').selectAll().where('id', '=', campaignId).executeTakeFirstOrThrow();
    const otherId = newId(app.context.clock.nowMs());
    const chitraId = await contactOf(chitra!);
    expect((await track(chitra!, 'Cart Viewed')).status).toBe(201);
    expect(cachedEventNames(fx.workspaceId)?.has('Cart Viewed')).toBe(false);
    await app.context.database.transaction((tx) =>
      tx.db
        .insertInto('campaigns')
        .values({ ...base, id: otherId, name: 'viewed', trigger_def: JSON.stringify({ event: 'Cart Viewed', delayMinutes: 5 }), lease_owner: null, lease_expires_at: null })
        .execute(),
    );
    // Until the notification arrives this process still trusts its cached entry (documented gap).
    expect((await track(chitra!, 'Cart Viewed')).status).toBe(201);
    expect(await triggersOf(chitraId, otherId)).toEqual([]);
    await app.context.database.notifications.notify(CAMPAIGN_INTEREST_CHANNEL, fx.workspaceId);
    await waitFor(async () => cachedEventNames(fx.workspaceId), (names) => names === undefined, 10_000);
    expect((await track(chitra!, 'Cart Viewed')).status).toBe(201);
    expect(await triggersOf(chitraId, otherId)).toEqual([{ state: 'waiting', reason: null }]);
  });
});
