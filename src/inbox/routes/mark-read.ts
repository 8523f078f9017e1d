import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http-context.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { getConversationRef } from '../conversation-ref.ts';
import { Id, security, tags } from './common.ts';

/**
 * POST /api/v1/inbox/conversations/:id/read — an agent opened the conversation: its unread count
 * (messaging's conversations.unread_count, raised by each customer message) goes back to zero.
 * It does not send a read receipt to the customer.
 */
export function registerMarkReadRoute(app: FastifyInstance, ctx: AppContext) {
  app.post<{ Params: Static<typeof Id> }>(
    '/inbox/conversations/:id/read',
    { config: { access: 'agent' }, schema: { tags, summary: 'Mark the conversation read in the inbox (unread count back to 0; no read receipt is sent)', security, params: Id, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const ref = await getConversationRef(ctx.database.db, principalOf(request).workspace.id, request.params.id);
      await ctx.database.transaction((tx) => tx.db.updateTable('conversations').set({ unread_count: 0 }).where('id', '=', ref.conversationId).where('workspace_id', '=', ref.workspaceId).where('unread_count', '>', 0).execute());
      return reply.code(204).send();
    },
  );
}
