import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findContactByPhone } from '../../contacts/index.ts';
import type { AppContext } from '../../http-context.ts';
import { AGENT_NOT_FOUND, assignConversation, latestConversationOfContact } from '../../inbox/index.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { findMemberByEmail } from '../../workspaces/people/index.ts';
import { principalOf } from '../plugin.ts';

/** Interakt's exact strings (reference interakt-api.md §7.2). */
export const CHAT_ASSIGNED = 'Chat Assigned Successfully';
export const CONVERSATION_NOT_FOUND = 'Conversation not found';

const AssignmentBody = Type.Object(
  {
    user_phone_number: Type.String({ minLength: 1, maxLength: 32, description: 'Country code and number, no "+" or spaces: "919876543210"' }),
    agent_email: Type.String({ minLength: 1, maxLength: 254, description: 'Email of a member of the workspace (a dashboard user)' }),
  },
  { additionalProperties: true },
);

/**
 * POST /v1/public/assignment/ — Interakt's chat assignment: 200 {"result": true, "message":
 * "Chat Assigned Successfully"}; 400 "Chat is already assigned to same agent" when it is; 400
 * "Agent not found" / "Agent inactive" / "Conversation not found" (the clone-documented reasons).
 * The conversation is the customer's most recent one.
 */
export function registerAssignment(app: FastifyInstance, ctx: AppContext) {
  app.post<{ Body: Static<typeof AssignmentBody> }>(
    '/assignment',
    {
      schema: {
        tags: ['interakt'],
        summary: 'Assign a customer chat to an agent (Interakt)',
        security: [{ apiKey: [] }],
        body: AssignmentBody,
        response: { 200: Type.Object({ result: Type.Boolean(), message: Type.String() }) },
      },
    },
    async (request) => {
      const { workspace } = principalOf(request);
      const phone = request.body.user_phone_number.replace(/[\s+\-()]/g, '');
      if (!/^\d{6,18}$/.test(phone)) throw new AppError('validation_failed', 'user_phone_number must be the country code and number, digits only, e.g. 919876543210');
      const agent = await findMemberByEmail(ctx.database.db, workspace.id, request.body.agent_email);
      if (!agent) throw new AppError('bad_request', AGENT_NOT_FOUND);
      const contact = await findContactByPhone(ctx.database.db, workspace.id, phone);
      const ref = contact ? await latestConversationOfContact(ctx.database.db, workspace.id, contact.id) : null;
      if (!ref) throw new AppError('bad_request', CONVERSATION_NOT_FOUND);
      try {
        await assignConversation(ctx.database, ctx.clock, ref, agent.id, { keyId: principalOf(request).keyId });
      } catch (err) {
        // Interakt answers every refusal of this route with 400.
        if (isAppError(err) && err.status < 500) throw new AppError('bad_request', err.message);
        throw err;
      }
      return { result: true, message: CHAT_ASSIGNED };
    },
  );
}
