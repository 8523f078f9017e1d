import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { DelivererStats } from './delivery/deliverer.ts';

const OUTCOMES = ['delivered', 'retried', 'dead', 'attempts'] as const;

/**
 * Webhook delivery on /metrics: this process's deliverer (attempts and their outcomes, deliveries
 * held in memory) and the deployment's backlog of pending deliveries, read at scrape time: a
 * backlog that keeps growing means a receiver is down or slower than the events come.
 */
export function registerWebhookMetrics(registry: Registry, stats: () => DelivererStats | undefined, database: Database, logger: Logger): void {
  const seen = new Map<string, number>();
  new Counter({
    name: 'samvad_webhook_deliveries_total',
    help: "Outbound webhook work in this process: attempts made, and deliveries that ended delivered (2xx), were scheduled for a retry, or dead-lettered",
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      for (const outcome of OUTCOMES) {
        const delta = s[outcome] - (seen.get(outcome) ?? 0);
        this.inc({ outcome }, Math.max(0, delta));
        seen.set(outcome, s[outcome]);
      }
    },
  });
  new Gauge({
    name: 'samvad_webhook_deliveries_held',
    help: 'Deliveries this process has claimed and not yet finished (queued or in flight)',
    registers: [registry],
    collect() {
      this.set(stats()?.held ?? 0);
    },
  });
  new Gauge({
    name: 'samvad_webhook_backlog',
    help: 'Pending webhook deliveries in the whole deployment (due, backing off, or waiting behind an earlier event of the same contact)',
    registers: [registry],
    async collect() {
      try {
        const r = await sql<{ n: number }>`select count(*) as n from webhook_deliveries where state = 'pending'`.execute(database.db);
        this.set(Number(r.rows[0]?.n ?? 0));
      } catch (err) {
        logger.warn({ err }, 'could not read the webhook backlog for /metrics');
      }
    },
  });
}
