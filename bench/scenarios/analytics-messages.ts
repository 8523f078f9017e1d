import { join } from 'node:path';
import Database from 'better-sqlite3';
import { rollUpWorkspace } from '../../src/analytics/index.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH, startBenchSamvad } from '../lib/samvad.ts';
import { median } from '../lib/stats.ts';

const MESSAGES = Number(process.env.ANALYTICS_BENCH_MESSAGES ?? 1_000_000);
const DAYS = 30;
const HORIZON_MS = 26 * 3_600_000;

/**
 * The main analytics report over a large workspace: GET /api/v1/analytics/messages for the last
 * 30 days by day (Asia/Kolkata), on SQLite, with 1,000,000 messages spread evenly over those days
 * (3 numbers, 4 sources, a status mix, 10% inbound) and 200,000 cost ledger rows. The rollup is
 * built once from the bench process (as the recurring job would) and timed; the load rounds then
 * hit the report (identical concurrent requests share one computation, never one that started
 * before them: see src/analytics/coalesce.ts). Single-request medians (of 11) for: the report
 * before the rollup (every message counted live: what the rollup saves), after it, by hour over 7
 * days, grouped by source, costs and conversations over 30 days; and 40 requests for different
 * periods, 10 at a time (nothing shared).
 */
export default {
  name: 'analytics-messages',
  description: `GET /api/v1/analytics/messages (30 days by day) over ${MESSAGES.toLocaleString('en')} messages (SQLite)`,
  async setup() {
    const server = await startBenchSamvad({ SAMVAD_SANDBOX: 'off' });
    const { url, dataDir } = server;
    const seedStart = performance.now();
    const workspaceId = seed(join(dataDir, 'samvad.db'));
    const seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;
    const get = async (path: string) => {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: BENCH_AUTH } });
      const body = (await res.json()) as unknown;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return performance.now() - t;
    };
    const single = async (path: string, n = 11) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(await get(path));
      return Math.round(median(times) * 10) / 10;
    };
    const report = '/api/v1/analytics/messages';
    // Before the rollup every message of the period is counted live (3 requests: each scans 1M rows).
    const liveMs = await single(report, 3);
    const database = openDatabase({ databaseUrl: undefined, dataDir, groupCommitMs: 2, logger: createLogger({ level: 'warn' }) });
    const rollStart = performance.now();
    const rolled = await rollUpWorkspace(database, workspaceId, Date.now(), HORIZON_MS);
    const rollSeconds = Math.round((performance.now() - rollStart) / 100) / 10;
    await database.close();
    return {
      url: `${url}${report}`,
      method: 'GET' as const,
      headers: { authorization: BENCH_AUTH },
      expectStatus: 200,
      async extraReport() {
        return {
          'seed s': seedSeconds,
          'rollup build s (one-off)': rollSeconds,
          'rollup slot rows': rolled.slots,
          'report ms before rollup (live)': liveMs,
          'report ms (single)': await single(report),
          'by hour, 7 days ms': await single(`${report}?granularity=hour&from=${isoDaysAgo(6)}`),
          'grouped by source ms': await single(`${report}?groupBy=source`),
          'costs 30 days ms': await single('/api/v1/analytics/costs'),
          ...(await distinctReports(get)),
          'conversations 30 days ms': await single('/api/v1/analytics/conversations'),
        };
      },
      async teardown() {
        await server.stop();
      },
    };
  },
} satisfies Scenario & { setup(): Promise<unknown> };

/**
 * The load rounds repeat one query, which identical concurrent requests share (the report's
 * coalescing); this is the other case: 40 requests for 40 different periods (each a distinct
 * computation), 10 at a time.
 */
async function distinctReports(get: (path: string) => Promise<number>) {
  const paths = Array.from({ length: 40 }, (_, i) => `/api/v1/analytics/messages?from=${isoDaysAgo(29 - (i % 20))}&to=${isoDaysAgo(i % 3)}&groupBy=${i % 2 ? 'source' : 'number'}`);
  const times: number[] = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < paths.length) times.push(await get(paths[next++]!));
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { 'distinct periods: req/s (40 requests, 10 at a time)': Math.round((paths.length / seconds) * 10) / 10, 'distinct periods: median ms': Math.round(median(times)) };
}

function isoDaysAgo(days: number): string {
  // Local date in Asia/Kolkata.
  const t = new Date(Date.now() + 5.5 * 3_600_000 - days * 86_400_000);
  return t.toISOString().slice(0, 10);
}

/** Writes messages and ledger rows straight into the running Samvad's SQLite file (WAL: a second writer waits its turn). */
function seed(path: string): string {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  const ws = (db.prepare(`select value from instance_settings where key = 'default_workspace_id'`).get() as { value: string }).value;
  db.prepare(`update workspaces set time_zone = 'Asia/Kolkata' where id = ?`).run(ws);
  const now = Date.now();
  const start = now - DAYS * 86_400_000;
  const step = (DAYS * 86_400_000) / MESSAGES;
  const msg = db.prepare(
    `insert into messages (id, workspace_id, number_id, contact_id, recipient, direction, type, content, source, status, wamid, created_at, sent_at, delivered_at, read_at, failed_at, updated_at, attempts)
     values (?, ?, ?, ?, ?, ?, 'text', '{"type":"text","text":{"body":"Your order has shipped and arrives tomorrow"}}', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  const ledger = db.prepare(`insert into cost_ledger (id, workspace_id, message_id, number_id, category, pricing_type, market, currency, amount_micros, billable, occurred_at) values (?, ?, ?, ?, ?, 'regular', 'IN', 'INR', ?, 1, ?)`);
  const sources = ['api', 'campaign', 'agent', 'automation'];
  const statuses = ['read', 'read', 'delivered', 'delivered', 'sent', 'failed', 'read', 'delivered', 'read'];
  const BATCH = 50_000;
  for (let b = 0; b < MESSAGES; b += BATCH) {
    db.transaction(() => {
      for (let i = b; i < Math.min(MESSAGES, b + BATCH); i++) {
        const at = Math.floor(start + i * step);
        const id = `bm${i.toString(36).padStart(8, '0')}`;
        const number = `bench-number-${i % 3}`;
        if (i % 10 === 9) {
          msg.run(id, ws, number, `c${i % 50_000}`, '919800000001', 'inbound', 'customer', 'received', `wamid.${id}`, at, null, null, null, null, at);
          continue;
        }
        const st = statuses[i % statuses.length]!;
        const reached = { read: 3, delivered: 2, sent: 1, failed: 0 }[st]!;
        msg.run(id, ws, number, `c${i % 50_000}`, '919800000001', 'outbound', sources[i % 4]!, st, `wamid.${id}`, at, reached >= 1 ? at + 900 : null, reached >= 2 ? at + 2000 : null, reached >= 3 ? at + 60_000 : null, st === 'failed' ? at + 900 : null, at);
        if (i % 5 === 0 && reached >= 2) ledger.run(`l${id}`, ws, id, number, i % 2 ? 'marketing' : 'utility', i % 2 ? 863_100 : 115_000, at + 2000);
      }
    })();
  }
  // Move the seed out of the write-ahead log before measuring: readers of a large WAL look each
  // page up in it, and the server's checkpointer would otherwise copy it back during the rounds.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return ws;
}
