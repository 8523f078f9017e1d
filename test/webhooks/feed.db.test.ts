import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../src/platform/db/test-database.ts';
import { buildTemplateStatusEvent, recordEvents } from '../../src/webhooks/index.ts';
import { readFeed } from '../../src/webhooks/feed.ts';

const event = (n: number) => ({ workspaceId: 'w1', type: 'message_template_status_update', contactId: null, payload: buildTemplateStatusEvent({ event: 'APPROVED', providerTemplateId: String(n), name: `t${n}`, language: 'en', reason: null, at: 0 }) });
const ids = (page: { data: { payload: unknown }[] }) => page.data.map((e) => (e.payload as { data: { message_template_id: number } }).data.message_template_id);

describe('polling feed GET /api/v1/events', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
  });
  afterAll(async () => {
    await tdb?.cleanup();
  });

  it('returns events in order after a cursor, and an unchanged cursor when nothing is new', async () => {
    const { database } = tdb;
    await database.transaction((tx) => recordEvents(tx, [event(1), event(2), event(3)], 1));
    // On PostgreSQL the feed serves what no running transaction can still precede, cluster-wide:
    // another test's transaction in flight holds it back for a moment.
    const first = await settled(() => readFeed(database, 'w1', undefined, 2), (r) => r.data.length === 2);
    expect(ids(first)).toEqual([1, 2]);
    const second = await readFeed(database, 'w1', first.cursor, 10);
    expect(ids(second)).toEqual([3]);
    const empty = await readFeed(database, 'w1', second.cursor, 10);
    expect(empty.data).toEqual([]);
    expect(empty.cursor).toBe(second.cursor);
    expect((await readFeed(database, 'other', undefined, 10)).data).toEqual([]);
  });

  it.runIf(process.env.DATABASE_URL)('never skips an event whose transaction commits after a later one (two writers, PostgreSQL)', async () => {
    const { database } = tdb;
    const start = await readFeed(database, 'w1', undefined, 1000);
    let cursor = start.cursor;
    const seen: number[] = [];
    // Writer A draws its seq first and commits last; writer B draws later and commits first.
    let releaseA!: () => void;
    const aHolding = new Promise<void>((r) => (releaseA = r));
    let aInserted!: () => void;
    const aDidInsert = new Promise<void>((r) => (aInserted = r));
    const a = database.transaction(async (tx) => {
      await recordEvents(tx, [event(100)], 2);
      aInserted();
      await aHolding;
    });
    await aDidInsert;
    await database.transaction((tx) => recordEvents(tx, [event(101)], 3));
    const other = tdb.openAnother();
    try {
      // A poller reads while A is still open: whatever it serves, its cursor must not pass A's event.
      const mid = await readFeed(other, 'w1', cursor, 1000);
      seen.push(...ids(mid));
      cursor = mid.cursor;
      releaseA();
      await a;
      const after = await settled(() => readFeed(other, 'w1', cursor, 1000), (r) => r.data.length + seen.length >= 2);
      seen.push(...ids(after));
    } finally {
      await other.close();
    }
    expect(seen.sort()).toEqual([100, 101]);
  });
});

/** Reads again until `done` holds (at most 20 s): the feed may lag behind other running transactions. */
async function settled<T>(read: () => Promise<T>, done: (r: T) => boolean): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const r = await read();
    if (done(r) || Date.now() > until) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
