import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { isSessionPrincipal } from '../../workspaces/people/index.ts';
import type { InboxEventHub } from './hub.ts';
import { isCursor } from './read-events.ts';

const Query = Type.Object({ lastEventId: Type.Optional(Type.String({ maxLength: 64, description: 'Resume after this event id (same as the Last-Event-ID header)' })) });
const KEEPALIVE_MS = 15_000;

/**
 * GET /api/v1/inbox/events — Server-Sent Events for the inbox: message.received,
 * message.status, conversation.assignment, conversation.status, conversation.labels,
 * note.created (stored, with an `id`), and typing of other signed-in users (ephemeral: no `id`,
 * never replayed). Authenticated by the session cookie (EventSource sends it) or a key.
 * Each stored event's `id` is its position; a reconnecting EventSource sends it back as
 * Last-Event-ID and the stream resumes right after it (events are kept 3 days).
 */
export function registerEventStreamRoute(app: FastifyInstance, ctx: AppContext, hub: InboxEventHub) {
  const open = new Set<() => void>();
  // Streams never end on their own: end them before the server waits for open connections.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get<{ Querystring: Static<typeof Query> }>(
    '/inbox/events',
    {
      config: { access: 'agent' },
      schema: { tags: ['inbox'], summary: 'Realtime inbox events (Server-Sent Events; resumes after Last-Event-ID)', security: [{ apiKey: [] }], querystring: Query, produces: ['text/event-stream'] },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { workspace } = principal;
      const header = request.headers['last-event-id'];
      const resume = (typeof header === 'string' && header !== '' ? header : undefined) ?? request.query.lastEventId;
      if (resume !== undefined && !isCursor(ctx.database, resume)) throw new AppError('validation_failed', `Last-Event-ID "${resume}" is not an event id of this stream`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write('retry: 2000\n\n');
      const userId = isSessionPrincipal(principal) ? principal.user.id : undefined;
      const unsubscribe = hub.subscribe(workspace.id, userId, resume, (e) => {
        // An ephemeral event (typing) has no `id:` line: the browser's Last-Event-ID stays at the
        // last stored event, so a reconnect resumes the real events without a gap.
        const id = e.cursor !== undefined ? `id: ${e.cursor}\n` : '';
        res.write(`${id}event: ${e.type}\ndata: ${JSON.stringify({ ...(e.payload as object), at: new Date(e.createdAt).toISOString() })}\n\n`);
      });
      const ping = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
      const end = () => {
        clearInterval(ping);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      request.raw.on('close', end);
    },
  );
}
