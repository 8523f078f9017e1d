import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { createLocalMediaStore, createMediaUrlSigner, registerMediaRetention, registerMediaRoutes, type MediaStore, type MediaUrlSigner } from '../../platform/media/index.ts';
import type { JobQueue } from '../../platform/queue/index.ts';
import type { RetentionRegistry } from '../../platform/retention/index.ts';
import { createWhatsAppChannel, type ChannelTimeouts } from './cloud-api/channel.ts';
import { registerNumberRoutes } from './numbers/routes.ts';
import { loadSecretBox, type SecretBox } from './secret-box.ts';
import type { WhatsAppChannel } from './types.ts';
import { defaultDownstream, type InboundHooks, type WebhookDownstream } from './webhooks/downstream.ts';
import { PROCESS_WEBHOOK_JOB, PROCESS_WEBHOOK_MAX_ATTEMPTS, processWebhookJob } from './webhooks/process-webhook.ts';
import { registerWebhookReceiver } from './webhooks/receiver-routes.ts';

export { createWhatsAppChannel, MetaApiError, type ChannelTimeouts } from './cloud-api/channel.ts';
export { ACCOUNT_CODES, RETRYABLE_CODES, TRANSPORT_ERROR_CODE } from './cloud-api/classify.ts';
export { ensureInboundMedia, type InboundMediaDeps } from './media/inbound-media.ts';
export { toBusinessNumber, type BusinessNumber } from './numbers/business-number.ts';
export {
  addNumber,
  credentialsOf,
  findNumberByPhoneNumberId,
  getDefaultNumber,
  getNumber,
  getNumberCredentials,
  listNumbers,
  pauseNumberDispatch,
  removeNumber,
  resumeNumberDispatch,
  updateNumber,
  type AddNumberInput,
  type UpdateNumberInput,
} from './numbers/manage-numbers.ts';
export { testNumber, type NumberTestReport } from './numbers/test-number.ts';
export { connectSandboxNumber } from './sandbox/connect-sandbox-number.ts';
export { SecretBox, loadSecretBox } from './secret-box.ts';
export { PROCESS_WEBHOOK_JOB, processWebhook } from './webhooks/process-webhook.ts';
export { WEBHOOK_PATH } from './webhooks/receiver-routes.ts';

/** What the WhatsApp channel gives the rest of the process (AppContext.whatsapp). */
export interface WhatsAppServices {
  secrets: SecretBox;
  channel: ReturnType<typeof createWhatsAppChannel>;
  media: MediaStore;
  mediaUrls: MediaUrlSigner;
  /** Set by the dispatcher at start (inbound messages debit the number's throughput bucket). */
  inboundHooks: InboundHooks;
  /** Called when an operator resumes a paused number (the dispatcher sets it to wake that number). */
  onResume?: (numberId: string) => void;
  /** Replaceable in tests. */
  downstream: WebhookDownstream;
  close(): Promise<void>;
}

export function createWhatsAppServices(deps: { config: Config; clock: Clock; logger: Logger; channel?: WhatsAppChannel; timeouts?: Partial<ChannelTimeouts> }): WhatsAppServices {
  const secrets = loadSecretBox({ secretKey: deps.config.secretKey, dataDir: deps.config.dataDir, singleProcess: deps.config.role === 'all' });
  const channel = createWhatsAppChannel({ clock: deps.clock, logger: deps.logger.child({ component: 'cloud-api' }), ...(deps.timeouts ? { timeouts: deps.timeouts } : {}) });
  const inboundHooks: InboundHooks = {};
  return {
    secrets,
    channel,
    media: createLocalMediaStore(join(deps.config.dataDir, 'media')),
    mediaUrls: createMediaUrlSigner((data) => secrets.sign(data)),
    inboundHooks,
    downstream: defaultDownstream(inboundHooks),
    close: () => channel.close(),
  };
}

/**
 * Refuses to start a process without a secret key when numbers exist (their secrets could not be
 * read): the message names SAMVAD_SECRET_KEY.
 */
export async function checkSecretKey(database: Database, services: WhatsAppServices): Promise<void> {
  if (services.secrets.available) return;
  const any = await database.db.selectFrom('business_numbers').select('id').limit(1).executeTakeFirst();
  if (any) {
    throw new Error(
      'SAMVAD_SECRET_KEY is not set: WhatsApp numbers are connected and their secrets cannot be read. Set SAMVAD_SECRET_KEY to the same 32-byte key (64 hex characters) on every api and worker process.',
    );
  }
}

/** Registers the webhook-processing job and the retention of raw webhooks, kept media and media rows. */
export function registerWhatsAppJobs(deps: { database: Database; clock: Clock; logger: Logger; queue: JobQueue; retention: RetentionRegistry; config: Config; services: WhatsAppServices }): void {
  const s = deps.services;
  deps.queue.register<{ rawWebhookId: string }>(
    PROCESS_WEBHOOK_JOB,
    (job) =>
      processWebhookJob({ database: deps.database, clock: deps.clock, logger: deps.logger.child({ component: 'whatsapp-webhooks' }), secrets: s.secrets, channel: s.channel, media: s.media, downstream: s.downstream })(job),
    { maxAttempts: PROCESS_WEBHOOK_MAX_ATTEMPTS, backoffBaseMs: 2_000 },
  );
  const r = deps.config.retention;
  deps.retention.register({ name: 'whatsapp.raw_webhooks', table: 'raw_webhooks', timeColumn: 'received_at', days: () => r.rawProviderWebhooksDays, workspaceScoped: true });
  deps.retention.register({ name: 'whatsapp.media_index', table: 'whatsapp_media', timeColumn: 'created_at', days: () => r.mediaDays, workspaceScoped: true });
  registerMediaRetention(deps.retention, s.media, () => r.mediaDays);
}

/** The webhook receiver and signed media URLs (root scope), before listen. */
export async function registerWhatsAppHttp(app: FastifyInstance, deps: { database: Database; clock: Clock; logger: Logger; queue: JobQueue; services: WhatsAppServices }): Promise<void> {
  await registerWebhookReceiver(app, { database: deps.database, clock: deps.clock, logger: deps.logger, secrets: deps.services.secrets, queue: deps.queue });
  registerMediaRoutes(app, { store: deps.services.media, signer: deps.services.mediaUrls, clock: deps.clock });
}

/** /api/v1/numbers — call inside the native API scope so its auth hook applies. */
export function registerWhatsAppApiRoutes(scope: FastifyInstance, deps: { database: Database; clock: Clock; services: WhatsAppServices }): void {
  registerNumberRoutes(scope, {
    database: deps.database,
    clock: deps.clock,
    secrets: deps.services.secrets,
    channel: deps.services.channel,
    onResume: (id) => deps.services.onResume?.(id),
  });
}
