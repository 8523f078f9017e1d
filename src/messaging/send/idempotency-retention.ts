import { sql } from 'kysely';
import type { CustomRetentionKind, PruneContext } from '../../platform/retention/index.ts';

/**
 * Idempotency keys answer repeats for 24 hours; a day after they expire they are deleted, in
 * bounded batches. (The table's key is (workspace_id, key), so the generic table pruner, which
 * bounds deletes by a single id column, does not fit.)
 */
export const idempotencyKeysRetention: CustomRetentionKind = {
  name: 'messaging.idempotency_keys',
  days: 1,
  async prune({ database, cutoffMs, batchSize, signal }: PruneContext): Promise<number> {
    let removed = 0;
    for (;;) {
      if (signal.aborted) break;
      const n = await database.transaction(async (tx) => {
        const result = await sql`
          delete from idempotency_keys
          where (workspace_id, key) in (
            select workspace_id, key from idempotency_keys where expires_at < ${cutoffMs} limit ${batchSize}
          )`.execute(tx.db);
        return Number(result.numAffectedRows ?? 0n);
      });
      removed += n;
      if (n < batchSize) break;
    }
    return removed;
  },
};
