import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './platform/package-root.ts';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './http-context.ts';
import { migrations } from './migrations.ts';
import { nativeApiPlugin } from './native-api/plugin.ts';
import { createClock, type Clock } from './platform/clock.ts';
import { loadConfig, redactUrl, type Config, type ConfigFlags } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { migrateToLatest, pendingMigrations } from './platform/db/migrate.ts';
import { openDatabase } from './platform/db/open.ts';
import { createHttpServer } from './platform/http/server.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { JobQueue } from './platform/queue/index.ts';
import { createMemoryRateLimiter } from './platform/rate-limit.ts';
import { setupRetention } from './platform/retention/index.ts';
import { publicApiPlugin } from './public-api/plugin.ts';
import { createTemplateRefresher, syncNumberTemplatesNow } from './templates/index.ts';
import { AdminTokenChecker } from './workspaces/admin-token.ts';
import { KeyAuthenticator } from './workspaces/authenticate-key.ts';
import { bootstrapInstance, type BootstrapResult } from './workspaces/bootstrap.ts';
import { createOwnerSetupToken, peopleRetention, setupLink } from './workspaces/people/index.ts';
import { setupInbox } from './inbox/index.ts';
import { setupAnalytics } from './analytics/index.ts';
import { createEmulator, SEEDED_CUSTOMERS, type Emulator } from './emulator/index.ts';
import { createDispatchNumberLoader } from './channels/whatsapp/numbers/load-dispatch-number.ts';
import { createDispatcher, type Dispatcher } from './messaging/dispatch/dispatcher.ts';
import { registerDispatchMetrics } from './messaging/dispatch/metrics.ts';
import { registerWebhookMetrics } from './webhooks/metrics.ts';
import type { Registry } from 'prom-client';
import { idempotencyKeysRetention } from './messaging/send/idempotency-retention.ts';
import { registerBuiltinErasers } from './contacts/erasure-stores.ts';
import { optOutOnMetaRefusals } from './contacts/opt-out/meta-opt-out.ts';
import { registerContactJobs } from './contacts/jobs.ts';
import { registerOptReplyJob } from './contacts/opt-out/opt-reply-job.ts';
import { createCampaignServices, registerClickRoute } from './campaigns/index.ts';
import { setupWebhooks, type WebhooksSetup } from './webhooks/index.ts';
import {
  checkSecretKey,
  connectSandboxNumber,
  getNumberCredentials,
  createWhatsAppServices,
  registerWhatsAppApiRoutes,
  registerWhatsAppHttp,
  registerWhatsAppJobs,
  type WhatsAppServices,
} from './channels/whatsapp/index.ts';

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface StartOptions extends ConfigFlags {
  /** Environment variables (default process.env). */
  env?: Record<string, string | undefined>;
  /** Print the first-start banner to stdout (default true unless LOG_LEVEL=silent). */
  banner?: boolean;
  logger?: Logger;
  clock?: Clock;
}

export interface RunningApp {
  url: string;
  config: Config;
  context: AppContext;
  http: FastifyInstance | undefined;
  /** The in-process Cloud API emulator (sandbox mode). */
  emulator?: Emulator;
  /** The dispatcher (its stats() are read by the fault tests). */
  dispatcher?: Dispatcher;
  /** Outbound webhooks: the deliverer (its stats() are read by tests and the bench). */
  webhooks?: WebhooksSetup;
  /** The default workspace's key, when this start created it. */
  apiKey?: string;
  /** The operator token, when this start generated it. */
  adminToken?: string;
  close(): Promise<void>;
}

/**
 * Starts Samvad in this process: configuration, storage and migrations, first-start bootstrap,
 * then the HTTP API (roles all/api) and the job workers (roles all/worker).
 */
export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  const config = loadConfig(options.env ?? process.env, options);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? createClock({ movable: config.testClock });
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, groupCommitMs: config.groupCommitMs, sqliteCacheMb: config.sqliteCacheMb, logger });
  let http: FastifyInstance | undefined;
  let queue: JobQueue | undefined;
  let emulator: Emulator | undefined;
  let whatsapp: WhatsAppServices | undefined;
  let dispatcher: Dispatcher | undefined;
  let webhooks: WebhooksSetup | undefined;
  try {
    const applied = await migrateToLatest(database, migrations);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const boot = await bootstrapInstance(database, clock, { workspaceName: config.workspaceName, apiKey: config.apiKey, adminToken: config.adminToken });
    // Until the default workspace has a member, every API start prints a fresh one-time link to create its owner.
    const ownerSetupToken = config.role !== 'worker' ? await createOwnerSetupToken(database, clock) : undefined;

    queue = new JobQueue({
      database,
      clock,
      logger,
      batchSize: config.jobBatchSize,
      leaseMs: config.jobLeaseMs,
      concurrency: config.jobConcurrency,
    });
    // Modules register their accumulating data with `retention` before the queue starts.
    const retention = setupRetention({ database, clock, logger, queue, config: config.retention });
    // Sandbox mode: the Cloud API emulator runs in this process. `auto` turns it on for the
    // single-process setup (role all); a scaled-out cluster runs `samvad emulator` on its own.
    const sandbox = config.sandbox === 'on' || (config.sandbox === 'auto' && config.role === 'all');
    // WhatsApp channel: secret key (refuses to start without one when numbers exist), adapter,
    // media store; its webhook job and retention kinds.
    whatsapp = createWhatsAppServices({ config, clock, logger });
    await checkSecretKey(database, whatsapp);
    registerWhatsAppJobs({ database, clock, logger, queue, retention, config, services: whatsapp });
    retention.register(idempotencyKeysRetention);
    // Contacts: CSV import jobs; erasers of the stores that hold a contact's data.
    registerContactJobs({ database, clock, logger, queue });
    registerBuiltinErasers({ media: whatsapp.media, now: () => clock.nowMs() });
    optOutOnMetaRefusals();
    // Outbound webhooks: retention kinds, commit wake-ups, media links in payloads (kept as long as media is).
    webhooks = setupWebhooks({ database, clock, logger, config, retention, secrets: whatsapp.secrets, mediaUrl: (key, now) => whatsapp!.mediaUrls.url(config.publicUrl, key, now, config.retention.mediaDays * 86_400_000) });
    for (const kind of peopleRetention) retention.register(kind);
    // Inbox: out-of-hours reply job, event-log retention, realtime wake-ups, contact eraser.
    setupInbox({ database, clock, logger, queue, retention, wake: (numberId) => dispatcher?.wake(numberId) });
    // The dispatcher owns numbers with queued messages (worker roles) and paces their sends; an
    // API-only process still wakes the owners elsewhere (NOTIFY).
    dispatcher = createDispatcher({
      database,
      clock,
      logger: logger.child({ component: 'dispatcher' }),
      channel: whatsapp.channel,
      loadNumber: createDispatchNumberLoader(database, whatsapp.secrets),
      throughputShare: config.dispatchThroughputShare,
    });
    const wakeDispatch = (numberId: string) => dispatcher!.wake(numberId);
    whatsapp.onResume = wakeDispatch;
    registerOptReplyJob({ database, clock, queue, messageTtlMs: config.messageTtlMs, wake: wakeDispatch });
    setupAnalytics({ database, clock, logger, queue, messageTtlMs: config.messageTtlMs });
    const context: AppContext = {
      config,
      clock,
      logger,
      database,
      queue,
      retention,
      rateLimiter: createMemoryRateLimiter(),
      keys: new KeyAuthenticator(database, clock),
      adminToken: new AdminTokenChecker(database, config.adminToken),
      version: VERSION,
      sandbox,
      whatsapp,
      dispatch: { wake: wakeDispatch },
    };
    // Templates: synced lazily on a send's lookup miss (at most once a minute per WABA), and at start for the sandbox number.
    context.templateRefresher = createTemplateRefresher({
      database,
      clock,
      logger,
      channel: whatsapp.channel,
      credentials: (workspaceId, numberId) => getNumberCredentials(database, whatsapp!.secrets, workspaceId, numberId),
    });
    // Campaigns: the runner feeds the dispatcher (worker roles); routes and /r/{token} click tracking.
    context.campaigns = await createCampaignServices({ database, clock, logger, ttlMs: config.messageTtlMs, wake: wakeDispatch, templateRefresher: context.templateRefresher, throughputShare: config.dispatchThroughputShare });

    let url = config.publicUrl;
    if (config.role !== 'worker') {
      if (sandbox) {
        emulator = createEmulator({
          clock,
          logger: logger.child({ component: 'emulator' }),
          storePath: join(config.dataDir, 'emulator.db'),
          graphPrefix: '/graph',
          controlPrefix: '/emulator',
          controlLoopbackOnly: true,
          allowPrivateMediaUrls: true,
          publicBaseUrl: config.publicUrl,
          seed: true,
        });
      }
      http = await buildHttp(context, emulator, (registry) => {
        registerDispatchMetrics(registry, () => dispatcher, database, logger);
        registerWebhookMetrics(registry, () => webhooks?.deliverer.stats(), database, logger);
      });
      const address = await http.listen({ port: config.port, host: config.host });
      url = config.port === 0 ? address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost') : config.publicUrl;
      emulator?.setPublicBaseUrl(url);
      emulator?.start();
      // Sandbox: connect the emulator's number and register our webhook URL (handshake needs the server up).
      if (emulator) {
        const sandboxNumberId = await connectSandboxNumber({ database, clock, logger, secrets: whatsapp.secrets, emulator, url });
        if (sandboxNumberId) await syncNumberTemplatesNow(database, context.templateRefresher, sandboxNumberId);
      }
    }
    if (config.role !== 'api') {
      queue.start();
      dispatcher.start();
      context.campaigns.runner.start();
      await webhooks.start();
    }

    logger.info({ url, role: config.role, database: config.databaseUrl ? redactUrl(config.databaseUrl) : join(config.dataDir, 'samvad.db'), sandbox }, 'Samvad started');
    if (ownerSetupToken) logger.info({ link: setupLink(url, ownerSetupToken) }, 'no dashboard user yet: open this one-time link to create the owner');
    if (options.banner ?? config.logLevel !== 'silent') printBanner(url, boot, config, emulator, ownerSetupToken && setupLink(url, ownerSetupToken));

    let closing: Promise<void> | undefined;
    const running: RunningApp = {
      url,
      config,
      context,
      http,
      ...(boot.apiKey ? { apiKey: boot.apiKey } : {}),
      ...(boot.adminToken ? { adminToken: boot.adminToken } : {}),
      ...(emulator ? { emulator } : {}),
      ...(dispatcher ? { dispatcher } : {}),
      webhooks,
      close: () => (closing ??= context.campaigns!.runner.stop().then(() => shutdown(http, queue!, database, logger, emulator, whatsapp, dispatcher, webhooks))),
    };
    return running;
  } catch (err) {
    await http?.close().catch(() => {});
    await emulator?.close().catch(() => {});
    await queue?.stop().catch(() => {});
    await dispatcher?.stop().catch(() => {});
    await webhooks?.close().catch(() => {});
    await whatsapp?.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}

async function buildHttp(ctx: AppContext, emulator: Emulator | undefined, metrics: (registry: Registry) => void): Promise<FastifyInstance> {
  const app = await createHttpServer({
    logger: ctx.logger,
    bodyLimitBytes: ctx.config.bodyLimitBytes,
    version: ctx.version,
    publicUrl: ctx.config.publicUrl,
    readiness: () => readiness(ctx.database),
    metrics,
  });
  await app.register(async (scope) => publicApiPlugin(scope, ctx), { prefix: '/v1/public' });
  registerClickRoute(app, ctx);
  await app.register(
    async (scope) => {
      await nativeApiPlugin(scope, ctx);
      registerWhatsAppApiRoutes(scope, { database: ctx.database, clock: ctx.clock, services: ctx.whatsapp });
    },
    { prefix: '/api/v1' },
  );
  await registerWhatsAppHttp(app, { database: ctx.database, clock: ctx.clock, logger: ctx.logger, queue: ctx.queue, services: ctx.whatsapp });
  if (emulator) await app.register(emulator.plugin);
  await registerDashboard(app);
  return app;
}

async function readiness(database: Database): Promise<{ ready: boolean; reason?: string }> {
  await database.ping();
  const pending = await pendingMigrations(database, migrations);
  return pending.length === 0 ? { ready: true } : { ready: false, reason: `migrations pending: ${pending.join(', ')}` };
}

/** Serves the built dashboard (web/dist) at /. */
async function registerDashboard(app: FastifyInstance) {
  const dist = join(PACKAGE_ROOT, 'web', 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send('<!doctype html><title>Samvad</title><p>The dashboard is not built. Run <code>npm run build:web</code> (npm install does it for you). API docs: <a href="/docs">/docs</a></p>'),
    );
    return;
  }
  // Built assets carry a content hash in their names: browsers keep them a year without asking
  // again (a reload of the inbox then fetches only index.html and the API answers).
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 200 && request.url.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
    return payload;
  });
  await app.register(fastifyStatic, { root: dist, prefix: '/', wildcard: false, decorateReply: false, index: ['index.html'] });
  // The dashboard routes in the browser (/inbox/…, /setup?token=…): any other GET outside the
  // APIs answers its index.html; API paths keep their JSON 404.
  const apiPrefixes = ['/api/', '/v1/', '/graph/', '/emulator', '/webhooks/', '/docs', '/assets/'];
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (apiPrefixes.some((p) => path.startsWith(p))) return reply.callNotFound();
    return reply.type('text/html').header('cache-control', 'no-cache').send(readFileSync(join(dist, 'index.html')));
  });
}

async function shutdown(http: FastifyInstance | undefined, queue: JobQueue, database: Database, logger: Logger, emulator: Emulator | undefined, whatsapp?: WhatsAppServices, dispatcher?: Dispatcher, webhooks?: WebhooksSetup) {
  logger.info('shutting down: finishing in-flight sends, jobs and requests');
  // Sends and jobs first, together (each has a grace period; the 10 s budget holds): in sandbox
  // mode their calls go to the emulator on our own HTTP server, which must still answer. Then stop
  // accepting and finish in-flight requests (what they write is durable and picked up at the next
  // start), then close storage.
  await Promise.all([dispatcher?.stop(), queue.stop(), webhooks?.close()]);
  await http?.close();
  await emulator?.close();
  await whatsapp?.close();
  await database.close();
  logger.info('shutdown complete');
}

function printBanner(url: string, boot: BootstrapResult, config: Config, emulator: Emulator | undefined, ownerSetupLink?: string) {
  const lines = ['', `  Samvad is running at ${url}/`, `  Dashboard:  ${url}/`, `  API docs:   ${url}/docs`];
  const number = emulator?.defaultNumber();
  if (emulator && number) {
    lines.push(
      '',
      `  Sandbox mode: the WhatsApp Cloud API emulator runs in-process (Graph API ${url}/graph/v21.0, control ${url}/emulator).`,
      `  Sandbox number +${number.display_phone_number} (phone number id ${number.phone_number_id}). Virtual customers:`,
      ...SEEDED_CUSTOMERS.map((c) => `    +${c.wa_id}  ${c.profile_name.padEnd(14)} ${c.summary}`),
    );
  }
  if (boot.workspace) lines.push('', `  Created workspace "${boot.workspace.name}".`);
  if (boot.apiKey) {
    lines.push(
      `  API key (shown once; send it as "Authorization: Basic <key>"):`,
      `    ${boot.apiKey}`,
      '',
      '  Try it:',
      `    curl -H "Authorization: Basic ${boot.apiKey}" ${url}/v1/public/ping/`,
    );
  }
  if (boot.adminToken) lines.push('', '  Operator token for /api/v1/admin (shown once; or set SAMVAD_ADMIN_TOKEN):', `    ${boot.adminToken}`);
  if (ownerSetupLink) lines.push('', '  Create the dashboard owner (one-time link; a new one is printed at each start until used):', `    ${ownerSetupLink}`);
  if (!config.databaseUrl) lines.push('', `  Data: ${config.dataDir}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
