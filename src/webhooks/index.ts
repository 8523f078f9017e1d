/**
 * Outbound webhooks (issue 5): endpoints, the event catalogue, Interakt-format payload builders,
 * the signer, the deliverer, the delivery log with replay, and the polling feed.
 *
 * Other modules: build a body with one of the builders and call `recordEvents(tx, [...])` in the
 * transaction of the change that caused it (contract 1).
 */
import type { SecretBox } from '../channels/whatsapp/secret-box.ts';
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { RetentionRegistry } from '../platform/retention/index.ts';
import { registerContactErasure } from '../contacts/index.ts';
import { onStatusChanges } from '../messaging/status/index.ts';
import { WebhookDeliverer } from './delivery/deliverer.ts';
import { sealPlainSecrets } from './endpoints.ts';
import { eraseContactWebhookData } from './erasure.ts';
import { recordStatusEvents } from './message-events.ts';
import { webhookRetentionKinds } from './retention.ts';
import { webhooksRuntime } from './runtime.ts';
import { coalescing, registerWebhookNotifier, WEBHOOKS_CHANNEL } from './wake.ts';

export { recordEvents, type OutboundEvent } from './record-events.ts';
export * from './payloads/index.ts';
export { EVENT_TYPES, isEventType, type EventType } from './catalogue.ts';
export { recordStatusEvents, recordInboundEvents, recordCtaClickEvent, type StatusChangeInput } from './message-events.ts';
export { eraseContactWebhookData } from './erasure.ts';
export { signDelivery, verifyInteraktSignature, verifySamvadSignature } from './sign.ts';
export { WebhookDeliverer } from './delivery/deliverer.ts';
export { registerWebhookRoutes } from './routes.ts';
export { webhooksMigrations } from './migrations.ts';

export interface WebhooksSetup {
  deliverer: WebhookDeliverer;
  /** Starts the deliverer (worker roles). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wires the module into a process: retention kinds, the commit notifier (every role: API
 * processes record events too), media URLs for payloads, and the deliverer (started by worker
 * roles only).
 */
export function setupWebhooks(deps: {
  database: Database;
  clock: Clock;
  logger: Logger;
  config: Config;
  retention: RetentionRegistry;
  /** The instance's SecretBox (endpoint secrets are sealed with it). */
  secrets: SecretBox;
  mediaUrl?: (storedKey: string, nowMs: number) => string;
}): WebhooksSetup {
  for (const kind of webhookRetentionKinds(deps.config.retention)) deps.retention.register(kind);
  if (deps.mediaUrl) webhooksRuntime.mediaUrl = deps.mediaUrl;
  const notify = coalescing(
    () => deps.database.notifications.notify(WEBHOOKS_CHANNEL),
    (err) => deps.logger.warn({ err }, 'webhook wake-up NOTIFY failed'),
  );
  const unregister = registerWebhookNotifier(notify);
  const offStatus = subscribeStatusEvents(deps.clock);
  registerContactErasure('webhooks', (db, workspaceId, contactId) => eraseContactWebhookData(db, workspaceId, contactId));
  const deliverer = new WebhookDeliverer({ database: deps.database, clock: deps.clock, logger: deps.logger.child({ component: 'webhooks' }), config: deps.config.webhooks, secrets: deps.secrets });
  let started = false;
  return {
    deliverer,
    async start() {
      started = true;
      const sealed = await sealPlainSecrets(deps.database, deps.secrets);
      if (sealed > 0) deps.logger.info({ endpoints: sealed }, 'webhook endpoint secrets stored before 0064 are now sealed');
      await deliverer.start();
    },
    async close() {
      unregister();
      offStatus();
      if (started) await deliverer.stop();
    },
  };
}

// Status hooks are process-wide (messaging keeps one list): one subscription however many apps
// run in this process (tests), so no status emits its event twice.
let statusSubscribers = 0;
let offStatusHook: (() => void) | undefined;

function subscribeStatusEvents(clock: Clock): () => void {
  if (statusSubscribers++ === 0) {
    offStatusHook = onStatusChanges((tx, batch) => recordStatusEvents(tx, batch.workspaceId, batch.reported, clock.nowMs(), { messages: batch.messages, costs: batch.costs }));
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--statusSubscribers === 0) offStatusHook?.();
  };
}
