import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { Pool } from 'undici';
import { freePort, spawnServer, type SpawnedServer } from './spawn.ts';

/**
 * The end-to-end rig shared by send-e2e and webhook-delivery: a stand-alone Cloud API emulator
 * (its own process) with one number raised to `mps` and TIER_UNLIMITED, and the real Samvad
 * (`node bin/samvad.js start`, SQLite, sandbox off) with that number connected through the native
 * API and the number's callback pointed at Samvad's /webhooks/whatsapp. See send-e2e.ts for what
 * each setting means.
 */

export interface EmulatorNumber {
  phone_number_id: string;
  display_phone_number: string;
  verified_name: string;
  waba_id: string;
  business_id: string;
  access_token: string;
  app_secret: string;
}

export async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `n` tasks `concurrency` at a time. */
export async function inParallel(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, worker));
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** A customer's default behaviour in the emulator: delivered after `deliveryMs`, read `readMs` later. */
export function customerBehaviour(deliveryMs: number, readMs: number) {
  return { onWhatsApp: true, deliveryDelayMs: deliveryMs, readDelayMs: readMs, marketingOptOut: false, marketingCap: null, reply: null };
}

/**
 * bench-server.ts's tunables: Meta's defaults except the portfolio tier bookkeeping (off: the
 * portfolio is TIER_UNLIMITED anyway, and its per-send COUNT grows with every recipient).
 */
export function emulatorTunables(deliveryMs: number, readMs: number, deliveredSkipShare = 0.1) {
  return {
    limits: { throughput: true, pairRate: true, managementCalls: true, messagingTier: false },
    deliveredSkipShare,
    webhookBatchMax: 100,
    webhookConcurrency: 8,
    defaultBehaviour: customerBehaviour(deliveryMs, readMs),
  };
}

export interface E2eRigOptions {
  /** Prefix of the temporary data folders ("samvad-bench-e2e"). */
  name: string;
  apiKey: string;
  verifyToken: string;
  mps: number;
  deliveryMs: number;
  readMs: number;
  /** 'bench-server' (default) or 'cli' (`samvad emulator`, one customer created per recipient). */
  emulatorMode: 'bench-server' | 'cli';
  /** cli mode: the recipients to create as customers. */
  customers?: { count: number; recipient: (i: number) => string };
  /** Writes V8 CPU profiles of both children to DIR/samvad and DIR/emulator. */
  cpuProfDir?: string | undefined;
  /** Added to Samvad's environment. */
  samvadEnv?: Record<string, string>;
  /** Share of messages whose `delivered` Meta skips (default 0.1, Meta's behaviour). */
  deliveredSkipShare?: number;
  /** Keep both data folders (their paths are printed) instead of removing them at stop. */
  keepData?: boolean;
}

export interface E2eRig {
  /** Emulator and Samvad base URLs. */
  E: string;
  S: string;
  /** Authorization header for Samvad's API key. */
  auth: string;
  num: EmulatorNumber;
  emulator: SpawnedServer;
  samvad: SpawnedServer;
  samvadDir: string;
  emuDir: string;
  /** Stops both children and the stand-in, and removes the data folders unless `keepData`. */
  stop(): Promise<void>;
}

export async function startE2eRig(o: E2eRigOptions): Promise<E2eRig> {
  const emuPort = await freePort();
  const samvadPort = await freePort();
  const emuDir = await mkdtemp(join(tmpdir(), `${o.name}-emulator-`));
  const samvadDir = await mkdtemp(join(tmpdir(), `${o.name}-`));
  const started: SpawnedServer[] = [];
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const c of closers) await c().catch(() => undefined);
    for (const s of started.reverse()) await s.stop();
    if (o.keepData) {
      process.stderr.write(`[bench] ${o.name}: data kept in ${samvadDir} (Samvad) and ${emuDir} (emulator)\n`);
    } else {
      await rm(emuDir, { recursive: true, force: true });
      await rm(samvadDir, { recursive: true, force: true });
    }
  };
  try {
    // 1. The emulator, its number raised to `mps` and TIER_UNLIMITED, and the customers.
    const E = `http://127.0.0.1:${emuPort}`;
    const S = `http://127.0.0.1:${samvadPort}`;
    const profDir = o.cpuProfDir;
    if (profDir) await mkdir(join(profDir, 'emulator'), { recursive: true });
    const prof = (dir: string) => (profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, dir)] : []);
    // bench-server.ts points its number's callback at a URL at start, with Meta's handshake: a
    // stand-in answers it (and 200s anything posted) until the PATCH below points it at Samvad.
    const standIn = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      req.resume();
      req.on('end', () => res.writeHead(200).end(req.method === 'GET' ? (u.searchParams.get('hub.challenge') ?? '') : 'ok'));
    });
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => standIn.close(() => r())));
    const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/webhook`;
    const emulator = await spawnServer(
      o.emulatorMode === 'cli'
        ? {
            label: 'emulator',
            args: [...prof('emulator'), 'bin/samvad.js', 'emulator', '--port', String(emuPort), '--data-dir', emuDir],
            env: { LOG_LEVEL: 'warn' },
            readyUrl: `${E}/emulator/clock`,
          }
        : {
            label: 'emulator',
            args: [...prof('emulator'), 'bin/run-ts.js', 'src/emulator/bench-server.ts', 'emulator', String(emuPort), emuDir, standInUrl],
            env: { LOG_LEVEL: 'warn', BENCH_EMULATOR_TUNABLES: JSON.stringify(emulatorTunables(o.deliveryMs, o.readMs, o.deliveredSkipShare)) },
            readyUrl: `${E}/emulator/clock`,
          },
    );
    started.push(emulator);
    if (o.emulatorMode === 'bench-server') {
      // bench-server.ts sets the callback right after it listens.
      for (let i = 0; i < 200; i++) {
        const n = await json<{ data: Array<{ callback_url: string | null }> }>(await fetch(`${E}/emulator/numbers`), 'GET /emulator/numbers');
        if (n.data[0]?.callback_url) break;
        await sleep(25);
      }
    }
    const numbers = await json<{ data: EmulatorNumber[] }>(await fetch(`${E}/emulator/numbers`), 'GET /emulator/numbers');
    const num = numbers.data[0];
    if (!num) throw new Error('the emulator has no seeded number');
    await json(
      await fetch(`${E}/emulator/numbers/${num.phone_number_id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ throughput_mps: o.mps, tier: 'TIER_UNLIMITED' }),
      }),
      'PATCH /emulator/numbers (throughput, tier)',
    );
    if (o.emulatorMode === 'cli' && o.customers) {
      const { count, recipient } = o.customers;
      const emuPool = new Pool(E, { connections: 32 });
      closers.push(() => emuPool.close());
      const behaviour = customerBehaviour(o.deliveryMs, o.readMs);
      await inParallel(count, 32, async (i) => {
        const res = await emuPool.request({
          method: 'POST',
          path: '/emulator/users',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ wa_id: recipient(i), profile_name: `Bench ${i}`, behaviour }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 201) throw new Error(`POST /emulator/users: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
      });
    }

    // 2. Samvad, the number connected, the callback pointed at it.
    if (profDir) await mkdir(join(profDir, 'samvad'), { recursive: true });
    const samvad = await spawnServer({
      label: 'samvad',
      args: [...prof('samvad'), 'bin/samvad.js', 'start', '--port', String(samvadPort), '--data-dir', samvadDir],
      env: { SAMVAD_SANDBOX: 'off', SAMVAD_API_KEY: o.apiKey, SAMVAD_DEFAULT_RATE_LIMIT: '100000000', LOG_LEVEL: 'warn', ...o.samvadEnv },
      readyUrl: `${S}/readyz`,
    });
    started.push(samvad);
    const auth = 'Basic ' + Buffer.from(o.apiKey + ':').toString('base64');
    await json(
      await fetch(`${S}/api/v1/numbers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({
          phoneNumberId: num.phone_number_id,
          wabaId: num.waba_id,
          businessId: num.business_id,
          displayPhoneNumber: num.display_phone_number,
          verifiedName: num.verified_name,
          accessToken: num.access_token,
          appSecret: num.app_secret,
          verifyToken: o.verifyToken,
          graphBaseUrl: `${E}/v21.0`,
          throughputMps: o.mps,
          messagingLimitTier: 'TIER_UNLIMITED',
          isDefault: true,
        }),
      }),
      'POST /api/v1/numbers',
    );
    await json(
      await fetch(`${E}/emulator/numbers/${num.phone_number_id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callback_url: `${S}/webhooks/whatsapp`, verify_token: o.verifyToken }),
      }),
      'PATCH /emulator/numbers (callback)',
    );
    return { E, S, auth, num, emulator, samvad, samvadDir, emuDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * hello_world template sends through `POST /v1/public/message/` over `connections` keep-alive
 * connections, each to `recipient(i)` with a unique Idempotency-Key; per-send latency and the
 * first non-201 answer are kept.
 */
export function createTemplateSender(o: { S: string; auth: string; connections: number; run: string; total: number; recipient: (i: number) => string }) {
  const pool = new Pool(o.S, { connections: o.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies = new Float64Array(o.total);
  const statuses: Record<number, number> = {};
  let failure: string | undefined;
  const send = async (i: number) => {
    const t = performance.now();
    const res = await pool.request({
      method: 'POST',
      path: '/v1/public/message/',
      headers: { 'content-type': 'application/json', authorization: o.auth, 'idempotency-key': `e2e-${o.run}-${i}` },
      body: `{"fullPhoneNumber":"${o.recipient(i)}","callbackData":"e2e-${i}","type":"Template","template":{"name":"hello_world","languageCode":"en_US"}}`,
    });
    const text = await res.body.text();
    latencies[i] = performance.now() - t;
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode !== 201 && !failure) failure = `send ${i}: HTTP ${res.statusCode} ${text.slice(0, 300)}`;
  };
  return { pool, send, latencies, statuses, failure: () => failure };
}

/** Reads Samvad's SQLite file (read-only) for outbound message counts by status. */
export function createReadWatcher(db: Database.Database, pollMs: number) {
  const countsStmt = db.prepare<[], { status: string; n: number }>(`SELECT status, count(*) AS n FROM messages WHERE direction = 'outbound' GROUP BY status`);
  const dispatchedStmt = db.prepare<[], { n: number }>(`SELECT count(wamid) AS n FROM messages WHERE direction = 'outbound'`);
  const counts = () => {
    const c: Record<string, number> = {};
    for (const r of countsStmt.all()) c[r.status] = r.n;
    return c;
  };
  /** Polls until `want` outbound messages are read; returns when each share of them was first seen read. */
  const waitRead = async (want: number, timeoutMs: number, marks: number[] = []) => {
    const deadline = Date.now() + timeoutMs;
    const seen = new Map<number, number>();
    let dispatchedAt: number | undefined;
    for (;;) {
      const c = counts();
      const now = Date.now();
      const read = c.read ?? 0;
      for (const m of marks) if (!seen.has(m) && read >= m) seen.set(m, now);
      if (dispatchedAt === undefined && dispatchedStmt.get()!.n >= want) dispatchedAt = now;
      if ((c.failed ?? 0) + (c.expired ?? 0) + (c.unknown ?? 0) > 0) throw new Error(`messages failed, expired or unknown: ${JSON.stringify(c)}`);
      if (read >= want) return { seen, dispatchedAt: dispatchedAt ?? now, counts: c };
      if (now > deadline) throw new Error(`after ${timeoutMs} ms only ${read} of ${want} messages are read: ${JSON.stringify(c)}`);
      await sleep(pollMs);
    }
  };
  return { counts, waitRead };
}
