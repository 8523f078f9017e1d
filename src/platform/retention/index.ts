import type { Clock } from '../clock.ts';
import type { RetentionConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { JobQueue } from '../queue/index.ts';
import { pruneAll } from './prune.ts';
import { RetentionRegistry } from './registry.ts';

export { RetentionRegistry, retentionDays } from './registry.ts';
export type { CustomRetentionKind, PruneContext, RetentionKind, TableRetentionKind } from './registry.ts';
export { pruneAll, pruneTable, DEFAULT_PRUNE_BATCH } from './prune.ts';

export const RETENTION_JOB = 'retention.prune';
export const RETENTION_EVERY_MS = 3_600_000;

export interface RetentionDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  queue: JobQueue;
  config: RetentionConfig;
  batchSize?: number;
}

/**
 * The retention registry of a process, with the queue's own dead jobs registered (kept
 * `jobHistoryDays`; completed jobs are deleted at once and leave no history) and the hourly
 * `retention.prune` recurring job registered on the queue. Modules add their kinds with
 * `retention.register({...})` before the queue starts.
 */
export function setupRetention(deps: RetentionDeps): RetentionRegistry {
  const registry = new RetentionRegistry();
  registry.register({
    name: 'jobs.dead',
    table: 'jobs',
    // dead_at is set only on dead jobs, so waiting and running jobs never match.
    timeColumn: 'dead_at',
    days: () => deps.config.jobHistoryDays,
    workspaceScoped: true,
  });
  deps.queue.registerRecurring(RETENTION_JOB, RETENTION_EVERY_MS, async (job) => {
    await pruneAll({
      database: deps.database,
      clock: deps.clock,
      logger: deps.logger,
      registry,
      signal: job.signal,
      ...(deps.batchSize !== undefined ? { batchSize: deps.batchSize } : {}),
    });
  });
  return registry;
}
