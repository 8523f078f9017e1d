import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenClock } from '../../emulator/test-support.ts';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { createTestWorkspace, queueMessages } from '../dispatch/test-support.ts';
import { recordInboundMessages } from '../inbound/record-inbound-messages.ts';
import type { InboundMessage, StatusUpdate } from '../provider-events.ts';
import { applyStatusUpdates, onStatusChanges } from './apply-status-updates.ts';

const status = (over: Partial<StatusUpdate>): StatusUpdate => ({
  wamid: 'wamid.A',
  status: 'sent',
  occurredAt: Date.UTC(2026, 0, 15, 9, 0, 1),
  recipient: '919800000001',
  callbackMessageId: null,
  errors: [],
  pricing: null,
  conversation: null,
  ...over,
});

describe('status machine, cost ledger and inbound recording', () => {
  let tdb: TestDatabase;
  const clock = frozenClock();
  let ws: string;
  beforeEach(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
    ws = await createTestWorkspace(tdb.database, clock);
  });
  afterEach(() => tdb.cleanup());

  const msg = async (id: string) => tdb.database.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('resolves an unknown send by its callback id, moves monotonically, ignores duplicates and a late delivered, and prices it once', async () => {
    const [id] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '919800000001' }]);
    await tdb.database.db.updateTable('messages').set({ status: 'unknown' }).where('id', '=', id!).execute();
    const t = Date.UTC(2026, 0, 15, 9, 0, 1);
    const pricing = { billable: true, pricingModel: 'PMP', type: 'regular', category: 'marketing' };
    const r1 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [status({ callbackMessageId: id!, pricing })] });
    expect(r1.changes).toEqual([{ messageId: id, from: 'unknown', to: 'sent', occurredAt: t, errorCode: null }]);
    expect((await msg(id!)).wamid).toBe('wamid.A');
    await applyStatusUpdates(tdb.database, clock, {
      workspaceId: ws,
      numberId: 'n1',
      statuses: [status({ status: 'read', occurredAt: t + 2_000 }), status({ status: 'delivered', occurredAt: t + 1_000, pricing }), status({ status: 'sent' })],
    });
    const late = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [status({ status: 'delivered', occurredAt: t + 1_000, pricing }), status({ status: 'failed', errors: [{ code: 131000, title: 'x' }] })] });
    expect(late.changes).toEqual([]);
    const m = await msg(id!);
    expect([m.status, m.sent_at, m.delivered_at, m.read_at, m.pricing_category, m.pricing_type, m.billable]).toEqual(['read', t, t + 1_000, t + 2_000, 'marketing', 'regular', 1]);
    const events = await tdb.database.db.selectFrom('message_status_events').select('status').where('message_id', '=', id!).orderBy('occurred_at').execute();
    expect(events.map((e) => e.status)).toEqual(['sent', 'delivered', 'read']);
    // India marketing from Jan 1 2026: ₹0.8631, zero markup, one row.
    const ledger = await tdb.database.db.selectFrom('cost_ledger').selectAll().execute();
    expect(ledger.map((l) => [l.message_id, l.market, l.category, l.currency, Number(l.amount_micros)])).toEqual([[id, 'IN', 'marketing', 'INR', 863_100]]);
  });

  it('applies a webhook of many messages in one batch: each report once, repeats in the batch harmless, the hook sees every change', async () => {
    const ids = await queueMessages(tdb.database, clock, Array.from({ length: 120 }, (_, i) => ({ workspaceId: ws, numberId: 'n1', recipient: `9198000${String(i).padStart(5, '0')}` })));
    for (const [i, id] of ids.entries()) await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: `wamid.B${i}` }).where('id', '=', id).execute();
    const t = Date.UTC(2026, 0, 15, 9, 0, 1);
    const pricing = { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' };
    const seen: string[] = [];
    const off = onStatusChanges(async (_tx, batch) => {
      for (const c of batch.changes) seen.push(`${batch.messages.get(c.messageId)!.wamid}:${c.to}`);
    });
    try {
      // Every message: sent and delivered (twice) in one webhook, read of the first 60 in the next.
      const first = ids.flatMap((_, i) => [
        status({ wamid: `wamid.B${i}`, status: 'delivered', occurredAt: t + 1_000, pricing }),
        status({ wamid: `wamid.B${i}`, status: 'sent', occurredAt: t, pricing }),
        status({ wamid: `wamid.B${i}`, status: 'delivered', occurredAt: t + 1_000, pricing }),
      ]);
      const r1 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [...first, status({ wamid: 'wamid.nobody' })] });
      expect(r1.changes).toHaveLength(240);
      expect(r1.unmatched).toEqual(['wamid.nobody']);
      expect(r1.costed).toBe(120);
      const r2 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: ids.slice(0, 60).map((_, i) => status({ wamid: `wamid.B${i}`, status: 'read', occurredAt: t + 2_000 })) });
      expect(r2.changes.map((c) => c.to)).toEqual(Array(60).fill('read'));
    } finally {
      off();
    }
    expect(seen.filter((s) => s === 'wamid.B0:sent' || s === 'wamid.B0:delivered' || s === 'wamid.B0:read')).toEqual(['wamid.B0:sent', 'wamid.B0:delivered', 'wamid.B0:read']);
    expect(seen).toHaveLength(300);
    const events = await tdb.database.db.selectFrom('message_status_events').select(['message_id', 'status']).execute();
    expect(events).toHaveLength(300);
    const rows = await tdb.database.db.selectFrom('messages').select(['id', 'status', 'sent_at', 'delivered_at', 'read_at']).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(ids.map((id) => byId.get(id)!.status)).toEqual([...Array(60).fill('read'), ...Array(60).fill('delivered')]);
    expect(ids.every((id) => Number(byId.get(id)!.sent_at) === t && Number(byId.get(id)!.delivered_at) === t + 1_000)).toBe(true);
    expect(await tdb.database.db.selectFrom('cost_ledger').select('message_id').execute()).toHaveLength(120);
  });

  it('reports each status Meta sends once, even one that arrives after a later status and moves nothing', async () => {
    const [id] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '919800000001' }]);
    await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: 'wamid.L' }).where('id', '=', id!).execute();
    const t = Date.UTC(2026, 0, 15, 9, 0, 1);
    const r1 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [status({ wamid: 'wamid.L', status: 'delivered', occurredAt: t + 1_000 })] });
    expect(r1.reported.map((c) => [c.from, c.to])).toEqual([['sending', 'delivered']]);
    const r2 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [status({ wamid: 'wamid.L', status: 'sent', occurredAt: t })] });
    expect(r2.changes).toEqual([]);
    expect(r2.reported.map((c) => [c.from, c.to, c.occurredAt])).toEqual([['delivered', 'sent', t]]);
    const r3 = await applyStatusUpdates(tdb.database, clock, { workspaceId: ws, numberId: 'n1', statuses: [status({ wamid: 'wamid.L', status: 'sent', occurredAt: t })] });
    expect(r3.reported).toEqual([]);
  });

  it('counts a quick-reply press on a campaign’s message as a click of that campaign (template button and interactive reply)', async () => {
    const [camp, plain] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '919812345670' },
      { workspaceId: ws, numberId: 'n1', recipient: '919812345671' },
    ]);
    await tdb.database.db.updateTable('messages').set({ status: 'read', wamid: 'wamid.C', campaign_id: 'camp1' }).where('id', '=', camp!).execute();
    await tdb.database.db.updateTable('messages').set({ status: 'read', wamid: 'wamid.P' }).where('id', '=', plain!).execute();
    const t = Date.UTC(2026, 0, 15, 10, 0, 0);
    const press = (wamid: string, from: string, context: string, type: string, content: Record<string, unknown>): InboundMessage => ({
      wamid, from, profileName: null, occurredAt: t, type, content, contextWamid: context, referral: null, media: null,
    });
    await recordInboundMessages(tdb.database, clock, {
      workspaceId: ws,
      numberId: 'n1',
      messages: [
        press('wamid.q1', '919812345670', 'wamid.C', 'button', { button: { text: 'Shop now', payload: 'shop' } }),
        press('wamid.q2', '919812345670', 'wamid.C', 'interactive', { interactive: { type: 'button_reply', button_reply: { id: 'b2', title: 'Later' } } }),
        press('wamid.q3', '919812345671', 'wamid.P', 'button', { button: { text: 'Shop now', payload: 'shop' } }),
        press('wamid.q4', '919812345670', 'wamid.C', 'text', { text: { body: 'thanks' } }),
      ],
    });
    const clicks = await tdb.database.db.selectFrom('campaign_clicks').select(['campaign_id', 'message_id', 'kind', 'button_text']).orderBy('button_text').execute();
    expect(clicks).toEqual([
      { campaign_id: 'camp1', message_id: camp, kind: 'QR', button_text: 'Later' },
      { campaign_id: 'camp1', message_id: camp, kind: 'QR', button_text: 'Shop now' },
    ]);
  });

  it('keeps Meta’s error on failed; free messages cost nothing; unknown wamids are reported back', async () => {
    const [a, b] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '919800000003' },
      { workspaceId: ws, numberId: 'n1', recipient: '919800000001' },
    ]);
    await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: 'wamid.F' }).where('id', '=', a!).execute();
    await tdb.database.db.updateTable('messages').set({ status: 'sending', wamid: 'wamid.S' }).where('id', '=', b!).execute();
    const r = await applyStatusUpdates(tdb.database, clock, {
      workspaceId: ws,
      numberId: 'n1',
      statuses: [
        status({ wamid: 'wamid.F', status: 'failed', errors: [{ code: 131026, title: 'Message Undeliverable', details: 'Unable to deliver message.' }] }),
        status({ wamid: 'wamid.S', status: 'delivered', pricing: { billable: false, type: 'free_customer_service', category: 'service' } }),
        status({ wamid: 'wamid.nobody' }),
      ],
    });
    expect(r.unmatched).toEqual(['wamid.nobody']);
    const f = await msg(a!);
    expect([f.status, f.error_code, f.error_title, f.error_details]).toEqual(['failed', 131026, 'Message Undeliverable', 'Unable to deliver message.']);
    expect((await msg(b!)).status).toBe('delivered');
    expect(await tdb.database.db.selectFrom('cost_ledger').selectAll().execute()).toEqual([]);
  });

  it('records inbound messages once per wamid, creates the contact and opens the 24 h window (72 h free entry point from an ad)', async () => {
    const t = clock.nowMs();
    const inbound = (over: Partial<InboundMessage>): InboundMessage => ({
      wamid: 'wamid.in1', from: '919812345678', profileName: 'Meera', occurredAt: t, type: 'text', content: { text: { body: 'hi' } }, contextWamid: null, referral: null, media: null, ...over,
    });
    const debits: number[] = [];
    const hooks = { debitInbound: (_n: string, k: number) => debits.push(k) };
    await recordInboundMessages(tdb.database, clock, { workspaceId: ws, numberId: 'n1', messages: [inbound({})] }, hooks);
    const again = await recordInboundMessages(tdb.database, clock, { workspaceId: ws, numberId: 'n1', messages: [inbound({})] }, hooks);
    expect(again[0]!.created).toBe(false);
    await recordInboundMessages(tdb.database, clock, {
      workspaceId: ws, numberId: 'n1',
      messages: [inbound({ wamid: 'wamid.in2', occurredAt: t + 60_000, type: 'image', content: { image: { id: 'm1', mime_type: 'image/png' } }, media: { mediaId: 'm1', storedKey: 'media/abc.png', mimeType: 'image/png' }, referral: { source_type: 'ad' } })],
    }, hooks);
    expect(debits).toEqual([1, 0, 1]);
    const rows = await tdb.database.db.selectFrom('messages').selectAll().where('direction', '=', 'inbound').orderBy('created_at').execute();
    expect(rows.map((r) => [r.wamid, r.status, r.type])).toEqual([['wamid.in1', 'received', 'text'], ['wamid.in2', 'received', 'image']]);
    expect(JSON.parse(rows[1]!.content).media.storedKey).toBe('media/abc.png');
    const contact = await tdb.database.db.selectFrom('contacts').selectAll().executeTakeFirstOrThrow();
    expect([contact.phone, contact.profile_name]).toEqual(['919812345678', 'Meera']);
    const conv = await tdb.database.db.selectFrom('conversations').selectAll().executeTakeFirstOrThrow();
    expect([conv.contact_id, conv.unread_count, conv.last_message_id, Number(conv.window_expires_at), Number(conv.fep_expires_at)]).toEqual([
      contact.id, 2, rows[1]!.id, t + 60_000 + 24 * 3_600_000, t + 60_000 + 72 * 3_600_000,
    ]);
  });
});
