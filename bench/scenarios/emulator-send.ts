import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '../lib/load.ts';
import type { Scenario, ScenarioFigures, ScenarioTarget } from '../lib/scenario.ts';
import { freePort, spawnServer, type SpawnedServer } from '../lib/spawn.ts';

const RECIPIENT = '919700000001';
/** The end-to-end phase of extraReport(): load for this long, then wait for every status webhook. */
const E2E_SECONDS = 5;
const E2E_CONNECTIONS = 50;
const E2E_TIMEOUT_MS = 120_000;
/** What bench-server.ts configures (BENCH_TUNABLES), stated in the output. */
const SETTINGS =
  'stand-alone emulator; webhooks: batches of <=100 statuses per POST, 8 POSTs in flight, signed (sha256+sha1), ' +
  'deliveredSkipShare 0 (every message gets sent, delivered and read); customer delivers after 50 ms, reads after 500 ms; ' +
  'throughput, pair-rate, management and tier limits off; text sends to one customer with an open window';

interface SinkStats {
  posts: number;
  bytes: number;
  statuses: { sent: number; delivered: number; read: number; failed: number };
  lastStatusAt: number;
}

/** CPU time (user + system, ms) of one process, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * The Cloud API emulator stand-alone (`samvad emulator`), accepting `POST /v21.0/{id}/messages`
 * text sends from a keep-alive client with throughput, pair-rate and tier limits lifted, while
 * it emits sent/delivered/read webhooks (signed, batched) to a local sink in another process.
 * This is the ceiling against which Samvad's own send path is measured.
 *
 * extraReport() adds the end-to-end figure: after the rounds it waits until the sink has every
 * status of every message sent so far (how long that took is the backlog the rounds left), then
 * loads the emulator alone for E2E_SECONDS and times until the sink has the sent, delivered and
 * read webhooks of every message accepted in that phase.
 */
export default {
  name: 'emulator-send',
  description: 'Cloud API emulator: POST /{phone-number-id}/messages (text, window open), limits lifted, signed status webhooks to a local sink',
  async setup() {
    const sinkPort = await freePort();
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'samvad-bench-emulator-'));
    const started: SpawnedServer[] = [];
    try {
      started.push(
        await spawnServer({
          label: 'webhook sink',
          args: ['bin/run-ts.js', 'src/emulator/bench-server.ts', 'sink', String(sinkPort)],
          readyUrl: `http://127.0.0.1:${sinkPort}/readyz`,
        }),
      );
      started.push(
        await spawnServer({
          label: 'emulator',
          args: ['bin/run-ts.js', 'src/emulator/bench-server.ts', 'emulator', String(port), dataDir, `http://127.0.0.1:${sinkPort}/webhook`],
          env: { LOG_LEVEL: 'warn' },
          readyUrl: `http://127.0.0.1:${port}/emulator/clock`,
        }),
      );
      let number: { phone_number_id: string; access_token: string; callback_url: string | null } | undefined;
      for (let i = 0; i < 200 && !number?.callback_url; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/emulator/numbers`);
        number = ((await res.json()) as { data: Array<typeof number> }).data[0];
        if (!number?.callback_url) await sleep(25);
      }
      if (!number?.callback_url) throw new Error('the emulator did not configure its webhook callback');
      const sinkStats = async (): Promise<SinkStats> => (await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).json()) as SinkStats;
      const emulatorPid = started[1]!.pid;
      /** Waits until the sink has sent, delivered and read for `want` messages (and no failure). */
      const waitForStatuses = async (base: SinkStats, want: number | null): Promise<SinkStats> => {
        const deadline = Date.now() + E2E_TIMEOUT_MS;
        let last = await sinkStats();
        let stableSince = Date.now();
        for (;;) {
          const d = (k: keyof SinkStats['statuses']) => last.statuses[k] - base.statuses[k];
          if (d('failed') > 0) throw new Error(`${d('failed')} failed statuses reached the sink`);
          // Every message ever sent gets all three, so the totals match once nothing is missing.
          const complete = last.statuses.delivered === last.statuses.sent && last.statuses.read === last.statuses.sent;
          if (complete && (want === null ? Date.now() - stableSince >= 1000 : d('sent') >= want)) return last;
          if (Date.now() > deadline) throw new Error(`statuses still missing after ${E2E_TIMEOUT_MS} ms: ${JSON.stringify(last.statuses)}`);
          await sleep(20);
          const next = await sinkStats();
          if (next.statuses.sent !== last.statuses.sent || next.statuses.read !== last.statuses.read) stableSince = Date.now();
          last = next;
        }
      };
      const target: ScenarioTarget = {
        url: `http://127.0.0.1:${port}/v21.0/${number.phone_number_id}/messages`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${number.access_token}` },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: RECIPIENT, type: 'text', text: { body: 'Your order #1001 has shipped and will arrive on Friday.' } }),
        expectStatus: 200,
        async extraReport(): Promise<ScenarioFigures> {
          const backlogStart = Date.now();
          const before = await waitForStatuses(await sinkStats(), null);
          const backlogMs = Math.max(0, before.lastStatusAt - backlogStart);
          const cpuBefore = cpuMs(emulatorPid);
          const startedAt = Date.now();
          const load = await runLoad(target, { durationSeconds: E2E_SECONDS, connections: E2E_CONNECTIONS, pipelining: 1, workers: 0 });
          const loadEndedAt = Date.now();
          const accepted = load.statusCodes['200'] ?? 0;
          if (load.errors > 0 || accepted !== load.requests) throw new Error(`e2e load: ${load.errors} errors, statuses ${JSON.stringify(load.statusCodes)}`);
          const after = await waitForStatuses(before, accepted);
          const cpuAfter = cpuMs(emulatorPid);
          const sent = after.statuses.sent - before.statuses.sent;
          const e2eSeconds = (after.lastStatusAt - startedAt) / 1000;
          const posts = after.posts - before.posts;
          return {
            'settings': SETTINGS,
            'backlog after the rounds: ms until all statuses at sink': backlogMs,
            'e2e phase: load': `${E2E_SECONDS} s, ${E2E_CONNECTIONS} keep-alive connections`,
            'e2e accepted msgs': accepted,
            'e2e accepted msgs/s': accepted / ((loadEndedAt - startedAt) / 1000),
            'e2e accept p99 ms': load.latencyMs.p99,
            'e2e msgs/s, all of sent+delivered+read at sink': sent / e2eSeconds,
            'e2e last webhook after load end ms': Math.max(0, after.lastStatusAt - loadEndedAt),
            'e2e statuses per webhook POST': posts > 0 ? (3 * sent) / posts : 0,
            'e2e emulator CPU µs/msg': cpuBefore === null || cpuAfter === null || sent === 0 ? '-' : ((cpuAfter - cpuBefore) * 1000) / sent,
          };
        },
        async teardown() {
          for (const s of started.reverse()) await s.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
      return target;
    } catch (err) {
      for (const s of started.reverse()) await s.stop();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  },
} satisfies Scenario;
