/**
 * The job queue benchmark, run in a child process by bench/scenarios/queue-*.ts (or by hand):
 *
 *   node bin/run-ts.js bench/lib/queue-bench.ts sqlite|postgres [--jobs N] [--rate R] [--seconds S]
 *
 * One process, as Samvad runs it: the real JobQueue (defaults: batch claims of 100, 16 handlers at
 * once, 30 s leases) on a fresh database — a temporary SQLite file (WAL, synchronous=FULL, group
 * commit every 2 ms, the production default), or a new schema in PostgreSQL
 * ($BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 * Handlers are no-ops. Three measurements, after an unmeasured warm-up:
 *  - concurrent: N jobs through many concurrent enqueueNow() calls (each durable when answered)
 *    while the worker runs them; jobs/s from the first enqueue until the last job is deleted;
 *  - batched: the same, N jobs enqueued 500 per transaction;
 *  - latency: enqueueNow() at a fixed offered rate for S seconds; enqueue→handler-start and
 *    enqueue answer percentiles.
 * Prints one JSON object (flat name → number) as the last line of stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { createClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';
import { openSqlite } from '../../src/platform/db/sqlite.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { JobQueue, queueMigrations } from '../../src/platform/queue/index.ts';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    jobs: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    inflight: { type: 'string', default: '1000' },
    phases: { type: 'string', default: 'concurrent,batched,latency' },
  },
  allowPositionals: true,
});
const dialect = positionals[0] ?? 'sqlite';
if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`unknown dialect ${dialect}`);
const JOBS = Number(values.jobs);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const INFLIGHT = Number(values.inflight);
const PHASES = new Set(values.phases!.split(','));
const BATCH = 500;
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const logger = createLogger({ level: 'warn', destination: process.stderr });
const clock = createClock();

interface Opened {
  database: Database;
  cleanup(): Promise<void>;
}

async function open(): Promise<Opened> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'samvad-bench-queue-'));
    const database = openSqlite({ path: join(dir, 'samvad.db'), logger, groupCommitMs: 2 });
    return {
      database,
      async cleanup() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_queue_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = openPostgres({ url: PG_URL, logger, schema });
  return {
    database,
    async cleanup() {
      await database.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function main() {
  const { database, cleanup } = await open();
  const out: Record<string, number> = {};
  try {
    await migrateToLatest(database, queueMigrations);
    const queue = new JobQueue({ database, clock, logger });
    let started = 0;
    let tracking: Float64Array | undefined;
    let tracked = 0;
    queue.register<{ t?: number }>('noop', async (job) => {
      started++;
      if (tracking && job.payload.t !== undefined) tracking[tracked++] = performance.now() - job.payload.t;
    });
    queue.start();
    await queue.ready();

    const remaining = async () => {
      const row = await sql<{ n: number | string }>`select count(*) as n from jobs`.execute(database.db);
      return Number(row.rows[0]!.n);
    };
    /** Resolves when `target` handlers have started and the jobs table is empty (all completions committed). */
    const allDone = async (target: number) => {
      while (started < target) await sleep(1);
      while ((await remaining()) > 0) await sleep(2);
    };

    const concurrent = async (n: number) => {
      started = 0;
      let next = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const client = async () => {
        while (next < n) {
          next++;
          await queue.enqueueNow({ kind: 'noop', payload: {} });
        }
      };
      await Promise.all(Array.from({ length: Math.min(INFLIGHT, n) }, client));
      const enqueued = performance.now() - t0;
      await allDone(n);
      const total = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { enqueuePerSecond: (n * 1000) / enqueued, jobsPerSecond: (n * 1000) / total, cpuUsPerJob: (cpu.user + cpu.system) / n };
    };

    const batched = async (n: number) => {
      started = 0;
      let next = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const client = async () => {
        while (next < n) {
          const size = Math.min(BATCH, n - next);
          next += size;
          await database.transaction(async (tx) => {
            for (let i = 0; i < size; i++) await queue.enqueue(tx, { kind: 'noop', payload: {} });
          });
        }
      };
      await Promise.all(Array.from({ length: 4 }, client));
      const enqueued = performance.now() - t0;
      await allDone(n);
      const total = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return { enqueuePerSecond: (n * 1000) / enqueued, jobsPerSecond: (n * 1000) / total, cpuUsPerJob: (cpu.user + cpu.system) / n };
    };

    const latency = async (rate: number, seconds: number) => {
      const n = Math.round(rate * seconds);
      started = 0;
      tracked = 0;
      tracking = new Float64Array(n);
      const answers = new Float64Array(n);
      let sent = 0;
      let answered = 0;
      let failed = 0;
      const t0 = performance.now();
      while (sent < n) {
        const due = Math.min(n, Math.floor(((performance.now() - t0) * rate) / 1000));
        for (; sent < due; sent++) {
          const t = performance.now();
          queue.enqueueNow({ kind: 'noop', payload: { t } }).then(
            () => (answers[answered++] = performance.now() - t),
            () => failed++,
          );
        }
        await sleep(1);
      }
      const sendSeconds = (performance.now() - t0) / 1000;
      await allDone(n);
      const lat = tracking.slice(0, tracked).sort();
      const ans = answers.slice(0, answered).sort();
      tracking = undefined;
      return {
        offeredPerSecond: rate,
        achievedPerSecond: n / sendSeconds,
        failed,
        startP50Ms: percentile(lat, 50),
        startP90Ms: percentile(lat, 90),
        startP99Ms: percentile(lat, 99),
        startMaxMs: lat.length ? lat[lat.length - 1]! : Number.NaN,
        answerP50Ms: percentile(ans, 50),
        answerP99Ms: percentile(ans, 99),
      };
    };

    // Warm-up (JIT, caches, pool connections), not reported.
    await concurrent(Math.min(5_000, JOBS));
    await batched(Math.min(5_000, JOBS));

    if (PHASES.has('concurrent')) {
      const r = await concurrent(JOBS);
      out['concurrent enqueue/s'] = Math.round(r.enqueuePerSecond);
      out['concurrent jobs/s'] = Math.round(r.jobsPerSecond);
      out['concurrent CPU µs/job'] = Math.round(r.cpuUsPerJob);
    }
    if (PHASES.has('batched')) {
      const r = await batched(JOBS);
      out['batched enqueue/s'] = Math.round(r.enqueuePerSecond);
      out['batched jobs/s'] = Math.round(r.jobsPerSecond);
      out['batched CPU µs/job'] = Math.round(r.cpuUsPerJob);
    }
    if (PHASES.has('latency')) {
      const r = await latency(RATE, SECONDS);
      out[`@${RATE}/s achieved/s`] = Math.round(r.achievedPerSecond);
      out[`@${RATE}/s start p50 ms`] = round3(r.startP50Ms);
      out[`@${RATE}/s start p90 ms`] = round3(r.startP90Ms);
      out[`@${RATE}/s start p99 ms`] = round3(r.startP99Ms);
      out[`@${RATE}/s start max ms`] = round1(r.startMaxMs);
      out[`@${RATE}/s answer p50 ms`] = round3(r.answerP50Ms);
      out[`@${RATE}/s answer p99 ms`] = round3(r.answerP99Ms);
      out[`@${RATE}/s failed`] = r.failed;
    }
    await queue.stop();
  } finally {
    await cleanup();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
