import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import type { DispatchStats } from './types.ts';

/** The parts of a dispatcher the metrics read. */
export interface DispatchMetricsSource {
  stats(): DispatchStats;
  owned(): string[];
}

const OUTCOMES: (keyof DispatchStats)[] = ['accepted', 'retried', 'throttled', 'pairThrottled', 'unknown', 'orphaned', 'failed', 'expired', 'paused', 'limitWaits'];

/**
 * Dispatch on /metrics: send outcomes of this process's dispatcher (counters, so rates come from
 * `rate()`), the numbers it owns, and the deployment's queue depth (messages waiting to be sent,
 * read from the database at scrape time: a queue that only grows is the first sign a number is
 * paused, throttled or over its messaging limit).
 */
export function registerDispatchMetrics(registry: Registry, source: () => DispatchMetricsSource | undefined, database: Database, logger: Logger): void {
  const seen = new Map<string, number>();
  new Counter({
    name: 'samvad_dispatch_outcomes_total',
    help: "Dispatcher outcomes in this process: accepted (wamid back), retried, throttled (130429), pairThrottled (131056), unknown (written, no answer; never resent), orphaned (left 'sending' by a dead owner), failed, expired (TTL), paused (account errors), limitWaits (messaging-limit waits)",
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const stats = source()?.stats();
      if (!stats) return;
      for (const outcome of OUTCOMES) {
        const now = stats[outcome];
        this.inc({ outcome }, Math.max(0, now - (seen.get(outcome) ?? 0)));
        seen.set(outcome, now);
      }
    },
  });
  new Gauge({
    name: 'samvad_dispatch_numbers_owned',
    help: 'Business numbers whose dispatch this process owns (holds the lease of)',
    registers: [registry],
    collect() {
      this.set(source()?.owned().length ?? 0);
    },
  });
  new Gauge({
    name: 'samvad_dispatch_queue_depth',
    help: 'Messages queued for dispatch in the whole deployment, by priority (0 agent replies and API sends, higher: campaigns)',
    labelNames: ['priority'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await sql<{ priority: number; n: number }>`select priority, count(*) as n from dispatch_queue group by priority`.execute(database.db);
        for (const r of rows.rows) this.set({ priority: String(r.priority) }, Number(r.n));
      } catch (err) {
        logger.warn({ err }, 'could not read the dispatch queue depth for /metrics');
      }
    },
  });
}
