import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenClock } from '../../emulator/test-support.ts';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { acquireLease } from './lease.ts';
import { fetchDueHeads } from './queue-reads.ts';
import { createTestWorkspace, queueMessages } from './test-support.ts';
import { deferRows, markSending, recordOutcomes } from './writes.ts';

describe('dispatch writes racing a send that finished meanwhile', () => {
  let tdb: TestDatabase;
  let clock: ReturnType<typeof frozenClock>;
  let ws: string;
  beforeEach(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
    clock = frozenClock();
    ws = await createTestWorkspace(tdb.database, clock);
  });
  afterEach(async () => tdb.cleanup());

  it('markSending does not send a message read as due before its previous attempt was retried with a backoff', async () => {
    const [id] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '911' }]);
    const lease = (await acquireLease(tdb.database, 'n1', 'me', clock.nowMs(), 60_000))!;
    const mark = (rows: Awaited<ReturnType<typeof fetchDueHeads>>) => markSending(tdb.database, { lease, leaseMs: 60_000, nowMs: clock.nowMs(), rows, businessId: 'biz-1', limit: Infinity });

    const first = await mark(await fetchDueHeads(tdb.database, 'n1', clock.nowMs(), 10));
    expect(first.ready.map((s) => s.row.message_id)).toEqual([id]);
    // A second round reads the queue while the send is in flight: the row is still due then…
    const staleRead = await fetchDueHeads(tdb.database, 'n1', clock.nowMs(), 10);
    expect(staleRead.map((r) => r.message_id)).toEqual([id]);
    // …then the send is refused for now and retried in 500 ms.
    const row = first.ready[0]!.row;
    await recordOutcomes(tdb.database, [{ row, numberId: 'n1', nowMs: clock.nowMs(), outcome: { kind: 'retryable', error: { code: 131000, title: 'Something went wrong' } }, retryAt: clock.nowMs() + 500 }]);

    clock.advance(200);
    const early = await mark(staleRead);
    expect(early).toMatchObject({ ready: [], stale: [] });
    // Still queued for its retry, which goes at its time.
    clock.advance(300);
    const due = await fetchDueHeads(tdb.database, 'n1', clock.nowMs(), 10);
    expect((await mark(due)).ready.map((s) => s.row.message_id)).toEqual([id]);
  });

  it('a pair-rate deferral from such a read never brings the retry earlier', async () => {
    const [id] = await queueMessages(tdb.database, clock, [{ workspaceId: ws, numberId: 'n1', recipient: '911' }]);
    const runAt = async () => Number((await tdb.database.db.selectFrom('dispatch_queue').select('run_at').where('message_id', '=', id!).executeTakeFirstOrThrow()).run_at);
    const now = clock.nowMs();
    // Retried in 16 s (Meta's pair-rate refusal); a stale read's deferral says 6 s.
    await tdb.database.db.updateTable('dispatch_queue').set({ run_at: now + 16_000 }).where('message_id', '=', id!).execute();
    await deferRows(tdb.database, [{ id: id!, runAt: now + 6_000 }]);
    expect(await runAt()).toBe(now + 16_000);
    // A deferral past the row's time still moves it.
    await deferRows(tdb.database, [{ id: id!, runAt: now + 20_000 }]);
    expect(await runAt()).toBe(now + 20_000);
  });
});
