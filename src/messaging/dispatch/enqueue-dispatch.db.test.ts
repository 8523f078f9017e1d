import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { enqueueDispatch, enqueueDispatchMany, PRIORITY, type EnqueueDispatchInput } from './enqueue-dispatch.ts';

describe('enqueueDispatchMany (a campaign batch’s queue rows)', () => {
  // One migrated database for both tests (the second adds nothing that stays).
  const ready: Promise<TestDatabase> = createTestDatabase().then(async (t) => (await migrateToLatest(t.database, migrations), t));
  afterAll(async () => (await ready).cleanup());

  const input = (messageId: string, numberId: string): EnqueueDispatchInput => ({ messageId, numberId, workspaceId: 'w1', recipient: `91980000${messageId.slice(1)}`, priority: PRIORITY.campaign, expiresAt: 9_000, now: 1_000 });
  const rows = async () => (await ready).database.db.selectFrom('dispatch_queue').selectAll().orderBy('seq').execute();

  it('writes the rows enqueueDispatch writes, seq in the order given, and wakes each number once after commit', async () => {
    const tdb = await ready;
    const woken: string[] = [];
    const wake = (n: string) => woken.push(n);
    await tdb.database.transaction((tx) => enqueueDispatch(tx, input('m0', 'n1'), wake));
    await tdb.database.transaction(async (tx) => {
      await enqueueDispatchMany(tx, [input('m1', 'n1'), input('m2', 'n2'), input('m3', 'n1')], wake);
      expect(woken).toEqual(['n1']);
    });
    expect(woken).toEqual(['n1', 'n1', 'n2']);

    const all = await rows(); // in seq order: the order given
    expect(all.map((r) => r.message_id)).toEqual(['m0', 'm1', 'm2', 'm3']);
    // Apart from the per-message fields, every row is the single enqueue's row.
    const common = ({ message_id: _m, number_id: _n, recipient: _r, seq: _s, ...rest }: (typeof all)[number]) => JSON.stringify(rest);
    expect(new Set(all.map(common)).size).toBe(1);
    expect(all.map((r) => [r.number_id, r.recipient])).toEqual([['n1', '919800000'], ['n1', '919800001'], ['n2', '919800002'], ['n1', '919800003']]);
  });

  it('wakes nobody when the transaction rolls back', async () => {
    const tdb = await ready;
    const woken: string[] = [];
    await expect(
      tdb.database.transaction(async (tx) => {
        await enqueueDispatchMany(tx, [input('m9', 'n1')], (n) => woken.push(n));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(woken).toEqual([]);
    expect((await rows()).map((r) => r.message_id)).not.toContain('m9');
  });
});
