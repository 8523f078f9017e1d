import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { getMessage, listContactMessages } from './get-messages.ts';
import { listConversations } from './list-conversations.ts';

const Page = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$', description: 'Page size 1–200 (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const security = [{ apiKey: [] }];

/** Conversations and message history on the native API (what Interakt's API lacks). */
export function registerHistoryRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Querystring: Static<typeof Page> }>(
    '/conversations',
    {
      config: { access: 'agent' },
      schema: { tags: ['messages'], summary: 'Conversations, most recent first: last message, window open until, unread count (cursor pagination)', security, querystring: Page },
    },
    async (request) => listConversations(ctx.database.db, ctx.clock.nowMs(), principalOf(request).workspace.id, { limit: Number(request.query.limit ?? 50), cursor: request.query.cursor }),
  );
  app.get<{ Params: Static<typeof Id>; Querystring: Static<typeof Page> }>(
    '/contacts/:id/messages',
    {
      config: { access: 'agent' },
      schema: { tags: ['messages'], summary: "A contact's messages, newest first, with status timeline and cost (cursor pagination)", security, params: Id, querystring: Page },
    },
    async (request) => listContactMessages(ctx.database.db, principalOf(request).workspace.id, request.params.id, { limit: Number(request.query.limit ?? 50), cursor: request.query.cursor }),
  );
  app.get<{ Params: Static<typeof Id> }>(
    '/messages/:id',
    { config: { access: 'agent' }, schema: { tags: ['messages'], summary: 'One message with its status timeline and cost', security, params: Id } },
    async (request) => getMessage(ctx.database.db, principalOf(request).workspace.id, request.params.id),
  );
}
