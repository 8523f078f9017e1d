import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../platform/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { decodeDebits, encodeDebits, INBOUND_CHANNEL, inboundMeter, relayInboundDebits } from './inbound-meter.ts';

/**
 * Inbound messages debit the throughput bucket of the dispatcher that owns the number, whichever
 * process recorded them: debits travel on a database notification channel. On PostgreSQL the
 * listener uses a second pool, as another process would; SQLite runs in one process.
 */
describe('inbound debits reach the owning dispatcher through the database', () => {
  let t: TestDatabase;
  let listenerSide: Database;
  beforeAll(async () => {
    t = await createTestDatabase();
    listenerSide = process.env.DATABASE_URL ? t.openAnother() : t.database;
  });
  afterAll(async () => {
    if (listenerSide !== t.database) await listenerSide.close();
    await t.cleanup();
  });

  it('sums a burst per number into one notification and delivers it to a listener on another connection', async () => {
    const got: string[] = [];
    const unlisten = await listenerSide.notifications.listen(INBOUND_CHANNEL, (p) => got.push(p));
    const stop = relayInboundDebits(t.database, (err) => {
      throw err;
    });
    try {
      inboundMeter.debit('n1', 3);
      inboundMeter.debit('n2', 1);
      inboundMeter.debit('n1', 2);
      inboundMeter.debit('n3', 0); // nothing to debit: not sent
      await expect.poll(() => got.length, { timeout: 5_000 }).toBe(1);
      expect(new Map(decodeDebits(got[0]!))).toEqual(new Map([['n1', 5], ['n2', 1]]));
    } finally {
      stop();
      await unlisten();
    }
  });

  it('ignores malformed lines in a payload', () => {
    expect(decodeDebits('n1 2\ngarbage\nn2 -1\nn3 1.5\n\nn4 7')).toEqual([['n1', 2], ['n4', 7]]);
    expect(decodeDebits(encodeDebits(new Map([['a', 1]])))).toEqual([['a', 1]]);
  });
});
