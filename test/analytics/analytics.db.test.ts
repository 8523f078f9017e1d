import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpWorkspace } from '../../src/analytics/index.ts';
import { messageRow } from '../../src/messaging/message-row.ts';
import { applyStatusUpdates } from '../../src/messaging/status/index.ts';
import type { MessagesTable } from '../../src/messaging/tables.ts';
import type { TestApp } from '../helpers/start-test-app.ts';
import { addMember, keyWithRole, startAppWithOwner, type Session } from '../people/helpers.ts';

/** A wall time in Asia/Kolkata (+05:30, no DST) as UTC ms. */
const ist = (d: number, h: number, m = 0) => Date.UTC(2026, 10, d, h, m) - 5.5 * 3_600_000;
const HOUR = 3_600_000;

describe('analytics API on known data', () => {
  let app: TestApp;
  let owner: Session;
  let agent: Session;
  let workspaceId: string;
  const inject = (o: InjectOptions) => app.http!.inject(o);
  const get = async (url: string, headers = owner.read) => {
    const res = await inject({ url, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  let seq = 0;
  const rows: ReturnType<typeof messageRow>[] = [];

  /** An outbound message created at `at` that got as far as `reached`, `sec` seconds per step. */
  function out(at: number, reached: 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired', extra: Partial<MessagesTable> = {}) {
    const id = `msg-${String(++seq).padStart(3, '0')}`;
    const steps = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 0, expired: 0 }[reached];
    rows.push(
      messageRow({
        id,
        workspace_id: workspaceId,
        number_id: 'num-a',
        contact_id: `contact-${seq}`,
        recipient: `9198000${String(seq).padStart(5, '0')}`,
        direction: 'outbound',
        type: 'text',
        content: '{"type":"text","text":{"body":"hi"}}',
        source: 'api',
        status: reached,
        wamid: `wamid.${id}`,
        created_at: at,
        updated_at: at,
        sent_at: steps >= 1 ? at + 1000 : null,
        delivered_at: steps >= 2 ? at + 2000 : null,
        read_at: steps >= 3 ? at + 3000 : null,
        failed_at: reached === 'failed' ? at + 1000 : null,
        ...extra,
      }),
    );
    return id;
  }
  function inbound(at: number, extra: Partial<MessagesTable> = {}) {
    const id = `msg-${String(++seq).padStart(3, '0')}`;
    rows.push(
      messageRow({ id, workspace_id: workspaceId, number_id: 'num-a', contact_id: `contact-${seq}`, recipient: '919800000001', direction: 'inbound', type: 'text', content: '{}', source: 'customer', status: 'received', wamid: `wamid.${id}`, created_at: at, updated_at: at, ...extra }),
    );
  }

  beforeAll(async () => {
    ({ app, owner } = await startAppWithOwner());
    agent = await addMember(app, owner, 'agent-x@example.com', 'agent', 'Xavier Agent');
    const db = app.context.database.db;
    workspaceId = (await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    await app.context.database.transaction((tx) => tx.db.updateTable('workspaces').set({ time_zone: 'Asia/Kolkata' }).where('id', '=', workspaceId).execute());

    // 10 Nov (local): 4 API/campaign sends and one customer message; the day's edges are 00:00 and 23:59 IST.
    out(ist(10, 0, 10), 'read');
    out(ist(10, 23, 50), 'delivered'); // 18:20 UTC on the 10th
    const cA = out(ist(10, 12, 0), 'sent', { source: 'campaign', campaign_id: 'camp-1' });
    out(ist(10, 12, 5), 'failed', { source: 'campaign', campaign_id: 'camp-1', error_code: 131026, error_title: 'Message undeliverable' });
    out(ist(10, 12, 10), 'read', { source: 'campaign', campaign_id: 'camp-1' });
    const clicked = out(ist(10, 12, 15), 'read', { source: 'campaign', campaign_id: 'camp-1' });
    inbound(ist(10, 23, 59));
    // 11 Nov: midnight IST is still the 10th in UTC, and belongs to the 11th here.
    out(ist(11, 0, 0), 'read', { number_id: 'num-b', source: 'agent' });
    inbound(ist(11, 9, 0));
    out(ist(11, 10, 0), 'expired');
    out(ist(11, 10, 15), 'queued');
    // Outside the 10–11 Nov range by a minute on each side.
    out(ist(9, 23, 59), 'read');
    out(ist(12, 0, 0), 'read');
    void cA;

    // Agents (14 Nov): X answers one conversation in 60 s and resolves it in 600 s, another in 180 s; the owner has one unanswered; one unassigned is resolved in 3,600 s.
    const conv = (n: number, opened: number, assignee: string | null, closedAfter: number | null, replyAfter: number | null) => {
      if (replyAfter !== null) out(opened + replyAfter, 'read', { source: 'agent', contact_id: `agent-contact-${n}` });
      return {
        number_id: 'num-a',
        contact_id: `agent-contact-${n}`,
        workspace_id: workspaceId,
        conversation_id: `conv-${n}`,
        status: closedAfter === null ? 'open' : 'closed',
        assignee_user_id: assignee,
        team_id: null,
        assigned_at: assignee ? opened : null,
        opened_at: opened,
        closed_at: closedAfter === null ? null : opened + closedAfter,
        last_auto_reply_at: null,
        updated_at: opened,
      };
    };
    const t = ist(14, 10);
    const inboxRows = [conv(1, t, agent.userId, 600_000, 60_000), conv(2, t + HOUR, agent.userId, null, 180_000), conv(3, t + 2 * HOUR, owner.userId, null, null), conv(4, t + 3 * HOUR, null, 3_600_000, null)];
    // A reply before the opening (a previous cycle) does not count as the first response.
    out(t + 2 * HOUR - 60_000, 'read', { source: 'agent', contact_id: 'agent-contact-3' });

    await app.context.database.transaction(async (tx) => {
      await tx.db.insertInto('messages').values(rows).execute();
      await tx.db.insertInto('inbox_conversations').values(inboxRows).execute();
      await tx.db
        .insertInto('conversations')
        .values([ist(10, 1), ist(10, 2), ist(11, 3)].map((at, i) => ({ id: `thread-${i}`, workspace_id: workspaceId, number_id: 'num-a', contact_id: `thread-contact-${i}`, last_message_id: null, last_message_at: at, last_inbound_at: null, window_expires_at: null, fep_expires_at: null, unread_count: 0, created_at: at, updated_at: at })))
        .execute();
      const ledger = (id: string, at: number, category: string, market: string, currency: string, amount: number) => ({ id, workspace_id: workspaceId, message_id: id, number_id: 'num-a', category, pricing_type: 'regular', market, currency, amount_micros: amount, billable: 1, occurred_at: at });
      await tx.db
        .insertInto('cost_ledger')
        .values([
          ledger('l1', ist(10, 9), 'marketing', 'IN', 'INR', 863_100),
          ledger('l2', ist(10, 23, 59), 'marketing', 'IN', 'INR', 863_100),
          ledger('l3', ist(10, 11), 'utility', 'IN', 'INR', 115_000),
          ledger('l4', ist(11, 0), 'authentication', 'AE', 'USD', 20_000),
          ledger('l5', ist(12, 0), 'marketing', 'IN', 'INR', 863_100),
        ])
        .execute();
      await tx.db
        .insertInto('campaigns')
        .values({
          id: 'camp-1', workspace_id: workspaceId, name: 'Diwali sale', type: 'PublicAPI', status: 'running', status_reason: null, number_id: null, template_name: 'summer_sale', template_language: 'en',
          audience: '{}', mapping: '{}', tracked_links: '{}', conversion: null, trigger_def: null, scheduled_at: null, started_at: null, completed_at: null, frozen: 1, freeze_cursor: null,
          recipient_count: 0, lease_owner: null, lease_expires_at: null, created_at: ist(10, 11, 55), updated_at: ist(10, 11, 55),
        })
        .execute();
      await tx.db.insertInto('campaign_clicks').values({ id: 'click-1', workspace_id: workspaceId, campaign_id: 'camp-1', message_id: clicked, contact_id: null, kind: 'CTA', button_index: 0, button_text: 'Shop', link: 'https://shop.example.com', clicked_at: ist(10, 13) }).execute();
      await tx.db.insertInto('campaign_conversions').values({ campaign_id: 'camp-1', contact_id: 'contact-6', event: 'Order Placed', converted_at: ist(10, 14) }).execute();
    });
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const D10 = { accepted: 6, sent: 5, delivered: 4, read: 3, failed: 1, received: 1, deliveryRate: 0.8, readRate: 0.75 };
  const D11 = { accepted: 3, sent: 1, delivered: 1, read: 1, failed: 1, received: 1, deliveryRate: 1, readRate: 1 };

  it('counts messages per local day in Asia/Kolkata, with delivery and read rates', async () => {
    const r = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-11');
    expect(r.timeZone).toBe('Asia/Kolkata');
    expect(r.buckets).toEqual([
      { start: '2026-11-10T00:00:00+05:30', ...D10 },
      { start: '2026-11-11T00:00:00+05:30', ...D11 },
    ]);
    expect(r.totals).toEqual({ accepted: 9, sent: 6, delivered: 5, read: 4, failed: 2, received: 2, deliveryRate: 0.8333, readRate: 0.8 });
  });

  it('answers identical concurrent requests with the same, correct report (they share one computation)', async () => {
    const path = '/api/v1/analytics/messages?from=2026-11-10&to=2026-11-11';
    const all = await Promise.all(Array.from({ length: 6 }, () => get(path)));
    for (const r of all) expect(r.totals).toEqual({ accepted: 9, sent: 6, delivered: 5, read: 4, failed: 2, received: 2, deliveryRate: 0.8333, readRate: 0.8 });
    // Different questions at the same time are not mixed up.
    const [a, b] = await Promise.all([get(`${path}&source=campaign`), get(`${path}&groupBy=number`)]);
    expect(a.totals.accepted).toBe(4);
    expect(a.groups).toBeUndefined();
    expect(b.groups.length).toBeGreaterThan(0);
  });

  it('splits by number and by source, filters, and cuts local hours', async () => {
    const byNumber = await get('/api/v1/analytics/messages?from=2026-11-11&to=2026-11-11&groupBy=number');
    expect(byNumber.groups.map((g: { key: string; totals: { accepted: number } }) => [g.key, g.totals.accepted])).toEqual([['num-a', 2], ['num-b', 1]]);
    const bySource = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-10&groupBy=source');
    expect(Object.fromEntries(bySource.groups.map((g: { key: string; totals: object }) => [g.key, g.totals]))).toEqual({
      api: { accepted: 2, sent: 2, delivered: 2, read: 1, failed: 0, received: 0, deliveryRate: 1, readRate: 0.5 },
      campaign: { accepted: 4, sent: 3, delivered: 2, read: 2, failed: 1, received: 0, deliveryRate: 0.6667, readRate: 1 },
      customer: { accepted: 0, sent: 0, delivered: 0, read: 0, failed: 0, received: 1, deliveryRate: null, readRate: null },
    });
    const campaignOnly = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-11&source=campaign');
    expect(campaignOnly.totals.accepted).toBe(4);
    const hours = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-10&granularity=hour');
    expect(hours.buckets).toHaveLength(24);
    expect(hours.buckets[0]).toMatchObject({ start: '2026-11-10T00:00:00+05:30', accepted: 1 });
    expect(hours.buckets[12]).toMatchObject({ start: '2026-11-10T12:00:00+05:30', accepted: 4, failed: 1 });
    expect(hours.buckets[23]).toMatchObject({ start: '2026-11-10T23:00:00+05:30', accepted: 1, received: 1 });
  });

  it('gives the same numbers from the rollup, and a late read receipt moves the rolled-up day', async () => {
    const before = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-11&groupBy=source');
    const rolled = await rollUpWorkspace(app.context.database, workspaceId, app.context.clock.nowMs(), 26 * HOUR);
    expect(rolled.slots).toBeGreaterThan(0);
    expect(await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-11&groupBy=source')).toEqual(before);

    // A change that bypasses the status path is not seen (the day is served from the rollup)…
    await app.context.database.transaction((tx) => tx.db.updateTable('messages').set({ read_at: ist(10, 12, 30) }).where('id', '=', 'msg-003').execute());
    expect((await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-10')).totals.read).toBe(3);
    await app.context.database.transaction((tx) => tx.db.updateTable('messages').set({ read_at: null }).where('id', '=', 'msg-003').execute());
    // …while a read status from Meta for the 10 Nov 23:50 message is applied to it in the status transaction.
    const res = await applyStatusUpdates(app.context.database, app.context.clock, { workspaceId, numberId: 'num-a', statuses: [{ wamid: 'wamid.msg-002', status: 'read', occurredAt: ist(15, 9), recipientId: '919800000002', errors: [], pricing: undefined, callbackMessageId: undefined } as never] });
    expect(res.changes).toHaveLength(1);
    const after = await get('/api/v1/analytics/messages?from=2026-11-10&to=2026-11-10');
    expect(after.totals).toMatchObject({ sent: 5, delivered: 4, read: 4, readRate: 1 });
  });

  it('cuts days at local midnight in a zone with DST (America/New_York, 1 Nov 2026 has 25 hours)', async () => {
    await app.context.database.transaction((tx) => tx.db.updateTable('workspaces').set({ time_zone: 'America/New_York' }).where('id', '=', workspaceId).execute());
    try {
      // 9 Nov 23:59 and 10 Nov 00:10 IST are 9 Nov 13:29 and 13:40 in New York; 11 Nov 10:15 IST is
      // still 10 Nov (23:45) there, and 12 Nov 00:00 IST is 11 Nov 13:30.
      const r = await get('/api/v1/analytics/messages?from=2026-11-09&to=2026-11-10');
      expect(r.buckets.map((b: { start: string; accepted: number }) => [b.start, b.accepted])).toEqual([
        ['2026-11-09T00:00:00-05:00', 2],
        ['2026-11-10T00:00:00-05:00', 8],
      ]);
      const dst = await get('/api/v1/analytics/messages?from=2026-11-01&to=2026-11-01&granularity=hour');
      expect(dst.buckets).toHaveLength(25);
      expect(dst.buckets.slice(1, 3).map((b: { start: string }) => b.start)).toEqual(['2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00']);
    } finally {
      await app.context.database.transaction((tx) => tx.db.updateTable('workspaces').set({ time_zone: 'Asia/Kolkata' }).where('id', '=', workspaceId).execute());
    }
  });

  it('reports costs by category and market from the ledger, per currency, admin only', async () => {
    const r = await get('/api/v1/analytics/costs?from=2026-11-10&to=2026-11-11');
    expect(r.totals).toEqual({
      byCurrency: [
        { currency: 'INR', amountMicros: 1_841_200 },
        { currency: 'USD', amountMicros: 20_000 },
      ],
      lines: [
        { category: 'marketing', market: 'IN', currency: 'INR', messages: 2, amountMicros: 1_726_200 },
        { category: 'utility', market: 'IN', currency: 'INR', messages: 1, amountMicros: 115_000 },
        { category: 'authentication', market: 'AE', currency: 'USD', messages: 1, amountMicros: 20_000 },
      ],
    });
    expect(r.buckets[1]).toEqual({ start: '2026-11-11T00:00:00+05:30', lines: [{ category: 'authentication', market: 'AE', currency: 'USD', messages: 1, amountMicros: 20_000 }] });
    const denied = await inject({ url: '/api/v1/analytics/costs', headers: agent.read });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
    expect((await inject({ url: '/api/v1/analytics/costs', headers: await keyWithRole(app, 'agent') })).statusCode).toBe(403);
    expect((await inject({ url: '/api/v1/analytics/costs' })).statusCode).toBe(401);
  });

  it('reports conversations started, opened, closed and billed by category', async () => {
    const r = await get('/api/v1/analytics/conversations?from=2026-11-10&to=2026-11-14');
    expect(r.totals).toEqual({ started: 3, opened: 4, closed: 2, billedByCategory: { marketing: 3, utility: 1, authentication: 1 } });
    expect(r.buckets[0]).toEqual({ start: '2026-11-10T00:00:00+05:30', started: 2, opened: 0, closed: 0, billedByCategory: { marketing: 2, utility: 1 } });
    expect(r.buckets[4]).toMatchObject({ start: '2026-11-14T00:00:00+05:30', opened: 4, closed: 2 });
  });

  it("reports agents' first-response and resolution times; an agent is refused (403)", async () => {
    const r = await get('/api/v1/analytics/agents?from=2026-11-14&to=2026-11-14');
    expect(r.totals).toEqual({
      conversationsOpened: 4,
      awaitingFirstResponse: 2,
      firstResponse: { count: 2, averageSeconds: 120, medianSeconds: 60, p90Seconds: 180 },
      resolution: { count: 2, averageSeconds: 2100, medianSeconds: 600, p90Seconds: 3600 },
    });
    const x = r.agents.find((a: { agent: { id: string } | null }) => a.agent?.id === agent.userId);
    expect(x).toEqual({
      agent: { id: agent.userId, name: 'Xavier Agent', email: 'agent-x@example.com' },
      conversationsOpened: 2,
      awaitingFirstResponse: 0,
      firstResponse: { count: 2, averageSeconds: 120, medianSeconds: 60, p90Seconds: 180 },
      resolution: { count: 1, averageSeconds: 600, medianSeconds: 600, p90Seconds: 600 },
    });
    const o = r.agents.find((a: { agent: { id: string } | null }) => a.agent?.id === owner.userId);
    expect(o).toMatchObject({ conversationsOpened: 1, awaitingFirstResponse: 1, firstResponse: { count: 0, medianSeconds: null } });
    expect(r.agents.find((a: { agent: unknown }) => a.agent === null)).toMatchObject({ conversationsOpened: 1, resolution: { count: 1, medianSeconds: 3600 } });
    expect((await inject({ url: '/api/v1/analytics/agents', headers: agent.read })).statusCode).toBe(403);
  });

  it('gives campaign funnels sent → delivered → read → clicked → converted', async () => {
    const funnel = {
      campaignId: 'camp-1',
      name: 'Diwali sale',
      type: 'PublicAPI',
      status: 'running',
      startedAt: new Date(ist(10, 11, 55)).toISOString(),
      recipients: 4,
      skipped: 0,
      sent: 3,
      delivered: 2,
      read: 2,
      clicked: 1,
      converted: 1,
      failed: 1,
      rates: { delivered: 0.6667, read: 1, clicked: 0.5, converted: 1 },
    };
    // Agents may read funnels.
    expect(await get('/api/v1/analytics/campaigns/camp-1/funnel', agent.read)).toEqual(funnel);
    const list = await get('/api/v1/analytics/campaigns?from=2026-11-10&to=2026-11-10');
    expect(list.campaigns).toEqual([funnel]);
    expect(list.totals).toMatchObject({ sent: 3, delivered: 2, read: 2, clicked: 1, converted: 1, failed: 1 });
    expect((await get('/api/v1/analytics/campaigns?from=2026-11-11&to=2026-11-11')).campaigns).toEqual([]);
    expect((await inject({ url: '/api/v1/analytics/campaigns/nope/funnel', headers: owner.read })).statusCode).toBe(404);
  });

  it('refuses bad ranges with 400s', async () => {
    for (const q of ['from=2026-11-12&to=2026-11-10', 'from=2026-02-30', 'from=2025-01-01&to=2026-11-10', 'from=2026-09-01&to=2026-11-10&granularity=hour', 'granularity=week', 'source=robot']) {
      const res = await inject({ url: `/api/v1/analytics/messages?${q}`, headers: owner.read });
      expect(res.statusCode, q).toBe(400);
    }
  });
});
