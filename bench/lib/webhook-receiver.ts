import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * A webhook receiver for benchmarks, run as its own process (`node bin/run-ts.js
 * bench/lib/webhook-receiver.ts PORT SECRET`): answers every POST 200 after checking
 * Interakt-Signature (one HMAC-SHA256 over the raw body, as a receiver would) and counting the
 * event by type and by X-Samvad-Event-Id (so a duplicate is seen). Cheap on purpose: no JSON parse,
 * the type is read from the body's first bytes. GET /stats answers the counts, POST /reset clears
 * them (after the ceiling measurement), GET /ready is the readiness probe.
 */
const port = Number(process.argv[2]);
const secret = process.argv[3] ?? '';
if (!Number.isInteger(port) || !secret) {
  console.error('usage: webhook-receiver.ts PORT SECRET');
  process.exit(2);
}

let stats = fresh();
function fresh() {
  return { requests: 0, unique: 0, duplicates: 0, badSignatures: 0, byType: {} as Record<string, number>, firstAt: 0, lastAt: 0 };
}
let seen = new Set<string>();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  if (req.method === 'GET' && req.url === '/ready') return void res.writeHead(200).end('ok');
  if (req.method === 'POST' && req.url === '/reset') {
    stats = fresh();
    seen = new Set();
    return void res.writeHead(200).end('ok');
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const now = Date.now();
    stats.requests++;
    if (stats.firstAt === 0) stats.firstAt = now;
    stats.lastAt = now;
    if (req.headers['interakt-signature'] !== `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`) stats.badSignatures++;
    const id = String(req.headers['x-samvad-event-id'] ?? '');
    if (seen.has(id)) stats.duplicates++;
    else {
      seen.add(id);
      stats.unique++;
    }
    const head = raw.subarray(0, 200).toString('latin1');
    const m = /"type":"([a-z_]+)"/.exec(head);
    const type = m ? m[1]! : 'unknown';
    stats.byType[type] = (stats.byType[type] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
