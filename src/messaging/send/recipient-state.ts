import type { Db } from '../../platform/db/database.ts';
import { invalid } from './invalid.ts';

/** When the customer service window of (number, contact) closes (ms), or null when it never opened. */
export async function findConversationWindow(db: Db, numberId: string, contactId: string): Promise<number | null> {
  const row = await db.selectFrom('conversations').select('window_expires_at').where('number_id', '=', numberId).where('contact_id', '=', contactId).executeTakeFirst();
  return row?.window_expires_at == null ? null : Number(row.window_expires_at);
}

/**
 * A message to reply or react to: a wamid is used as given; Samvad's own message id is resolved to
 * its wamid (the message must belong to the workspace and have reached WhatsApp).
 */
export async function resolveReplyTarget(db: Db, workspaceId: string, ref: string, field: string): Promise<string> {
  if (ref.startsWith('wamid.')) return ref;
  const row = await db.selectFrom('messages').select(['wamid']).where('workspace_id', '=', workspaceId).where('id', '=', ref).executeTakeFirst();
  if (!row) invalid(field, `must be a WhatsApp message id (wamid.…) or the id of a message of this workspace; "${ref}" is neither`);
  if (!row.wamid) invalid(field, `names a message that has not reached WhatsApp yet (no wamid); retry once it is sent`);
  return row.wamid;
}
