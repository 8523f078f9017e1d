import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { registerContactErasure } from '../contacts/index.ts';
import type { AppContext } from '../http-context.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { QUEUE_CHANNEL, type JobQueue } from '../platform/queue/index.ts';
import type { RetentionRegistry } from '../platform/retention/index.ts';
import { InboxEventHub } from './events/hub.ts';
import { INBOX_EVENTS_CHANNEL, registerInboxWaker } from './events/publish.ts';
import { registerEventStreamRoute } from './events/stream-route.ts';
import { subscribeStatusEvents } from './events/status-events.ts';
import { eraseContactNotes } from './notes.ts';
import { OUT_OF_HOURS_JOB, outOfHoursReplyHandler } from './out-of-hours-reply.ts';
import { registerConversationRoutes } from './routes/conversation-routes.ts';
import { registerWorkspaceInboxRoutes } from './routes/workspace-inbox-routes.ts';
import { registerConversationCardsRoute } from './routes/conversation-cards.ts';
import { registerSendReplyRoute } from './routes/send-reply.ts';
import { registerMarkReadRoute } from './routes/mark-read.ts';
import { registerMessageMediaRoute } from './routes/message-media.ts';

/** Realtime events are for live screens and short reconnects, not history. */
export const INBOX_EVENTS_RETENTION_DAYS = 3;

/**
 * The inbox's background parts, in every role: the out-of-hours reply job, retention of the
 * event log, after-commit wake-ups (NOTIFY) for streams and jobs, the contact eraser.
 */
export function setupInbox(deps: { database: Database; clock: Clock; logger: Logger; queue: JobQueue; retention: RetentionRegistry; wake: (numberId: string) => void }): void {
  deps.queue.register(OUT_OF_HOURS_JOB, outOfHoursReplyHandler(deps), { maxAttempts: 5 });
  deps.retention.register({ name: 'inbox.events', table: 'inbox_events', timeColumn: 'created_at', idColumn: 'seq', days: INBOX_EVENTS_RETENTION_DAYS, workspaceScoped: true });
  const notify = (channel: string) => () => void deps.database.notifications.notify(channel).catch(() => {});
  registerInboxWaker({ events: notify(INBOX_EVENTS_CHANNEL), jobs: notify(QUEUE_CHANNEL) });
  subscribeStatusEvents(deps.clock);
  registerContactErasure('inbox.notes_and_labels', (db: Kysely<any>, workspaceId, contactId) => eraseContactNotes(db as never, workspaceId, contactId));
}

/** The inbox's native routes and its SSE stream (the stream hub lives as long as the HTTP server). */
export function registerInboxRoutes(app: FastifyInstance, ctx: AppContext): void {
  const hub = new InboxEventHub(ctx.database, ctx.logger.child({ component: 'inbox-events' }));
  app.addHook('onReady', async () => hub.start());
  app.addHook('onClose', async () => hub.close());
  registerEventStreamRoute(app, ctx, hub);
  registerConversationRoutes(app, ctx);
  registerWorkspaceInboxRoutes(app, ctx);
  registerSendReplyRoute(app, ctx);
  registerConversationCardsRoute(app, ctx);
  registerMarkReadRoute(app, ctx);
  registerMessageMediaRoute(app, ctx);
}
