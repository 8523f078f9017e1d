import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Pool } from 'undici';
import { createReadWatcher, createTemplateSender, inParallel, percentile, round1, startE2eRig, type E2eRig } from '../lib/e2e-rig.ts';
import type { Scenario, ScenarioFigures } from '../lib/scenario.ts';
import { processGroupsCpuMs, processGroupsRssBytes } from '../lib/spawn.ts';

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
 * Samvad's dispatcher paces a number at its whole throughput while no customer writes in, keeping
 * headroom of twice the recent inbound rate, never less than SAMVAD_DISPATCH_THROUGHPUT_PERCENT
 * (default 90, BENCH_E2E_SHARE_PERCENT here) of it (pacing.ts AdaptiveShare); the customers here
 * only read, so the dispatch ceiling is the number's 1,000 msgs/s. The steady read rate (10 %→90 % of the
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
/** Samvad's SAMVAD_DISPATCH_THROUGHPUT_PERCENT for the run (its default is 90). */
const SHARE_PERCENT = env('BENCH_E2E_SHARE_PERCENT', 90);
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
// The emulator's tunables and the customers' behaviour: emulatorTunables() in bench/lib/e2e-rig.ts (shared with webhook-delivery).

/** The settings, stated in the output (several short figures, so the table stays readable). */
const SETTINGS: ScenarioFigures = {
  'emulator': EMULATOR_MODE === 'cli'
    ? `samvad emulator, own process, all defaults; number ${MPS} mps, TIER_UNLIMITED, pair rate 1/6 s`
    : `own process (bench-server.ts); number ${MPS} mps, pair rate 1/6 s; tier bookkeeping off (TIER_UNLIMITED)`,
  'emulator webhooks': "Meta's defaults: <=100 statuses/POST, 8 POSTs in flight, signed, deliveredSkipShare 0.1",
  'customers': `deliver after ${DELIVERY_MS} ms, read ${READ_MS} ms later (every message gets sent+delivered+read)`,
  'Samvad': `SQLite, group commit 2 ms, paced at ${MPS} mps (at least ${SHARE_PERCENT} % of it while customers write in)`,
  'load': `hello_world to distinct new numbers, unique Idempotency-Keys, ${CONNECTIONS} keep-alive connections`,
};

async function oneRound(): Promise<ScenarioFigures> {
  const pools: Pool[] = [];
  let rig: E2eRig | undefined;
  let db: Database.Database | undefined;
  try {
    // 1–2. The emulator (number at MPS, TIER_UNLIMITED) and Samvad with the number connected (bench/lib/e2e-rig.ts).
    const run = randomBytes(4).toString('hex');
    const base = 7_000_000_000 + Math.floor(Math.random() * 900) * 1_000_000;
    const total = WARMUP + MESSAGES;
    const recipient = (i: number) => `91${base + i}`;
    rig = await startE2eRig({
      name: 'samvad-bench-e2e',
      apiKey: API_KEY,
      verifyToken: VERIFY_TOKEN,
      mps: MPS,
      deliveryMs: DELIVERY_MS,
      readMs: READ_MS,
      emulatorMode: EMULATOR_MODE as 'bench-server' | 'cli',
      customers: { count: total, recipient },
      cpuProfDir: process.env.BENCH_E2E_CPU_PROF,
      samvadEnv: { SAMVAD_DISPATCH_THROUGHPUT_PERCENT: String(SHARE_PERCENT) },
      keepData: Boolean(process.env.BENCH_E2E_KEEP_DATA),
    });
    const { S, auth, samvad, emulator, samvadDir } = rig;

    db = new Database(join(samvadDir, 'samvad.db'), { readonly: true, fileMustExist: true });
    const { waitRead } = createReadWatcher(db, POLL_MS);

    const sender = createTemplateSender({ S, auth, connections: CONNECTIONS, run, total, recipient });
    pools.push(sender.pool);
    const { send, latencies } = sender;

    // 3. Warm-up: the first send syncs the templates; JIT and caches warm up.
    for (let i = 0; i < Math.min(WARMUP, 1); i++) await send(i);
    await inParallel(WARMUP - 1, CONNECTIONS, (i) => send(i + 1));
    if (sender.failure()) throw new Error(`warm-up: ${sender.failure()}`);
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
    if (sender.failure()) throw new Error(sender.failure());
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
    await rig?.stop();
  }
}

export default {
  name: 'send-e2e',
  description: `Samvad end to end: /v1/public/message/ template sends → dispatcher → stand-alone emulator (${MPS} mps) → sent/delivered/read webhooks processed`,
  run: oneRound,
} satisfies Scenario;

