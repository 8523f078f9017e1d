/**
 * Helpers for the emulator's tests (and Samvad's): a frozen movable clock, a webhook sink that
 * answers Meta's handshake and records raw bodies, and an emulator served on 127.0.0.1:0.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock.ts';
import { silentLogger } from '../platform/logger.ts';
import { createEmulator, type Emulator, type EmulatorOptions, type NumberInfo } from './index.ts';

/** A movable clock that does not flow on its own, so limits and windows are deterministic. */
export function frozenClock(startMs = Date.UTC(2026, 0, 15, 9, 0, 0)): Clock & { set(ms: number): void } {
  let t = startMs;
  const listeners = new Set<(o: number) => void>();
  return {
    movable: true,
    nowMs: () => t,
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
      for (const l of listeners) l(t);
    },
    set(ms: number) {
      t = ms;
      for (const l of listeners) l(t);
    },
    onJump(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

export interface SinkRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  json: any;
}

export interface Sink {
  url: string;
  requests: SinkRequest[];
  /** Status the sink answers POSTs with (default 200). */
  status: number;
  verifyToken: string;
  /** Every status object received, in arrival order. */
  statuses(): any[];
  messages(): any[];
  changes(field?: string): any[];
  close(): Promise<void>;
}

export async function startSink(verifyToken = 'sink-verify-token'): Promise<Sink> {
  const requests: SinkRequest[] = [];
  const sink: Sink = {
    url: '',
    requests,
    status: 200,
    verifyToken,
    statuses: () => sink.changes('messages').flatMap((v) => v.statuses ?? []),
    messages: () => sink.changes('messages').flatMap((v) => v.messages ?? []),
    changes: (field) =>
      requests
        .filter((r) => r.method === 'POST')
        .flatMap((r) => (r.json.entry as any[]).flatMap((e) => e.changes as any[]))
        .filter((c) => !field || c.field === field)
        .map((c) => c.value),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.method === 'GET') {
        const u = new URL(req.url ?? '/', 'http://x');
        if (u.searchParams.get('hub.mode') === 'subscribe' && u.searchParams.get('hub.verify_token') === sink.verifyToken) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(u.searchParams.get('hub.challenge') ?? '');
        } else res.writeHead(403).end();
        requests.push({ method: 'GET', url: req.url ?? '', headers: req.headers, raw, json: null });
        return;
      }
      let json: unknown = null;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        /* recorded raw */
      }
      if (sink.status === 200) requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, json });
      res.writeHead(sink.status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return sink;
}

/** Meta's algorithm: HMAC-SHA256 of the raw body with the app secret, compared in constant time. */
export function verifySignature(appSecret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const want = Buffer.from('sha256=' + createHmac('sha256', appSecret).update(raw).digest('hex'));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface Harness {
  emulator: Emulator;
  app: FastifyInstance;
  clock: Clock & { set(ms: number): void };
  sink: Sink;
  url: string;
  graph: string;
  number: NumberInfo;
  /** Graph request with the default number's token. */
  graphCall(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  send(body: Record<string, unknown>, token?: string): Promise<{ status: number; body: any }>;
  /** Advances the clock and runs everything due. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: Partial<EmulatorOptions> & { graphPrefix?: string } = {}): Promise<Harness> {
  const clock = frozenClock();
  const sink = await startSink();
  const emulator = createEmulator({
    clock,
    logger: silentLogger(),
    storePath: ':memory:',
    graphPrefix: opts.graphPrefix ?? '/graph',
    controlPrefix: '/emulator',
    controlLoopbackOnly: true,
    allowPrivateMediaUrls: true,
    seed: true,
    ...opts,
    tunables: { deliveredSkipShare: 0, ...opts.tunables },
  });
  const app = Fastify({ logger: false });
  await app.register(emulator.plugin);
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
  emulator.setPublicBaseUrl(url);
  const number = emulator.defaultNumber()!;
  await emulator.setCallback(number.phone_number_id, sink.url, sink.verifyToken);
  const graph = `${url}${opts.graphPrefix ?? '/graph'}/v21.0`;
  const call = async (method: string, full: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(full, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed as any };
  };
  const h: Harness = {
    emulator, app, clock, sink, url, graph, number,
    graphCall: (method, path, body, token) => call(method, `${graph}${path}`, body, { authorization: `Bearer ${token ?? number.access_token}` }),
    control: (method, path, body) => call(method, `${url}/emulator${path}`, body, {}),
    send: (body, token) => h.graphCall('POST', `/${number.phone_number_id}/messages`, { messaging_product: 'whatsapp', ...body }, token),
    async advance(ms) {
      clock.advance(ms);
      await emulator.drain();
    },
    async close() {
      await app.close();
      await emulator.close();
      await sink.close();
    },
  };
  return h;
}
