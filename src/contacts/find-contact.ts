import type { Db } from '../platform/db/database.ts';
import { toContact, type Contact } from './contact.ts';

/** The workspace's contact with this phone (E.164 digits, no '+'), or null. */
export async function findContactByPhone(db: Db, workspaceId: string, phone: string): Promise<Contact | null> {
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId).where('phone', '=', phone).executeTakeFirst();
  return row ? toContact(row) : null;
}

export async function getContact(db: Db, workspaceId: string, id: string): Promise<Contact | null> {
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row ? toContact(row) : null;
}
