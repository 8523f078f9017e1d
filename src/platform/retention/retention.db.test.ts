import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClock, type Clock } from '../clock.ts';
import type { RetentionConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { silentLogger } from '../logger.ts';
import { JobQueue, queueMigrations } from '../queue/index.ts';
import { waitFor } from '../queue/test-helpers.ts';
import { pruneAll, RetentionRegistry, setupRetention } from './index.ts';

const DAY = 86_400_000;
let t: TestDatabase;
let database: Database;
let clock: Clock;
let queue: JobQueue | undefined;

const config: RetentionConfig = {
  rawProviderWebhooksDays: 30,
  webhookDeliveriesDays: 30,
  eventFeedDays: 90,
  jobHistoryDays: 14,
  mediaDays: 30,
};

beforeAll(async () => {
  t = await createTestDatabase();
  database = t.database;
  await migrateToLatest(database, {
    ...queueMigrations,
    '9999_retention_samples': {
      async up(db) {
        await db.schema
          .createTable('retention_samples')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('workspace_id', 'text')
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  });
});

afterAll(async () => {
  await t.cleanup();
});

beforeEach(async () => {
  clock = createClock({ movable: true });
  await database.db.deleteFrom('jobs').execute();
  await sql`delete from retention_samples`.execute(database.db);
});

afterEach(async () => {
  await queue?.stop();
  queue = undefined;
});

async function insertSamples(ages: number[]): Promise<void> {
  const now = clock.nowMs();
  await database.transaction(async (tx) => {
    for (const [i, age] of ages.entries()) {
      await sql`insert into retention_samples (id, workspace_id, received_at) values (${`s${String(i).padStart(4, '0')}`}, 'ws', ${now - age})`.execute(tx.db);
    }
  });
}

async function sampleAges(): Promise<number[]> {
  const now = clock.nowMs();
  const r = await sql<{ received_at: number }>`select received_at from retention_samples order by received_at desc`.execute(database.db);
  return r.rows.map((row) => Math.round((now - Number(row.received_at)) / DAY));
}

describe('retention', () => {
  it('prunes only rows older than the period, in bounded batches', async () => {
    // 12 old rows (more than several batches of 5) and 3 recent ones.
    await insertSamples([...Array.from({ length: 12 }, (_, i) => (31 + i) * DAY), 1 * DAY, 29 * DAY, 30 * DAY - 60_000]);
    const registry = new RetentionRegistry();
    registry.register({ name: 'samples', table: 'retention_samples', timeColumn: 'received_at', days: 30, workspaceScoped: true });
    const result = await pruneAll({ database, clock, logger: silentLogger(), registry, batchSize: 5 });
    expect(result).toEqual({ samples: 12 });
    expect(await sampleAges()).toEqual([1, 29, 30]);
    // Nothing more to prune until time passes.
    expect(await pruneAll({ database, clock, logger: silentLogger(), registry, batchSize: 5 })).toEqual({ samples: 0 });
    clock.advance(2 * DAY);
    expect(await pruneAll({ database, clock, logger: silentLogger(), registry, batchSize: 5 })).toEqual({ samples: 2 });
  });

  it('runs custom prune functions with the cutoff, and keeps going when one kind fails', async () => {
    const registry = new RetentionRegistry();
    let cutoff = 0;
    registry.register({ name: 'broken', table: 'no_such_table', timeColumn: 'x', days: 1 });
    registry.register({
      name: 'media',
      days: () => 30,
      async prune(ctx) {
        cutoff = ctx.cutoffMs;
        return 7;
      },
    });
    registry.register({ name: 'forever', days: 0, prune: async () => expect.fail('days 0 keeps forever') });
    await expect(pruneAll({ database, clock, logger: silentLogger(), registry })).rejects.toThrow('broken');
    expect(clock.nowMs() - cutoff).toBeGreaterThanOrEqual(30 * DAY);
    expect(clock.nowMs() - cutoff).toBeLessThan(31 * DAY);
  });

  it('prunes old dead jobs through the hourly recurring job, leaving recent dead and waiting jobs', async () => {
    queue = new JobQueue({ database, clock, logger: silentLogger() });
    const registry = setupRetention({ database, clock, logger: silentLogger(), queue, config });
    registry.register({ name: 'samples', table: 'retention_samples', timeColumn: 'received_at', days: () => config.webhookDeliveriesDays });
    await insertSamples([40 * DAY, 2 * DAY]);
    const now = clock.nowMs();
    const dead = (id: string, deadAt: number) => ({
      id,
      kind: 'x',
      payload: '{}',
      workspace_id: null,
      state: 'dead',
      priority: 100,
      run_at: deadAt,
      attempts: 10,
      lease_token: null,
      lease_expires_at: null,
      locked_by: null,
      unique_key: null,
      last_error: 'gave up',
      created_at: deadAt - DAY,
      dead_at: deadAt,
    });
    await database.transaction(async (tx) => {
      await tx.db.insertInto('jobs').values([dead('old-dead', now - 15 * DAY), dead('recent-dead', now - 13 * DAY)]).execute();
      await queue!.enqueue(tx, { kind: 'x', payload: {}, runAt: now - 100 * DAY });
    });
    queue.start();
    // The first run happens at start; then once per hour. A run is over when its row waits for the next period.
    const runFinished = async () => {
      const row = await database.db.selectFrom('jobs').selectAll().where('kind', '=', 'retention.prune').executeTakeFirst();
      return row !== undefined && row.lease_token === null && Number(row.run_at) > clock.nowMs();
    };
    await waitFor(runFinished, 'first prune run');
    expect(await database.db.selectFrom('jobs').select('id').where('id', '=', 'old-dead').execute()).toEqual([]);
    expect(await sampleAges()).toEqual([2]);
    const left = await database.db.selectFrom('jobs').select(['id', 'kind', 'state']).orderBy('kind').execute();
    expect(left.map((j) => j.kind).sort()).toEqual(['retention.prune', 'x', 'x']);
    expect(left.some((j) => j.id === 'recent-dead')).toBe(true);

    await insertSamples([31 * DAY]);
    clock.advance(3_600_000);
    await waitFor(async () => (await sampleAges()).length === 1 && (await runFinished()), 'pruned again an hour later');
    expect(await sampleAges()).toEqual([2]);
  });
});
