import type { Db } from '../platform/db/database.ts';
import { getContact } from '../contacts/index.ts';

/**
 * A contact's name, phone and traits for canned-response variables. Contacts exports no trait
 * reader yet, so the traits are read here from its `contact_traits` table (read-only, one place);
 * switch to the contacts service when it offers one. Null when the contact does not exist.
 */
export async function contactVariables(db: Db, workspaceId: string, contactId: string): Promise<Record<string, string> | null> {
  const contact = await getContact(db, workspaceId, contactId);
  if (!contact) return null;
  const rows = await db.selectFrom('contact_traits').select(['key', 'str_val']).where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
  const vars: Record<string, string> = {};
  for (const r of rows) vars[r.key] = r.str_val;
  const name = contact.name ?? contact.profileName ?? vars.name ?? '';
  vars.name = name;
  vars.first_name = name.split(/\s+/)[0] ?? '';
  vars.phone = `+${contact.phone}`;
  return vars;
}
