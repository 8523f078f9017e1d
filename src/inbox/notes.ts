import type { Clock } from '../platform/clock.ts';
import type { Database, Db, Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Actor } from './assignment.ts';
import type { ConversationRef } from './conversation-ref.ts';
import { publishInboxEvents } from './events/publish.ts';

/** A private note: seen by the team in the inbox, never sent to the customer. */
export interface Note {
  id: string;
  conversationId: string;
  body: string;
  authorId: string | null;
  authorKeyId: string | null;
  createdAt: string;
}

export const NOTE_MAX = 10_000;

type Row = { id: string; conversation_id: string; body: string; author_user_id: string | null; author_key_id: string | null; created_at: number };
const toNote = (r: Row): Note => ({ id: r.id, conversationId: r.conversation_id, body: r.body, authorId: r.author_user_id, authorKeyId: r.author_key_id, createdAt: new Date(Number(r.created_at)).toISOString() });

export async function addNote(database: Database, clock: Clock, ref: ConversationRef, body: string, actor: Exclude<Actor, 'auto'>): Promise<Note> {
  const text = body.trim();
  if (text === '' || text.length > NOTE_MAX) throw new AppError('validation_failed', `body must be 1–${NOTE_MAX} characters`, [{ field: 'body' }]);
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const row: Row & { workspace_id: string; number_id: string; contact_id: string } = {
      id: newId(now),
      workspace_id: ref.workspaceId,
      number_id: ref.numberId,
      contact_id: ref.contactId,
      conversation_id: ref.conversationId,
      author_user_id: 'userId' in actor ? actor.userId : null,
      author_key_id: 'keyId' in actor ? actor.keyId : null,
      body: text,
      created_at: now,
    };
    await tx.db.insertInto('notes').values(row).execute();
    const note = toNote(row);
    await publishInboxEvents(tx, now, [{ workspaceId: ref.workspaceId, type: 'note.created', payload: { conversationId: ref.conversationId, contactId: ref.contactId, note } }]);
    return note;
  });
}

export async function listNotes(db: Db, ref: ConversationRef): Promise<Note[]> {
  const rows = await db.selectFrom('notes').selectAll().where('workspace_id', '=', ref.workspaceId).where('conversation_id', '=', ref.conversationId).orderBy('created_at').orderBy('id').limit(1000).execute();
  return rows.map(toNote);
}

/** Deletes a note: its author, or an admin. */
export async function deleteNote(database: Database, workspaceId: string, noteId: string, actor: { userId: string | null; isAdmin: boolean }): Promise<void> {
  await database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('notes').select(['id', 'author_user_id']).where('workspace_id', '=', workspaceId).where('id', '=', noteId).executeTakeFirst();
    if (!row) throw new AppError('not_found', `Note ${noteId} not found`);
    if (!actor.isAdmin && row.author_user_id !== actor.userId) throw new AppError('forbidden', 'Only its author or an admin deletes a note');
    await tx.db.deleteFrom('notes').where('id', '=', noteId).execute();
  });
}

/** Contact erasure (contract 2): notes about the contact go with it. */
export async function eraseContactNotes(db: Tx['db'], workspaceId: string, contactId: string): Promise<void> {
  await db.deleteFrom('notes').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
  await db.deleteFrom('contact_labels').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
  await db.deleteFrom('conversation_labels').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
  await db.deleteFrom('inbox_conversations').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
}
