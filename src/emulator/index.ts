/**
 * Emulator of Meta's WhatsApp Cloud API with virtual customers (issue 3). In-process, Samvad
 * mounts Graph under `/graph` and the control API under `/emulator` (loopback only); stand-alone
 * (`samvad emulator --port N`) Graph is at the root and control at `/emulator`. See README.md.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { sleepUntil, type Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { DEFAULT_TUNABLES, type EmulatorTunables } from './config.ts';
import { registerControlRoutes } from './control-routes.ts';
import { Engine, type CreateNumberInput, type NumberInfo, type UserInfo } from './engine.ts';
import { errorEnvelope, GraphError, httpStatusFor } from './errors.ts';
import { registerGraphRoutes } from './graph-routes.ts';
import { defaultNumber, seed, SEEDED_CUSTOMERS } from './seed.ts';
import { openStore, Store, type Behaviour } from './store.ts';
import { verifyCallback, WebhookSender } from './webhooks.ts';

export type { EmulatorTunables } from './config.ts';
export type { NumberInfo, UserInfo, ChatEntry, CreateNumberInput } from './engine.ts';
export type { Behaviour, ReplyScript, Tier, Quality } from './store.ts';
export { SEEDED_CUSTOMERS, DEFAULT_NUMBER } from './seed.ts';
export { metaJson, signSha256 } from './wire.ts';

export interface EmulatorOptions {
  clock: Clock;
  logger: Logger;
  /** SQLite file for the emulator's durable state; ':memory:' for tests. */
  storePath: string;
  /** Where Graph routes live: '' stand-alone (→ /v21.0/...), '/graph' in-process. */
  graphPrefix?: string;
  /** Control API prefix, default '/emulator'. */
  controlPrefix?: string;
  /** Refuse control routes from non-loopback addresses (403). */
  controlLoopbackOnly?: boolean;
  /** Link media may be fetched from private and loopback addresses (sandbox, tests). */
  allowPrivateMediaUrls?: boolean;
  /** Base URL at which this emulator's media and sample files are reachable. */
  publicBaseUrl?: string;
  /** Seed the five virtual customers and a default number on first start. */
  seed?: boolean;
  /** Tunables (review delay, retry horizon, delivered-skip share, batching, limits, …). */
  tunables?: Partial<EmulatorTunables>;
}

export interface Emulator {
  /** Fastify plugin registering Graph + control routes at the configured prefixes (register without a prefix). */
  plugin: FastifyPluginAsync;
  /** Starts background work (status steps, replies, reviews, webhook sender); idempotent. */
  start(): void;
  close(): Promise<void>;
  /** Runs everything that is due now, including webhook deliveries, until nothing is left (tests). */
  drain(): Promise<void>;
  /** The default (seeded or first) number. */
  defaultNumber(): NumberInfo | null;
  createNumber(input?: CreateNumberInput): NumberInfo;
  /** Sets a number's callback URL, performing Meta's verification handshake unless `verify` is false. */
  setCallback(phoneNumberId: string, url: string | null, verifyToken?: string, options?: { verify?: boolean }): Promise<void>;
  createUser(waId: string, profileName: string, behaviour?: Partial<Behaviour>): UserInfo;
  /** Makes a virtual user send a message (control API body shape). */
  userSends(waId: string, input: Record<string, unknown>): { id: string; message: Record<string, unknown> };
  getChat(waId: string, options?: { phoneNumberId?: string; all?: boolean }): ReturnType<Engine['chat']>;
  setPublicBaseUrl(url: string): void;
  readonly engine: Engine;
  readonly tunables: EmulatorTunables;
}

export function createEmulator(options: EmulatorOptions): Emulator {
  const tunables: EmulatorTunables = {
    ...DEFAULT_TUNABLES,
    ...options.tunables,
    limits: { ...DEFAULT_TUNABLES.limits, ...options.tunables?.limits },
    defaultBehaviour: { ...DEFAULT_TUNABLES.defaultBehaviour, ...options.tunables?.defaultBehaviour },
  };
  const graphPrefix = (options.graphPrefix ?? '').replace(/\/$/, '');
  const controlPrefix = (options.controlPrefix ?? '/emulator').replace(/\/$/, '');
  let publicBaseUrl = options.publicBaseUrl?.replace(/\/$/, '');
  const store = new Store(openStore(options.storePath));
  const log = options.logger;

  let stepWake = new AbortController();
  let hookWake = new AbortController();
  // Aborting an aborted controller still builds a DOMException (with a stack): check first.
  const wake = () => {
    if (!stepWake.signal.aborted) stepWake.abort();
    if (!hookWake.signal.aborted) hookWake.abort();
  };
  const engine = new Engine({ store, clock: options.clock, logger: log, tunables, allowPrivateMediaUrls: options.allowPrivateMediaUrls ?? false, wake });
  const sender = new WebhookSender(engine);
  if (options.seed) seed(engine);

  let started = false;
  let closed = false;
  const stop = new AbortController();
  const loops: Promise<void>[] = [];

  /**
   * Runs of the step loop and the webhook pump are at least `workBatchMs` of real time apart while
   * work keeps coming, so each run handles a batch (one transaction, fuller webhook POSTs) instead
   * of waking for every accepted message. A full batch goes on at once.
   */
  const pace = async (startedAt: number): Promise<void> => {
    const gap = tunables.workBatchMs - (performance.now() - startedAt);
    if (gap > 0 && !closed) await sleepMs(gap, undefined, { signal: stop.signal }).catch(() => {});
    else await new Promise((r) => setImmediate(r));
  };

  async function stepLoop(): Promise<void> {
    let lastPrune = 0;
    const limit = 2000;
    while (!closed) {
      const ctl = (stepWake = new AbortController());
      const startedAt = performance.now();
      let n = 0;
      try {
        n = engine.processDue(limit);
        if (engine.now() - lastPrune > 3_600_000) {
          engine.prune();
          lastPrune = engine.now();
        }
      } catch (err) {
        log.error({ err }, 'emulator step failed');
      }
      if (n > 0) {
        if (!hookWake.signal.aborted) hookWake.abort();
        if (n >= limit) await new Promise((r) => setImmediate(r));
        else await pace(startedAt);
        continue;
      }
      const next = engine.nextDue();
      const cap = engine.now() + 30_000;
      await sleepUntil(options.clock, next === null ? cap : Math.min(next, cap), AbortSignal.any([ctl.signal, stop.signal]));
    }
  }

  async function hookLoop(): Promise<void> {
    while (!closed) {
      const ctl = (hookWake = new AbortController());
      const startedAt = performance.now();
      let n = 0;
      try {
        n = await sender.pump();
      } catch (err) {
        log.error({ err }, 'emulator webhook pump failed');
      }
      if (n > 0) {
        await pace(startedAt);
        continue;
      }
      const next = sender.nextDue();
      const cap = engine.now() + 30_000;
      await sleepUntil(options.clock, next === null ? cap : Math.min(next, cap), AbortSignal.any([ctl.signal, stop.signal]));
    }
  }

  async function drain(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const a = engine.processDue(10_000);
      while (engine.pendingFetches() > 0) await new Promise((r) => setTimeout(r, 5));
      const b = await sender.pump(10_000, { fullRead: true });
      if (a === 0 && b === 0 && engine.pendingFetches() === 0) return;
    }
  }

  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    // Meta's envelope for every error on these routes, including malformed JSON and schema errors.
    app.setErrorHandler((err: FastifyError | GraphError, req, reply) => {
      let g: GraphError;
      if (err instanceof GraphError) g = err;
      else if ((err as FastifyError).validation) g = new GraphError(100, (err as FastifyError).message);
      else if ((err as FastifyError).code?.startsWith('FST_ERR_CTP_')) {
        const fe = err as FastifyError;
        g =
          fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? new GraphError(100, 'The request body is too large.', { httpStatus: 413 })
            : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? new GraphError(100, `Unsupported content type: ${String(req.headers['content-type'])}`)
              : new GraphError(100, `The request body could not be parsed as JSON: ${fe.message}`);
      } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
        g = new GraphError(100, err.message, { httpStatus: (err as FastifyError).statusCode });
      } else {
        log.error({ err, url: req.url }, 'emulator route failed');
        g = new GraphError(131000);
      }
      void reply.code(httpStatusFor(g, tunables.throttleHttpStatus)).type('application/json').send(errorEnvelope(g));
    });
    // Graph accepts form-encoded parameters too (JSON-looking values are parsed), and multipart uploads.
    if (app.hasContentTypeParser('application/x-www-form-urlencoded')) app.removeContentTypeParser('application/x-www-form-urlencoded');
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of new URLSearchParams(String(body))) {
        if (/^\s*[[{]/.test(v)) {
          try {
            out[k] = JSON.parse(v);
            continue;
          } catch {
            /* keep the string */
          }
        }
        out[k] = v;
      }
      done(null, out);
    });
    if (app.hasContentTypeParser('multipart/form-data')) app.removeContentTypeParser('multipart/form-data');
    app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    await registerGraphRoutes(app, { engine, graphPrefix, publicBaseUrl: () => publicBaseUrl });
    await registerControlRoutes(app, {
      engine, controlPrefix, graphPrefix, loopbackOnly: options.controlLoopbackOnly ?? false, drain, publicBaseUrl: () => publicBaseUrl,
    });
  };

  const emulator: Emulator = {
    plugin,
    engine,
    tunables,
    start() {
      if (started || closed) return;
      started = true;
      loops.push(stepLoop(), hookLoop());
    },
    async close() {
      if (closed) return;
      closed = true;
      engine.flushAccepts();
      stop.abort();
      wake();
      await Promise.all(loops);
      while (engine.pendingFetches() > 0) await new Promise((r) => setTimeout(r, 5));
      await sender.close();
      store.close();
    },
    drain,
    defaultNumber: () => defaultNumber(engine),
    createNumber: (input) => engine.createNumber(input),
    async setCallback(id, url, verifyToken, o) {
      if (!engine.number(id)) throw new GraphError(100, `Number ${id} does not exist.`, { httpStatus: 404 });
      if (url && o?.verify !== false) {
        const r = await verifyCallback(url, verifyToken ?? '');
        if (!r.ok) throw new GraphError(100, `The callback URL or verify token couldn't be validated. ${r.reason ?? ''}`.trim());
      }
      engine.setCallback(id, url, verifyToken ?? null);
    },
    createUser: (waId, name, behaviour) => engine.createUser(waId, name, behaviour ?? {}),
    userSends: (waId, input) => engine.userSends(waId, input),
    getChat: (waId, o) => engine.chat(waId, { numberId: o?.phoneNumberId, all: o?.all }),
    setPublicBaseUrl(url) {
      publicBaseUrl = url.replace(/\/$/, '');
    },
  };
  return emulator;
}

/** Stand-alone: `samvad emulator --port N` calls this. Graph at the root, control at /emulator. */
export async function startEmulatorServer(options: {
  port: number;
  host?: string;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  emulator?: Partial<Omit<EmulatorOptions, 'clock' | 'logger' | 'storePath'>>;
}): Promise<{ url: string; emulator: Emulator; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const emulator = createEmulator({
    clock: options.clock,
    logger: options.logger,
    storePath: options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, 'emulator.sqlite'),
    graphPrefix: '',
    controlPrefix: '/emulator',
    controlLoopbackOnly: false,
    allowPrivateMediaUrls: true,
    seed: true,
    ...options.emulator,
  });
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  await app.register(emulator.plugin);
  const address = await app.listen({ port: options.port, host });
  const url = address.replace('[::1]', '127.0.0.1');
  if (!options.emulator?.publicBaseUrl) emulator.setPublicBaseUrl(url);
  emulator.start();
  const num = emulator.defaultNumber();
  options.logger.info(
    { url, graph: `${url}/v21.0`, control: `${url}/emulator`, phone_number_id: num?.phone_number_id, waba_id: num?.waba_id },
    'WhatsApp Cloud API emulator listening',
  );
  return {
    url,
    emulator,
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}
