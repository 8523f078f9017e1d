/**
 * Child processes of the `emulator-send` benchmark scenario (bench/scenarios/emulator-send.ts):
 *   node bin/run-ts.js src/emulator/bench-server.ts sink PORT
 *   node bin/run-ts.js src/emulator/bench-server.ts emulator PORT DATA_DIR SINK_URL
 * The sink answers Meta's handshake and 200s every webhook. The emulator runs with throughput,
 * pair-rate and tier limits lifted, one virtual customer whose window is open, and its
 * callback pointed at the sink (the scenario waits until GET /emulator/numbers shows it).
 */
import { createServer } from 'node:http';
import { createClock } from '../platform/clock.ts';
import { createLogger } from '../platform/logger.ts';
import { startEmulatorServer } from './index.ts';

export const BENCH_RECIPIENT = '919700000001';
export const BENCH_VERIFY_TOKEN = 'bench-verify';

/**
 * The emulator's settings in the benchmark: Meta's default webhook behaviour (batches of up to
 * 100 statuses per POST, 8 POSTs in flight, the delivered-skip share set to 0 so that every
 * message gets its sent, delivered and read webhooks), with throughput, pair-rate, management
 * and tier limits lifted, and a customer who gets messages after 50 ms and reads them after 500 ms.
 * `BENCH_EMULATOR_TUNABLES` (JSON) overrides any of them.
 */
export const BENCH_TUNABLES = {
  limits: { throughput: false, pairRate: false, managementCalls: false, messagingTier: false },
  deliveredSkipShare: 0,
  webhookBatchMax: 100,
  webhookConcurrency: 8,
  defaultBehaviour: { onWhatsApp: true, deliveryDelayMs: 50, readDelayMs: 500, marketingOptOut: false, marketingCap: null, reply: null },
  ...(process.env.BENCH_EMULATOR_TUNABLES ? (JSON.parse(process.env.BENCH_EMULATOR_TUNABLES) as object) : {}),
};

const [mode, portArg, dataDir, sinkUrl] = process.argv.slice(2);
const port = Number(portArg);

if (mode === 'sink') {
  // Counts every webhook POST and every status in it by kind; GET /stats answers the counts and
  // the time (ms since the epoch) the last status arrived, so the scenario can time end to end.
  let received = 0;
  let bytes = 0;
  const statuses: Record<string, number> = { sent: 0, delivered: 0, read: 0, failed: 0 };
  let lastStatusAt = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === '/readyz') return void res.writeHead(200).end('ok');
    if (req.method === 'GET' && u.pathname === '/stats') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts: received, bytes, statuses, lastStatusAt }));
    }
    if (req.method === 'GET') {
      const ok = u.searchParams.get('hub.verify_token') === BENCH_VERIFY_TOKEN;
      return void res.writeHead(ok ? 200 : 403).end(ok ? (u.searchParams.get('hub.challenge') ?? '') : '');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const raw = Buffer.concat(chunks);
      bytes += raw.length;
      try {
        const body = JSON.parse(raw.toString('utf8')) as { entry?: Array<{ changes?: Array<{ value?: { statuses?: Array<{ status: string }> } }> }> };
        let n = 0;
        for (const e of body.entry ?? []) {
          for (const c of e.changes ?? []) {
            for (const st of c.value?.statuses ?? []) {
              statuses[st.status] = (statuses[st.status] ?? 0) + 1;
              n++;
            }
          }
        }
        if (n > 0) lastStatusAt = Date.now();
      } catch {
        /* not JSON: counted as a POST only */
      }
      res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    console.log(`sink received ${received} webhook POSTs, statuses ${JSON.stringify(statuses)}`);
    process.exit(0);
  });
} else if (mode === 'emulator') {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const srv = await startEmulatorServer({
    port,
    dataDir: dataDir!,
    clock: createClock(),
    logger,
    emulator: {
      seed: true,
      tunables: BENCH_TUNABLES,
    },
  });
  const num = srv.emulator.defaultNumber()!;
  srv.emulator.createUser(BENCH_RECIPIENT, 'Bench Customer', { deliveryDelayMs: 50, readDelayMs: 500, reply: null });
  srv.emulator.userSends(BENCH_RECIPIENT, { type: 'text', text: 'open the window', phone_number_id: num.phone_number_id });
  await srv.emulator.setCallback(num.phone_number_id, sinkUrl!, BENCH_VERIFY_TOKEN);
  process.on('SIGTERM', () => {
    void srv.close().then(() => process.exit(0));
  });
} else {
  console.error('usage: bench-server.ts sink PORT | emulator PORT DATA_DIR SINK_URL');
  process.exit(2);
}
