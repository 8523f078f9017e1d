/**
 * Analytics: reports over messages, conversations, costs, agents and campaigns, in the
 * workspace's time zone (native API /api/v1/analytics/*). Message counts come from a rollup of
 * 15-minute slots (rolled by a recurring job once a slot is older than the messages' time to
 * live; late status webhooks adjust it in their own transaction) plus live counts of the newest
 * slots. The other reports read their modules' tables through indexes added in 0090.
 */
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobQueue } from '../platform/queue/index.ts';
import { rollUpAll, rollupHorizonMs, subscribeLateStatusChanges } from './rollup.ts';

export { analyticsMigrations } from './migrations.ts';
export { registerAnalyticsRoutes } from './routes.ts';
export { rollUpAll, rollUpWorkspace, rollupHorizonMs } from './rollup.ts';

export const ANALYTICS_ROLLUP_JOB = 'analytics.rollup';
export const ANALYTICS_ROLLUP_EVERY_MS = 15 * 60_000;

/** The rollup's recurring job and its hook on status changes (every role; the job runs on workers). */
export function setupAnalytics(deps: { database: Database; clock: Clock; logger: Logger; queue: JobQueue; messageTtlMs: number }): void {
  const horizonMs = rollupHorizonMs(deps.messageTtlMs);
  deps.queue.registerRecurring(ANALYTICS_ROLLUP_JOB, ANALYTICS_ROLLUP_EVERY_MS, async (job) => {
    await rollUpAll({ database: deps.database, clock: deps.clock, logger: deps.logger, horizonMs, signal: job.signal });
  });
  subscribeLateStatusChanges();
}
