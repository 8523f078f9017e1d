import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { retentionDays, type PruneContext, type RetentionRegistry, type TableRetentionKind } from './registry.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_PRUNE_BATCH = 5_000;

/**
 * Deletes rows older than the cutoff in bounded batches: each statement removes at most
 * `batchSize` rows in its own short transaction, so pruning a large backlog never holds a long
 * transaction (which on PostgreSQL stalls vacuum of the job table, and on SQLite delays the writes
 * group-committed with it).
 */
export async function pruneTable(kind: TableRetentionKind, ctx: PruneContext): Promise<number> {
  const id = sql.ref(kind.idColumn ?? 'id');
  const table = sql.table(kind.table);
  const time = sql.ref(kind.timeColumn);
  let total = 0;
  while (!ctx.signal.aborted) {
    const deleted = await ctx.database.transaction(async (tx) => {
      const r = await sql`delete from ${table} where ${id} in (
        select ${id} from ${table} where ${time} < ${ctx.cutoffMs} limit ${ctx.batchSize}
      )`.execute(tx.db);
      return Number(r.numAffectedRows ?? 0);
    });
    total += deleted;
    if (deleted < ctx.batchSize) break;
    await new Promise((r) => setImmediate(r)); // let other work interleave between batches
  }
  return total;
}

export interface PruneDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  registry: RetentionRegistry;
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * Prunes every registered kind once. A kind that fails is logged and the others still run; the
 * call then throws so the job is retried.
 */
export async function pruneAll(deps: PruneDeps): Promise<Record<string, number>> {
  const signal = deps.signal ?? new AbortController().signal;
  const results: Record<string, number> = {};
  const failures: string[] = [];
  for (const kind of deps.registry.list()) {
    if (signal.aborted) break;
    const days = retentionDays(kind);
    if (!Number.isFinite(days) || days <= 0) continue; // 0 or less: keep forever
    const ctx: PruneContext = {
      database: deps.database,
      cutoffMs: deps.clock.nowMs() - days * DAY_MS,
      batchSize: deps.batchSize ?? DEFAULT_PRUNE_BATCH,
      signal,
    };
    try {
      results[kind.name] = 'prune' in kind ? await kind.prune(ctx) : await pruneTable(kind, ctx);
      if (results[kind.name]! > 0) deps.logger.info({ kind: kind.name, deleted: results[kind.name], days }, 'retention pruned');
    } catch (err) {
      failures.push(kind.name);
      deps.logger.error({ err, kind: kind.name }, 'retention pruning failed');
    }
  }
  if (failures.length > 0) throw new Error(`retention pruning failed for: ${failures.join(', ')}`);
  return results;
}
