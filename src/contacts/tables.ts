/**
 * Contacts (minimal for the sending issue; the contacts issue grows this module: traits, events,
 * segments, import, opt-in/out). A contact is a WhatsApp user of one workspace, keyed by phone.
 */
export interface ContactsTable {
  id: string;
  workspace_id: string;
  /** E.164 digits without '+', as Meta's wa_id: '919876543210'. Unique per workspace. */
  phone: string;
  /** '+91' */
  country_code: string;
  /** National significant number: '9876543210'. */
  phone_national: string;
  /** The brand's own id for this person (Interakt `userId`). */
  user_id: string | null;
  name: string | null;
  /** WhatsApp profile name, from inbound messages. */
  profile_name: string | null;
  /** JSON object of traits. */
  traits: string;
  /** JSON array of tags. */
  tags: string;
  /** 1 opted in, 0 opted out, null unknown. */
  whatsapp_opted_in: number | null;
  created_at: number;
  updated_at: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    contacts: ContactsTable;
  }
}
