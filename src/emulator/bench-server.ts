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

const [mode, portArg, dataDir, sinkUrl] = process.argv.slice(2);
const port = Number(portArg);

if (mode === 'sink') {
  let received = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && u.pathname === '/readyz') return void res.writeHead(200).end('ok');
    if (req.method === 'GET') {
      const ok = u.searchParams.get('hub.verify_token') === BENCH_VERIFY_TOKEN;
      return void res.writeHead(ok ? 200 : 403).end(ok ? (u.searchParams.get('hub.challenge') ?? '') : '');
    }
    req.on('data', () => {});
    req.on('end', () => {
      received++;
      res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    console.log(`sink received ${received} webhook POSTs`);
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
      tunables: {
        limits: { throughput: false, pairRate: false, managementCalls: false, messagingTier: false },
        deliveredSkipShare: 0.1,
        webhookBatchMax: 500,
        defaultBehaviour: { onWhatsApp: true, deliveryDelayMs: 50, readDelayMs: 500, marketingOptOut: false, marketingCap: null, reply: null },
      },
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
