import type { Dialect, Tx } from '../platform/db/database.ts';
import type { ConversationRef } from './conversation-ref.ts';
import type { InboxConversationsTable } from './tables.ts';

export type StateRow = InboxConversationsTable;

/** How the inbox shows a conversation's handling. */
export interface ConversationState {
  conversationId: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  teamId: string | null;
  assignedAt: string | null;
  openedAt: string;
  closedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function toState(r: StateRow): ConversationState {
  return {
    conversationId: r.conversation_id,
    status: r.status as 'open' | 'closed',
    assigneeId: r.assignee_user_id,
    teamId: r.team_id,
    assignedAt: iso(r.assigned_at),
    openedAt: iso(r.opened_at)!,
    closedAt: iso(r.closed_at),
  };
}

/**
 * The conversation's inbox row, created open and unassigned when missing (conversations that
 * existed before the inbox, or started by an outbound send). Locked for the transaction on
 * PostgreSQL so concurrent assignments of one conversation apply one after the other.
 */
export async function lockState(tx: Tx, dialect: Dialect, ref: ConversationRef, now: number): Promise<{ row: StateRow; created: boolean }> {
  const inserted = await tx.db
    .insertInto('inbox_conversations')
    .values({
      number_id: ref.numberId,
      contact_id: ref.contactId,
      workspace_id: ref.workspaceId,
      conversation_id: ref.conversationId,
      status: 'open',
      assignee_user_id: null,
      team_id: null,
      assigned_at: null,
      opened_at: now,
      closed_at: null,
      last_auto_reply_at: null,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['number_id', 'contact_id']).doNothing())
    .executeTakeFirst();
  let q = tx.db.selectFrom('inbox_conversations').selectAll().where('number_id', '=', ref.numberId).where('contact_id', '=', ref.contactId);
  if (dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirstOrThrow();
  return { row, created: Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1 };
}

export async function updateState(tx: Tx, ref: ConversationRef, set: Partial<StateRow>): Promise<void> {
  await tx.db.updateTable('inbox_conversations').set(set).where('number_id', '=', ref.numberId).where('contact_id', '=', ref.contactId).execute();
}
