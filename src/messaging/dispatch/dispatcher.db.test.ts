import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenClock } from '../../emulator/test-support.ts';
import { PairRateLimiter } from '../../emulator/limits.ts';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { silentLogger } from '../../platform/logger.ts';
import type { SendOutcome } from '../../channels/whatsapp/types.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import { onStatusChanges } from '../status/index.ts';
import { PRIORITY } from './enqueue-dispatch.ts';
import { createTestWorkspace, queueMessages, scriptedChannel, testNumber } from './test-support.ts';
import type { DispatchNumber } from './types.ts';

const FAST = { pollMs: 10, leaseMs: 2_000, idleReleaseMs: 60_000, numberRefreshMs: 0 };

describe('dispatcher', () => {
  let tdb: TestDatabase;
  let clock: ReturnType<typeof frozenClock>;
  let ws: string;
  const dispatchers: Dispatcher[] = [];
  beforeEach(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
    clock = frozenClock();
    ws = await createTestWorkspace(tdb.database, clock);
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    await tdb.cleanup();
  });

  const start = (channel: ReturnType<typeof scriptedChannel>['channel'], numbers: Record<string, DispatchNumber> | ((id: string) => DispatchNumber | null), extra: Record<string, unknown> = {}, database = tdb.database) => {
    const d = createDispatcher({
      database,
      clock,
      logger: silentLogger(),
      channel,
      loadNumber: async (id) => (typeof numbers === 'function' ? numbers(id) : (numbers[id] ?? null)),
      ...FAST,
      ...extra,
    });
    dispatchers.push(d);
    d.start();
    return d;
  };

  /** Advances the frozen clock in steps until `done()` or the step budget runs out. */
  const runUntil = async (done: () => Promise<boolean> | boolean, stepMs = 100, maxSteps = 2_000) => {
    for (let i = 0; i < maxSteps; i++) {
      if (await done()) return;
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error('condition not reached');
  };

  const statuses = async () => Object.fromEntries((await tdb.database.db.selectFrom('messages').select(['id', 'status']).execute()).map((r) => [r.id, r.status]));
  const queued = async () => (await tdb.database.db.selectFrom('dispatch_queue').select('message_id').execute()).length;

  it('sends every queued message once, agent replies before campaign sends, each recipient in order', async () => {
    const { channel, calls } = scriptedChannel(clock);
    const campaign = await queueMessages(tdb.database, clock, ['911', '912', '913', '914', '915'].map((r) => ({ workspaceId: ws, numberId: 'n1', recipient: r, priority: PRIORITY.campaign })));
    // A later agent reply to a recipient with a queued campaign message must wait for it.
    const [agentToWaiting] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '911', priority: PRIORITY.agent }]);
    const [agent] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '919', priority: PRIORITY.agent }]);
    start(channel, { n1: testNumber('n1') });
    await runUntil(async () => (await queued()) === 0);
    const order = calls.map((c) => c.send.messageId);
    expect(order.sort()).toEqual([...campaign, agentToWaiting!, agent!].sort());
    expect(new Set(order).size).toBe(order.length);
    const seq = calls.map((c) => c.send.messageId);
    expect(seq[0]).toBe(agent);
    expect(seq.indexOf(campaign[0]!)).toBeLessThan(seq.indexOf(agentToWaiting!));
    // Accepted: the wamid is kept, the status stays `sending` until Meta's `sent` webhook.
    const rows = await tdb.database.db.selectFrom('messages').select(['status', 'wamid']).execute();
    expect(rows.every((r) => r.status === 'sending' && r.wamid?.startsWith('wamid.'))).toBe(true);
  });

  it('retries a retryable answer with backoff and holds the recipient’s later messages until it is resolved', async () => {
    let failures = 2;
    const { channel, calls } = scriptedChannel(clock, (send): SendOutcome => {
      if (send.to === '911' && failures > 0) {
        failures--;
        return { kind: 'retryable', error: { code: 131000, title: 'Something went wrong' } };
      }
      return { kind: 'accepted', wamid: `wamid.${send.messageId}` };
    });
    const [first, second] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '911' },
      { workspaceId: ws, numberId: 'n1', recipient: '911' },
    ]);
    start(channel, { n1: testNumber('n1') }, { random: () => 0 });
    await runUntil(async () => (await queued()) === 0);
    expect(calls.map((c) => c.send.messageId)).toEqual([first, first, first, second]);
    // Exponential from 1 s, jitter fixed at its low end (half): 0.5 s, then 1 s.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(500);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(1_000);
    const attempts = await tdb.database.db.selectFrom('messages').select('attempts').where('id', '=', first!).executeTakeFirstOrThrow();
    expect(attempts.attempts).toBe(3);
  });

  it('marks an unknown outcome and never resends it; a terminal error fails the message with Meta’s code', async () => {
    const { channel, calls } = scriptedChannel(clock, (send): SendOutcome =>
      send.to === '911'
        ? { kind: 'unknown', error: { code: 0, title: 'Timeout after the request was written' } }
        : { kind: 'terminal', error: { code: 131026, title: 'Message Undeliverable', details: 'Unable to deliver message.' } },
    );
    const [u, t] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '911' },
      { workspaceId: ws, numberId: 'n1', recipient: '912' },
    ]);
    // A refusal at send time reaches the same hooks as a `failed` webhook (outbound events, inbox).
    const hooked: string[] = [];
    const off = onStatusChanges(async (_tx, batch) => {
      for (const c of batch.reported) hooked.push(`${c.messageId}:${c.to}:${batch.failures.get(c.messageId)?.errors[0]?.code}`);
    });
    const d = start(channel, { n1: testNumber('n1') });
    await runUntil(async () => (await queued()) === 0);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 50));
    off();
    expect(hooked).toEqual([`${t}:failed:131026`]);
    expect(calls).toHaveLength(2);
    const rows = await tdb.database.db.selectFrom('messages').selectAll().execute();
    expect(rows.find((r) => r.id === u)!.status).toBe('unknown');
    const failed = rows.find((r) => r.id === t)!;
    expect([failed.status, failed.error_code, failed.error_title, failed.error_details]).toEqual(['failed', 131026, 'Message Undeliverable', 'Unable to deliver message.']);
    expect(d.stats()).toMatchObject({ unknown: 1, failed: 1 });
  });

  it('pauses the number on an account-level error and keeps its messages queued', async () => {
    const { channel, calls } = scriptedChannel(clock, (): SendOutcome => ({ kind: 'account', error: { code: 190, title: 'Access token has expired' } }));
    await queueMessages(tdb.database, clock, ['911', '912', '913'].map((r) => ({ workspaceId: ws, numberId: 'n1', recipient: r })));
    const d = start(channel, { n1: testNumber('n1', { throughputMps: 1 }) }, { numberRefreshMs: 60_000 });
    await runUntil(() => d.stats().paused === 1);
    for (let i = 0; i < 20; i++) {
      clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(calls).toHaveLength(1);
    expect(await queued()).toBe(3);
    expect(Object.values(await statuses())).toEqual(['queued', 'queued', 'queued']);
  });

  it('expires messages past their time to live instead of sending them late', async () => {
    const { channel, calls } = scriptedChannel(clock);
    const [late] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '911', ttlMs: 10 * 60_000 }]);
    const [onTime] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '912', ttlMs: 60 * 60_000 }]);
    clock.advance(11 * 60_000);
    const d = start(channel, { n1: testNumber('n1') });
    await runUntil(async () => (await queued()) === 0);
    expect(calls.map((c) => c.send.messageId)).toEqual([onTime]);
    expect((await statuses())[late!]).toBe('expired');
    expect(d.stats().expired).toBe(1);
  });

  it('spaces sends to one recipient by the pair rate (1 per 6 s, bursts up to 45) so Meta never answers 131056', async () => {
    const { channel, calls } = scriptedChannel(clock);
    await queueMessages(tdb.database, clock, Array.from({ length: 60 }, () => ({ workspaceId: ws, numberId: 'n1', recipient: '911' })));
    start(channel, { n1: testNumber('n1') });
    await runUntil(async () => (await queued()) === 0, 500, 5_000);
    expect(calls).toHaveLength(60);
    const meta = new PairRateLimiter(6_000, 45);
    expect(calls.map((c) => meta.tryTake('n1', '911', c.at))).not.toContain(false);
    // After the burst, one every 6 s.
    expect(calls[59]!.at - calls[0]!.at).toBeGreaterThanOrEqual(14 * 6_000);
  });

  it('keeps the portfolio messaging limit: recipients beyond it wait for the moving 24 h, not fail', async () => {
    const { channel, calls } = scriptedChannel(clock);
    const now = clock.nowMs();
    // Inside a service window: never counted.
    await tdb.database.db
      .insertInto('conversations')
      .values({ id: 'cv1', workspace_id: ws, number_id: 'n1', contact_id: 'contact-91000', last_message_id: null, last_message_at: null, last_inbound_at: now, window_expires_at: now + 86_400_000, fep_expires_at: null, unread_count: 0, created_at: now, updated_at: now })
      .execute();
    // Reached an hour ago (by another number of the portfolio): already in the set, 1 of 50 used.
    await tdb.database.db.insertInto('portfolio_recipients').values({ business_id: 'biz-1', recipient: '91001', last_at: now - 3_600_000 }).execute();
    const recipients = ['91000', '91001', ...Array.from({ length: 60 }, (_, i) => `9120${String(i).padStart(2, '0')}`)];
    await queueMessages(tdb.database, clock, recipients.map((r) => ({ workspaceId: ws, numberId: 'n1', recipient: r, ttlMs: 3 * 86_400_000 })));
    const d = start(channel, { n1: testNumber('n1', { messagingLimitTier: 'TIER_50', throughputMps: 1000 }) });
    await runUntil(async () => (await queued()) === 11);
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    // 49 new + the in-window one + the already-reached one; 11 wait.
    expect(calls).toHaveLength(51);
    expect(await queued()).toBe(11);
    expect(d.stats().limitWaits).toBeGreaterThan(0);
    // Reaching 91001 again refreshed it in the moving window, so nothing frees after 23 h…
    clock.advance(23 * 3_600_000);
    for (let i = 0; i < 10; i++) {
      clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(calls).toHaveLength(51);
    // …and everything that waited goes once the first sends are 24 h old.
    clock.advance(3_600_000);
    await runUntil(() => calls.length === 62);
    expect(new Set(calls.map((c) => c.send.to)).size).toBe(62);
  });

  it('on takeover marks sends a dead owner left in flight as unknown, never resending them', async () => {
    const [orphan, next] = await queueMessages(tdb.database, clock, [
      { workspaceId: ws, numberId: 'n1', recipient: '911' },
      { workspaceId: ws, numberId: 'n1', recipient: '912' },
    ]);
    // The dead owner had marked one message `sending`; its lease is still valid for 3 s.
    await tdb.database.db.updateTable('messages').set({ status: 'sending' }).where('id', '=', orphan!).execute();
    await tdb.database.db.insertInto('number_leases').values({ number_id: 'n1', owner: 'dead', token: 't', expires_at: clock.nowMs() + 3_000 }).execute();
    const { channel, calls } = scriptedChannel(clock);
    const d = start(channel, { n1: testNumber('n1') });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(0);
    await runUntil(async () => (await queued()) === 0);
    expect(calls.map((c) => c.send.messageId)).toEqual([next]);
    expect((await statuses())[orphan!]).toBe('unknown');
    expect(d.stats()).toMatchObject({ orphaned: 1, unknown: 1 });
  });

  it('two dispatchers on two connections share the numbers, one owner each, every message sent once', async () => {
    const a = scriptedChannel(clock);
    const b = scriptedChannel(clock);
    const numbers = (id: string) => testNumber(id, { throughputMps: 1000 });
    const inputs = ['n1', 'n2', 'n3', 'n4'].flatMap((n) => Array.from({ length: 75 }, (_, i) => ({ workspaceId: ws, numberId: n, recipient: `91${i}` })));
    const ids = await queueMessages(tdb.database, clock, inputs);
    const other = tdb.openAnother();
    // runUntil moves the frozen clock 100 ms per ~2 ms of real time, so with the suite's 2 s
    // lease a renewal delayed ~40 ms by a loaded machine lets the other dispatcher take the
    // number over — correct (fenced) behaviour, but not what this test is about. A lease longer
    // than runUntil's whole budget (3,000 steps of 100 ms) cannot lapse here, so any number
    // sent from by both means the lease itself let two owners in.
    const longLease = { leaseMs: 600_000 };
    start(a.channel, numbers, longLease);
    start(b.channel, numbers, longLease, other);
    await runUntil(async () => (await queued()) === 0, 100, 3_000);
    const sent = [...a.calls, ...b.calls].map((c) => c.send.messageId);
    expect(sent.sort()).toEqual([...ids].sort());
    // No number was sent from by both at once (each number's sends come from a single owner here).
    for (const n of ['n1', 'n2', 'n3', 'n4']) {
      const byA = a.calls.some((c) => c.numberId === n);
      const byB = b.calls.some((c) => c.numberId === n);
      expect(byA && byB).toBe(false);
    }
  });
});
