import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

/** A conversation as the inbox addresses it: messaging's id and its (number, contact) key. */
export interface ConversationRef {
  workspaceId: string;
  conversationId: string;
  numberId: string;
  contactId: string;
}

/*
 * Read-only lookups in messaging's `conversations` table (id → number and contact). Messaging
 * exports no lookup for this yet; when it does, these two functions are the only place to change.
 */

export async function findConversationRef(db: Db, workspaceId: string, conversationId: string): Promise<ConversationRef | null> {
  const row = await db.selectFrom('conversations').select(['id', 'number_id', 'contact_id']).where('workspace_id', '=', workspaceId).where('id', '=', conversationId).executeTakeFirst();
  return row ? { workspaceId, conversationId: row.id, numberId: row.number_id, contactId: row.contact_id } : null;
}

export async function getConversationRef(db: Db, workspaceId: string, conversationId: string): Promise<ConversationRef> {
  const ref = await findConversationRef(db, workspaceId, conversationId);
  if (!ref) throw new AppError('not_found', `Conversation ${conversationId} not found`);
  return ref;
}

/** The contact's most recently active conversation (Interakt has one number per account; with several, the latest wins). */
export async function latestConversationOfContact(db: Db, workspaceId: string, contactId: string): Promise<ConversationRef | null> {
  const row = await db
    .selectFrom('conversations')
    .select(['id', 'number_id', 'contact_id'])
    .where('workspace_id', '=', workspaceId)
    .where('contact_id', '=', contactId)
    .orderBy('last_message_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { workspaceId, conversationId: row.id, numberId: row.number_id, contactId: row.contact_id } : null;
}
