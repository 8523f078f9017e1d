import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Scenario, ScenarioFigures } from '../lib/scenario.ts';
import { freePort, processGroupsCpuMs, processGroupsRssBytes, spawnServer, type SpawnedServer } from '../lib/spawn.ts';

/**
 * Issue 7's campaign benchmark: a 100,000-recipient broadcast of hello_world from an emulated
 * 1,000-mps number (the emulator in its own process: bench-server.ts, Meta's default webhooks,
 * throughput and pair-rate limits on, tier bookkeeping off as in send-e2e) to 100,000 distinct
 * virtual customers, through Samvad's campaign runner and dispatcher (SQLite).
 *
 * Figures: time to first send (the start request sent → the first message accepted by the
 * emulator, i.e. with a wamid in Samvad's database; target < 1 s), sustained send rate (accepted
 * messages per second between 10 % and 90 % of the audience; target 1,000 within 5 %; nobody
 * replies here, so the dispatcher's headroom for inbound (pacing.ts AdaptiveShare) shrinks to
 * nothing and it may use the whole throughput), its ratio to the number's throughput, and Samvad's
 * peak RSS (target < 300 MB); also the CPU time Samvad's and the
 * emulator's processes used per accepted message over the same window (all threads; the rate on a
 * shared 2-core machine follows whatever else runs, the CPU per message much less).
 * BENCH_CAMPAIGN_RECIPIENTS (100,000) and BENCH_CAMPAIGN_MPS (1,000) change the size.
 */
const env = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number > 0 (got "${v}")`);
  return n;
};
const RECIPIENTS = env('BENCH_CAMPAIGN_RECIPIENTS', 100_000);
const MPS = env('BENCH_CAMPAIGN_MPS', 1000);
const API_KEY = 'bench-campaign-api-key-7d1e3c5a9b2f4e6d8c0a';
const VERIFY_TOKEN = 'bench-campaign-verify';
const EMULATOR_TUNABLES = {
  limits: { throughput: true, pairRate: true, managementCalls: true, messagingTier: false },
  deliveredSkipShare: 0.1,
  webhookBatchMax: 100,
  webhookConcurrency: 8,
  defaultBehaviour: { onWhatsApp: true, deliveryDelayMs: 50, readDelayMs: 1100, marketingOptOut: false, marketingCap: null, reply: null },
};

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

async function oneRound(): Promise<ScenarioFigures> {
  const emuPort = await freePort();
  const samvadPort = await freePort();
  const emuDir = await mkdtemp(join(tmpdir(), 'samvad-bench-campaign-emulator-'));
  const samvadDir = await mkdtemp(join(tmpdir(), 'samvad-bench-campaign-'));
  const started: SpawnedServer[] = [];
  let db: Database.Database | undefined;
  const standIn = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    req.resume();
    req.on('end', () => res.writeHead(200).end(req.method === 'GET' ? (u.searchParams.get('hub.challenge') ?? '') : 'ok'));
  });
  try {
    const E = `http://127.0.0.1:${emuPort}`;
    const S = `http://127.0.0.1:${samvadPort}`;
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/webhook`;
    started.push(
      await spawnServer({
        label: 'emulator',
        args: ['bin/run-ts.js', 'src/emulator/bench-server.ts', 'emulator', String(emuPort), emuDir, standInUrl],
        env: { LOG_LEVEL: 'warn', BENCH_EMULATOR_TUNABLES: JSON.stringify(EMULATOR_TUNABLES) },
        readyUrl: `${E}/emulator/clock`,
      }),
    );
    for (let i = 0; i < 200; i++) {
      const n = await json<{ data: Array<{ callback_url: string | null }> }>(await fetch(`${E}/emulator/numbers`), 'GET /emulator/numbers');
      if (n.data[0]?.callback_url) break;
      await sleep(25);
    }
    const num = (await json<{ data: Record<string, string>[] }>(await fetch(`${E}/emulator/numbers`), 'numbers')).data[0]!;
    const patch = (body: unknown) => fetch(`${E}/emulator/numbers/${num.phone_number_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await json(await patch({ throughput_mps: MPS, tier: 'TIER_UNLIMITED' }), 'PATCH number');

    const samvad = await spawnServer({
      label: 'samvad',
      args: [...(process.env.BENCH_SAMVAD_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), 'bin/samvad.js', 'start', '--port', String(samvadPort), '--data-dir', samvadDir],
      env: { SAMVAD_SANDBOX: 'off', SAMVAD_API_KEY: API_KEY, SAMVAD_DEFAULT_RATE_LIMIT: '100000000', LOG_LEVEL: 'warn' },
      readyUrl: `${S}/readyz`,
    });
    started.push(samvad);
    const auth = 'Basic ' + Buffer.from(API_KEY + ':').toString('base64');
    const call = async (method: string, path: string, body?: unknown) =>
      json<Record<string, any>>(await fetch(`${S}${path}`, { method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }), `${method} ${path}`);
    await call('POST', '/api/v1/numbers', {
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
    });
    await json(await patch({ callback_url: `${S}/webhooks/whatsapp`, verify_token: VERIFY_TOKEN }), 'PATCH callback');

    // A draft with the whole audience, then the measured start.
    const base = 7_000_000_000 + Math.floor(Math.random() * 900) * 1_000_000;
    const phones = Array.from({ length: RECIPIENTS }, (_, i) => `91${base + i}`);
    const campaign = await call('POST', '/api/v1/campaigns', { name: 'bench', templateName: 'hello_world', languageCode: 'en_US', audience: { phones } });
    db = new Database(join(samvadDir, 'samvad.db'), { readonly: true, fileMustExist: true });
    const accepted = db.prepare<[string], { n: number }>(`SELECT count(wamid) AS n FROM messages WHERE campaign_id = ?`);
    let rssPeak = 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, processGroupsRssBytes([samvad.pid]) ?? 0)), 200);
    const t0 = Date.now();
    await call('POST', `/api/v1/campaigns/${campaign.id}/start`, { startAt: 'now' });
    let firstAt = 0;
    const marks = new Map<number, number>();
    /** CPU time of each process group at the 10 % and 90 % marks, with the accepted count then. */
    const cpuAt = new Map<number, { samvad: number; emulator: number; n: number }>();
    const want = [0.1, 0.9].map((s) => Math.ceil(s * RECIPIENTS));
    const deadline = t0 + 60_000 + (RECIPIENTS / MPS) * 3_000;
    try {
      for (;;) {
        const n = accepted.get(campaign.id)!.n;
        const now = Date.now();
        if (!firstAt && n > 0) firstAt = now;
        for (const w of want) {
          if (marks.has(w) || n < w) continue;
          marks.set(w, now);
          cpuAt.set(w, { samvad: processGroupsCpuMs([samvad.pid]) ?? NaN, emulator: processGroupsCpuMs([started[0]!.pid]) ?? NaN, n });
        }
        if (n >= RECIPIENTS) break;
        if (now > deadline) throw new Error(`only ${n} of ${RECIPIENTS} accepted in time`);
        await sleep(firstAt ? 100 : 5);
      }
    } finally {
      clearInterval(sampler);
    }
    const allAt = Date.now();
    const done = (await call('GET', `/api/v1/campaigns/${campaign.id}`)) as { progress: { failed: { total: number }; unknown: number } };
    if (done.progress.failed.total + done.progress.unknown > 0) throw new Error(`failures: ${JSON.stringify(done.progress)}`);
    const rate = (0.8 * RECIPIENTS) / ((marks.get(want[1]!)! - marks.get(want[0]!)!) / 1000);
    const [c0, c1] = [cpuAt.get(want[0]!)!, cpuAt.get(want[1]!)!];
    // CPU per accepted message in the sustained window: steadier than the rate on a shared machine.
    const cpuPerMsg = (k: 'samvad' | 'emulator') => Math.round(((c1[k] - c0[k]) * 1000) / (c1.n - c0.n));
    return {
      recipients: RECIPIENTS,
      'number mps': MPS,
      'time to first send ms': firstAt - t0,
      'sustained send rate msgs/s (10%→90%)': Math.round(rate),
      'rate / number throughput': Math.round((rate / MPS) * 1000) / 1000,
      'all accepted after s': Math.round((allAt - t0) / 100) / 10,
      'Samvad RSS MiB peak': Math.round((rssPeak / 1048576) * 10) / 10,
      'Samvad CPU µs/msg (10%→90%)': cpuPerMsg('samvad'),
      'emulator CPU µs/msg (10%→90%)': cpuPerMsg('emulator'),
    };
  } finally {
    db?.close();
    await new Promise<void>((r) => standIn.close(() => r()));
    for (const s of started.reverse()) await s.stop();
    await rm(emuDir, { recursive: true, force: true });
    await rm(samvadDir, { recursive: true, force: true });
  }
}

export default {
  name: 'campaign-100k',
  description: `A ${RECIPIENTS}-recipient broadcast from an emulated ${MPS}-mps number: time to first send, sustained send rate, Samvad peak RSS`,
  run: oneRound,
} satisfies Scenario;
