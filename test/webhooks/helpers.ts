import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordEvents } from '../../src/webhooks/index.ts';
import { buildTemplateStatusEvent } from '../../src/webhooks/payloads/index.ts';
import type { TestApp } from '../helpers/start-test-app.ts';

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  /** Interakt's algorithm, as a receiver writes it (reference §8.2). */
  interaktSignatureValid: boolean;
  samvadSignatureValid: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  server: Server;
  close(): Promise<void>;
}

/** A local webhook receiver: verifies both signatures, then answers with `respond`. */
export async function startReceiver(secret: string, respond: (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void = (_q, res) => res.end('ok'), port = 0): Promise<Receiver> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const expected = 'sha256=' + createHmac('sha256', secret).update(raw).digest('hex');
      const ts = String(req.headers['x-samvad-timestamp']);
      const samvad = 'v1=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
      received.push({ body, headers: req.headers, interaktSignatureValid: expected === req.headers['interakt-signature'], samvadSignatureValid: samvad === req.headers['x-samvad-signature'] });
      respond(req, res, body, ++n);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    received,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function createEndpointViaApi(app: TestApp, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}/api/v1/webhooks/endpoints`, { method: 'POST', headers: { authorization: app.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

export async function workspaceIdOf(app: TestApp): Promise<string> {
  const row = await app.context.database.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Records `n` synthetic events (template status bodies, numbered) for the given contacts, round robin, in one transaction. */
export async function recordSynthetic(app: TestApp, workspaceId: string, n: number, contacts: (string | null)[], start = 0): Promise<void> {
  const now = app.context.clock.nowMs();
  await app.context.database.transaction(async (tx) => {
    await recordEvents(
      tx,
      Array.from({ length: n }, (_, i) => {
        const k = start + i;
        const contactId = contacts[k % contacts.length] ?? null;
        return { workspaceId, type: 'message_template_status_update', contactId, payload: buildTemplateStatusEvent({ event: 'APPROVED', providerTemplateId: String(k), name: `n${k}`, language: contactId, reason: null, at: now }) };
      }),
      now,
    );
  });
}

/** The sequence number and contact a synthetic body carries. */
export function parseSynthetic(body: string): { k: number; contact: string | null } {
  const data = (JSON.parse(body) as { data: { message_template_id: number; message_template_language: string | null } }).data;
  return { k: Number(data.message_template_id), contact: data.message_template_language };
}

export async function deliveryStates(app: TestApp): Promise<Record<string, number>> {
  const rows = await app.context.database.db.selectFrom('webhook_deliveries').select(['state']).execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.state] = (out[r.state] ?? 0) + 1;
  return out;
}
