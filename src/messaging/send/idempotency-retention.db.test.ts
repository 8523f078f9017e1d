import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../platform/db/test-database.ts';
import { idempotencyKeysRetention } from './idempotency-retention.ts';

describe('idempotency key retention', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
    await migrateToLatest(t.database, migrations);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('deletes keys that expired before the cutoff, in batches, and keeps the rest', async () => {
    const day = 86_400_000;
    const now = Date.UTC(2026, 10, 26);
    const rows = Array.from({ length: 25 }, (_, i) => ({
      workspace_id: i % 2 ? 'w1' : 'w2',
      key: `k${i}`,
      request_hash: 'h',
      status_code: 201,
      response_body: '{}',
      created_at: now - 3 * day,
      // 20 expired two days ago, 5 still live.
      expires_at: i < 20 ? now - 2 * day : now + day,
    }));
    await t.database.transaction((tx) => tx.db.insertInto('idempotency_keys').values(rows).execute());
    const removed = await idempotencyKeysRetention.prune({ database: t.database, cutoffMs: now - day, batchSize: 7, signal: new AbortController().signal });
    expect(removed).toBe(20);
    const left = await t.database.db.selectFrom('idempotency_keys').select('key').execute();
    expect(left.map((r) => r.key).sort()).toEqual(['k20', 'k21', 'k22', 'k23', 'k24']);
  });
});
