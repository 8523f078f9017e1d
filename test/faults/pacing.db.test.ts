import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { queueMessages } from '../../src/messaging/dispatch/test-support.ts';

/**
 * Pacing under load (issue 4, "Done when"): a burst of sends from an emulated 80-mps number while
 * every virtual customer replies to every message at once. Meta (here the in-process emulator)
 * counts the replies against the same 80 mps as the sends, so Samvad's dispatcher must slow its
 * sends as replies arrive (its bucket is debited by recorded inbound) and never be answered 130429.
 *
 * Size: every send draws a reply, so 2 × N messages share 72 mps (the dispatcher's 90 % share):
 * ~28 s of real time for N = 1,000 on the real clock. The clock is NOT advanced to go faster,
 * although both token buckets read it: a jump refills both buckets at once but leaves inbound
 * replies still on their way to Samvad (webhook → job → meter), so it would stretch the real lag
 * between the emulator counting a reply and Samvad hearing of it into seconds of clock time — a
 * distortion, not the rule under test. N = 1,000 (and 100 customers × 10 messages, within the
 * pair rate's burst) keeps the test under a minute on a busy 2-core machine; the same rule runs
 * for every second of the ~28 s, so a larger burst adds time, not coverage.
 */
const N = Number(process.env.PACING_SENDS ?? 1_000);
const CUSTOMERS = 100;

describe('pacing: an 80-mps number under a burst of sends while customers reply', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it(`sends ${N} messages, each accepted once, no 130429, every reply recorded as inbound`, { timeout: 180_000 }, async () => {
    const { database, clock } = app.context;
    const emulator = app.emulator!;
    const dispatcher = app.dispatcher!;
    const emuNumber = emulator.defaultNumber()!;
    expect(emuNumber.throughput_mps).toBe(80);
    const number = await database.db.selectFrom('business_numbers').selectAll().where('phone_number_id', '=', emuNumber.phone_number_id).executeTakeFirstOrThrow();
    expect(Number(number.throughput_mps)).toBe(80);

    // Customers who are delivered at once and reply to every message at once (no read step).
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `9197${String(i).padStart(8, '0')}`);
    for (const [i, waId] of customers.entries()) {
      const res = await fetch(`${app.url}/emulator/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ wa_id: waId, profile_name: `Customer ${i}`, behaviour: { deliveryDelayMs: 0, readDelayMs: null, reply: { mode: 'text', text: 'Got it', delayMs: 0, once: false } } }),
      });
      expect(res.status).toBeLessThan(300);
    }

    // The burst: N messages queued at once in the running app's database (as the send API stores
    // them), round-robin over the customers so each gets N / CUSTOMERS (≤ the pair-rate burst).
    const started = Date.now();
    const ids = await queueMessages(
      database,
      clock,
      Array.from({ length: N }, (_, i) => ({ workspaceId: number.workspace_id, numberId: number.id, recipient: customers[i % CUSTOMERS]! })),
      (id) => app.context.dispatch.wake(id),
    );
    const queuedMs = Date.now() - started;

    const store = emulator.engine.store;
    const emulatorOut = () => store.get<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE direction = 'out' AND number_id = ?`, emuNumber.phone_number_id)!.n;
    const inbound = async () =>
      Number((await database.db.selectFrom('messages').select(sql<number>`count(*)`.as('n')).where('direction', '=', 'inbound').where('number_id', '=', number.id).executeTakeFirstOrThrow()).n);

    await expect.poll(emulatorOut, { timeout: 150_000, interval: 500 }).toBe(N);
    const sentMs = Date.now() - started;
    await expect.poll(inbound, { timeout: 60_000, interval: 500 }).toBe(N);

    // The emulator's own record: every message accepted exactly once.
    const perMessage = store.all<{ id: string; n: number }>(`SELECT biz_opaque AS id, count(*) AS n FROM messages WHERE direction = 'out' AND number_id = ? GROUP BY biz_opaque`, emuNumber.phone_number_id);
    const counts = new Map(perMessage.map((r) => [r.id, r.n]));
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(counts.size).toBe(N);
    const emuInbound = store.get<{ n: number }>(`SELECT count(*) AS n FROM messages WHERE direction = 'in' AND number_id = ?`, emuNumber.phone_number_id)!.n;
    expect(emuInbound).toBe(N);

    // The emulator records a send before the dispatcher has read its answer.
    await expect.poll(() => dispatcher.stats().accepted, { timeout: 30_000, interval: 100 }).toBe(N);
    const stats = dispatcher.stats();
    console.log(
      `pacing: ${N} sends to ${CUSTOMERS} replying customers on an 80-mps number: queued in ${queuedMs} ms, all accepted by the emulator after ${(sentMs / 1000).toFixed(1)} s ` +
        `(${((2 * N) / (sentMs / 1000)).toFixed(1)} msgs/s in+out), ${emuInbound} replies, Samvad recorded ${N} inbound; dispatcher stats ${JSON.stringify(stats)}`,
    );
    expect(stats.throttled).toBe(0);
    expect(stats.accepted).toBe(N);
    expect(stats.retried).toBe(0);
  });
});
