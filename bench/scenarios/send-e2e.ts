import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import type { Scenario, ScenarioFigures } from '../lib/scenario.ts';
import { freePort, processGroupsCpuMs, processGroupsRssBytes, spawnServer, type SpawnedServer } from '../lib/spawn.ts';

/**
 * End to end through Samvad, issue 4's target (b): template sends accepted by
 * `POST /v1/public/message/`, paced by Samvad's dispatcher to a stand-alone Cloud API emulator
 * (`samvad emulator`, a separate process), and every message's sent, delivered and read webhooks
 * received, verified and processed by Samvad. One round:
 *
 *  1. starts the emulator in its own process (see EMULATOR_MODE: by default bench-server.ts with
 *     Meta's default webhook behaviour, throughput and pair-rate limits on) and, with its control
 *     API, raises the number to 1,000 mps (Meta's highest) and its portfolio to TIER_UNLIMITED; each
 *     recipient is a customer who gets the message after BENCH_E2E_DELIVERY_MS (50 ms) and reads it
 *     BENCH_E2E_READ_MS (1,100 ms) later — over one second, so Meta's "delivered skipped when read
 *     at once" rule never drops a `delivered`;
 *  2. starts Samvad (`node bin/samvad.js start`, SQLite, SAMVAD_SANDBOX=off, rate limit raised),
 *     connects the emulator's number through the native API (`POST /api/v1/numbers`, 1,000 mps,
 *     TIER_UNLIMITED, default) and points the number's callback at Samvad's /webhooks/whatsapp;
 *  3. warms up with BENCH_E2E_WARMUP (200) sends (the first one syncs templates) and waits until
 *     they are all read;
 *  4. sends BENCH_E2E_MESSAGES (20,000) hello_world templates, each to a distinct recipient with a
 *     unique Idempotency-Key, over BENCH_E2E_CONNECTIONS (100) keep-alive connections, and polls
 *     Samvad's SQLite file (read-only) until every message is `read`; then checks that each one has
 *     a sent, a delivered and a read event in message_status_events.
 *
 * End-to-end msgs/s = messages ÷ (first send → the last message's `read` committed by Samvad).
 * Samvad's dispatcher paces a number at 90 % of its throughput (dispatcher.ts `throughputShare`), so
 * with a 1,000-mps number the dispatch ceiling is 900 msgs/s; the steady read rate (10 %→90 % of the
 * messages read) shows whether Samvad keeps up with its own pacing, and the end-to-end figure also
 * carries the customer's delivery and read delays once, at the tail.
 *
 * BENCH_E2E_CPU_PROF=DIR writes V8 CPU profiles of Samvad and of the emulator to DIR/samvad and
 * DIR/emulator (node --cpu-prof);
 * BENCH_E2E_KEEP_DATA=1 keeps both data folders (their paths are printed).
 */

const API_KEY = 'bench-e2e-api-key-3b9d7c1e5a2f4e6d8c0b';
const VERIFY_TOKEN = 'bench-e2e-verify-token';
const env = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0 (got "${v}")`);
  return n;
};
const MESSAGES = env('BENCH_E2E_MESSAGES', 20_000);
const WARMUP = env('BENCH_E2E_WARMUP', 200);
const CONNECTIONS = env('BENCH_E2E_CONNECTIONS', 100);
const MPS = env('BENCH_E2E_MPS', 1000);
const DELIVERY_MS = env('BENCH_E2E_DELIVERY_MS', 50);
const READ_MS = env('BENCH_E2E_READ_MS', 1100);
const POLL_MS = 100;
/**
 * 'bench-server' (default): src/emulator/bench-server.ts with BENCH_EMULATOR_TUNABLES = Meta's
 * defaults except the portfolio messaging-tier bookkeeping (off: the portfolio is TIER_UNLIMITED
 * anyway, and the emulator's per-send COUNT over portfolio_usage grows with every recipient — 1.5 ms
 * a send by 20,000 recipients, half the emulator's CPU); unknown recipients become customers with
 * the delays below. 'cli': `samvad emulator` with every default and one customer created per message
 * through the control API.
 */
const EMULATOR_MODE = process.env.BENCH_E2E_EMULATOR ?? 'bench-server';
if (EMULATOR_MODE !== 'bench-server' && EMULATOR_MODE !== 'cli') throw new Error(`BENCH_E2E_EMULATOR must be bench-server or cli (got "${EMULATOR_MODE}")`);
const BEHAVIOUR = { onWhatsApp: true, deliveryDelayMs: DELIVERY_MS, readDelayMs: READ_MS, marketingOptOut: false, marketingCap: null, reply: null };
const EMULATOR_TUNABLES = {
  limits: { throughput: true, pairRate: true, managementCalls: true, messagingTier: false },
  deliveredSkipShare: 0.1,
  webhookBatchMax: 100,
  webhookConcurrency: 8,
  defaultBehaviour: BEHAVIOUR,
};

/** The settings, stated in the output (several short figures, so the table stays readable). */
const SETTINGS: ScenarioFigures = {
  'emulator': EMULATOR_MODE === 'cli'
    ? `samvad emulator, own process, all defaults; number ${MPS} mps, TIER_UNLIMITED, pair rate 1/6 s`
    : `own process (bench-server.ts); number ${MPS} mps, pair rate 1/6 s; tier bookkeeping off (TIER_UNLIMITED)`,
  'emulator webhooks': "Meta's defaults: <=100 statuses/POST, 8 POSTs in flight, signed, deliveredSkipShare 0.1",
  'customers': `deliver after ${DELIVERY_MS} ms, read ${READ_MS} ms later (every message gets sent+delivered+read)`,
  'Samvad': `SQLite, group commit 2 ms, paced at 90 % of ${MPS} mps = ${Math.round(MPS * 0.9)} msgs/s`,
  'load': `hello_world to distinct new numbers, unique Idempotency-Keys, ${CONNECTIONS} keep-alive connections`,
};

interface EmulatorNumber {
  phone_number_id: string;
  display_phone_number: string;
  verified_name: string;
  waba_id: string;
  business_id: string;
  access_token: string;
  app_secret: string;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `n` tasks `concurrency` at a time. */
async function inParallel(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, worker));
}

const round1 = (n: number) => Math.round(n * 10) / 10;

async function oneRound(): Promise<ScenarioFigures> {
  const emuPort = await freePort();
  const samvadPort = await freePort();
  const emuDir = await mkdtemp(join(tmpdir(), 'samvad-bench-e2e-emulator-'));
  const samvadDir = await mkdtemp(join(tmpdir(), 'samvad-bench-e2e-'));
  const started: SpawnedServer[] = [];
  const pools: Pool[] = [];
  const closers: Array<() => Promise<void>> = [];
  let db: Database.Database | undefined;
  try {
    // 1. The emulator, its number raised to 1,000 mps and TIER_UNLIMITED, and the customers.
    const E = `http://127.0.0.1:${emuPort}`;
    const S = `http://127.0.0.1:${samvadPort}`;
    const profDir = process.env.BENCH_E2E_CPU_PROF;
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
      EMULATOR_MODE === 'cli'
        ? {
            label: 'emulator',
            args: [...prof('emulator'), 'bin/samvad.js', 'emulator', '--port', String(emuPort), '--data-dir', emuDir],
            env: { LOG_LEVEL: 'warn' },
            readyUrl: `${E}/emulator/clock`,
          }
        : {
            label: 'emulator',
            args: [...prof('emulator'), 'bin/run-ts.js', 'src/emulator/bench-server.ts', 'emulator', String(emuPort), emuDir, standInUrl],
            env: { LOG_LEVEL: 'warn', BENCH_EMULATOR_TUNABLES: JSON.stringify(EMULATOR_TUNABLES) },
            readyUrl: `${E}/emulator/clock`,
          },
    );
    started.push(emulator);
    if (EMULATOR_MODE === 'bench-server') {
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
        body: JSON.stringify({ throughput_mps: MPS, tier: 'TIER_UNLIMITED' }),
      }),
      'PATCH /emulator/numbers (throughput, tier)',
    );

    const run = randomBytes(4).toString('hex');
    const base = 7_000_000_000 + Math.floor(Math.random() * 900) * 1_000_000;
    const total = WARMUP + MESSAGES;
    const recipient = (i: number) => `91${base + i}`;
    const emuPool = new Pool(E, { connections: 32 });
    pools.push(emuPool);
    if (EMULATOR_MODE === 'cli') await inParallel(total, 32, async (i) => {
      const res = await emuPool.request({
        method: 'POST',
        path: '/emulator/users',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ wa_id: recipient(i), profile_name: `Bench ${i}`, behaviour: BEHAVIOUR }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST /emulator/users: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    });

    // 2. Samvad, the number connected, the callback pointed at it.
    if (profDir) await mkdir(join(profDir, 'samvad'), { recursive: true });
    const samvad = await spawnServer({
      label: 'samvad',
      args: [...prof('samvad'), 'bin/samvad.js', 'start', '--port', String(samvadPort), '--data-dir', samvadDir],
      env: { SAMVAD_SANDBOX: 'off', SAMVAD_API_KEY: API_KEY, SAMVAD_DEFAULT_RATE_LIMIT: '100000000', LOG_LEVEL: 'warn' },
      readyUrl: `${S}/readyz`,
    });
    started.push(samvad);
    const auth = 'Basic ' + Buffer.from(API_KEY + ':').toString('base64');
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
          verifyToken: VERIFY_TOKEN,
          graphBaseUrl: `${E}/v21.0`,
          throughputMps: MPS,
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
        body: JSON.stringify({ callback_url: `${S}/webhooks/whatsapp`, verify_token: VERIFY_TOKEN }),
      }),
      'PATCH /emulator/numbers (callback)',
    );

    db = new Database(join(samvadDir, 'samvad.db'), { readonly: true, fileMustExist: true });
    const countsStmt = db.prepare<[], { status: string; n: number }>(`SELECT status, count(*) AS n FROM messages WHERE direction = 'outbound' GROUP BY status`);
    const dispatchedStmt = db.prepare<[], { n: number }>(`SELECT count(wamid) AS n FROM messages WHERE direction = 'outbound'`);
    const counts = () => {
      const c: Record<string, number> = {};
      for (const r of countsStmt.all()) c[r.status] = r.n;
      return c;
    };

    const pool = new Pool(S, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.push(pool);
    const latencies = new Float64Array(total);
    const statuses: Record<number, number> = {};
    let failure: string | undefined;
    const send = async (i: number) => {
      const t = performance.now();
      const res = await pool.request({
        method: 'POST',
        path: '/v1/public/message/',
        headers: { 'content-type': 'application/json', authorization: auth, 'idempotency-key': `e2e-${run}-${i}` },
        body: `{"fullPhoneNumber":"${recipient(i)}","callbackData":"e2e-${i}","type":"Template","template":{"name":"hello_world","languageCode":"en_US"}}`,
      });
      const text = await res.body.text();
      latencies[i] = performance.now() - t;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode !== 201 && !failure) failure = `send ${i}: HTTP ${res.statusCode} ${text.slice(0, 300)}`;
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
        await sleep(POLL_MS);
      }
    };

    // 3. Warm-up: the first send syncs the templates; JIT and caches warm up.
    for (let i = 0; i < Math.min(WARMUP, 1); i++) await send(i);
    await inParallel(WARMUP - 1, CONNECTIONS, (i) => send(i + 1));
    if (failure) throw new Error(`warm-up: ${failure}`);
    await waitRead(WARMUP, 60_000);

    // 4. The measured sends.
    const groups = [samvad.pid];
    const emuGroups = [emulator.pid];
    let samvadRssPeak = 0;
    let emuRssPeak = 0;
    const sampleRss = () => {
      samvadRssPeak = Math.max(samvadRssPeak, processGroupsRssBytes(groups) ?? 0);
      emuRssPeak = Math.max(emuRssPeak, processGroupsRssBytes(emuGroups) ?? 0);
    };
    sampleRss();
    const rssAtStart = processGroupsRssBytes(groups) ?? 0;
    const sampler = setInterval(sampleRss, 200);
    const cpu0 = processGroupsCpuMs(groups);
    const emuCpu0 = processGroupsCpuMs(emuGroups);
    const t0 = Date.now();
    let acceptedAt = 0;
    const sending = inParallel(MESSAGES, CONNECTIONS, (i) => send(WARMUP + i)).then(() => {
      acceptedAt = Date.now();
    });
    const marks = [0.1, 0.5, 0.9].map((s) => WARMUP + Math.ceil(s * MESSAGES));
    let done: Awaited<ReturnType<typeof waitRead>>;
    try {
      done = await waitRead(total, 120_000 + MESSAGES * 10, marks);
      await sending;
    } finally {
      clearInterval(sampler);
    }
    sampleRss();
    const cpu1 = processGroupsCpuMs(groups);
    const emuCpu1 = processGroupsCpuMs(emuGroups);
    if (failure) throw new Error(failure);
    // The exact moment the last `read` was committed (Samvad's clock: the same machine's wall clock).
    const lastReadAt = db.prepare<[], { t: number }>(`SELECT max(updated_at) AS t FROM messages WHERE direction = 'outbound' AND status = 'read'`).get()!.t;
    const endAt = Math.min(Number(lastReadAt), Date.now());

    // Every message must have had sent, delivered and read recorded.
    const events: Record<string, number> = {};
    for (const r of db.prepare<[], { status: string; n: number }>(`SELECT status, count(DISTINCT message_id) AS n FROM message_status_events GROUP BY status`).all()) events[r.status] = r.n;
    for (const s of ['sent', 'delivered', 'read']) {
      if ((events[s] ?? 0) < total) throw new Error(`only ${events[s] ?? 0} of ${total} messages have a "${s}" event: ${JSON.stringify(events)}`);
    }

    const lat = latencies.slice(WARMUP).sort();
    const e2eSeconds = (endAt - t0) / 1000;
    const m10 = done.seen.get(marks[0]!)!;
    const m90 = done.seen.get(marks[2]!)!;
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    return {
      ...SETTINGS,
      'messages': MESSAGES,
      'accepted msgs/s': Math.round(MESSAGES / ((acceptedAt - t0) / 1000)),
      'send p50 ms': round1(percentile(lat, 50)),
      'send p99 ms': round1(percentile(lat, 99)),
      'all dispatched (wamid) after s': round1((done.dispatchedAt - t0) / 1000),
      'e2e msgs/s (first send → every message read in Samvad)': Math.round(MESSAGES / e2eSeconds),
      'e2e seconds': round1(e2eSeconds),
      'steady read rate msgs/s (10%→90% read)': m90 > m10 ? Math.round((0.8 * MESSAGES) / ((m90 - m10) / 1000)) : 0,
      'sent/delivered/read events per message': `${events.sent! / total}/${events.delivered! / total}/${events.read! / total}`,
      'Samvad CPU µs/msg': cpu0 === null || cpu1 === null ? '-' : Math.round(((cpu1 - cpu0) * 1000) / MESSAGES),
      'emulator CPU µs/msg': emuCpu0 === null || emuCpu1 === null ? '-' : Math.round(((emuCpu1 - emuCpu0) * 1000) / MESSAGES),
      'Samvad RSS MiB at start': mib(rssAtStart),
      'Samvad RSS MiB peak': mib(samvadRssPeak),
      'emulator RSS MiB peak': mib(emuRssPeak),
    };
  } finally {
    db?.close();
    for (const p of pools) await p.close().catch(() => undefined);
    for (const c of closers) await c().catch(() => undefined);
    for (const s of started.reverse()) await s.stop();
    if (process.env.BENCH_E2E_KEEP_DATA) {
      process.stderr.write(`[bench] send-e2e: data kept in ${samvadDir} (Samvad) and ${emuDir} (emulator)\n`);
    } else {
      await rm(emuDir, { recursive: true, force: true });
      await rm(samvadDir, { recursive: true, force: true });
    }
  }
}

export default {
  name: 'send-e2e',
  description: `Samvad end to end: /v1/public/message/ template sends → dispatcher → stand-alone emulator (${MPS} mps) → sent/delivered/read webhooks processed`,
  run: oneRound,
} satisfies Scenario;

