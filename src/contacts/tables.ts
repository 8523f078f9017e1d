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
  /** Set while the contact is opted out of marketing (STOP, whatsapp_opted_in=false, Meta's 131050). Migration 0021. */
  marketing_opted_out_at?: number | null;
  marketing_opt_out_reason?: string | null;
  /** Set when the contact was erased (personal data scrubbed, anonymous counts kept). Migration 0021. */
  erased_at?: number | null;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    contacts: ContactsTable;
  }
}

/* Added by the contacts issue (migration 0021). The JSON `traits`/`tags` columns of `contacts`
 * stay the read model (one row gives a whole contact); the typed rows below are the query model
 * (index range scans for filters and segments). Both are written in the same transaction. */

/** One trait of one contact, typed so filters use index range scans. */
export interface ContactTraitsTable {
  contact_id: string;
  workspace_id: string;
  key: string;
  /** The value as text (strings, dates as given, numbers and booleans as JSON). */
  str_val: string;
  /** Numbers; booleans as 1/0; ISO dates as ms since the epoch. Null for other strings. */
  num_val: number | null;
}

export interface ContactTagsTable {
  workspace_id: string;
  tag: string;
  contact_id: string;
}

/** Events of a contact's timeline (track events, opt changes): appended, never replaced. */
export interface ContactEventsTable {
  id: string;
  workspace_id: string;
  contact_id: string;
  name: string;
  /** JSON object of the event's properties. */
  properties: string;
  /** When it happened (the event's createdAt, or the time it was tracked), ms. */
  occurred_at: number;
  created_at: number;
}

export interface SegmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  /** JSON SegmentDefinition. */
  definition: string;
  created_at: number;
  updated_at: number;
}

/** Per-workspace opt-out keywords and confirmations (defaults apply when no row exists). */
export interface ContactOptSettingsTable {
  workspace_id: string;
  /** JSON array of keywords (matched case-insensitively against the whole trimmed message). */
  stop_keywords: string;
  start_keywords: string;
  /** Confirmation texts; empty string: send none. */
  stop_reply: string;
  start_reply: string;
  updated_at: number;
}

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ContactImportsTable {
  id: string;
  workspace_id: string;
  status: ImportStatus;
  file_name: string | null;
  /** Where the uploaded CSV is kept until the import finishes. */
  file_path: string;
  /** JSON ImportMapping. */
  mapping: string;
  bytes_total: number;
  /** Bytes of the file behind rows_done (progress while the total row count is unknown). */
  bytes_done: number;
  /** Data rows processed (validated and committed, or reported); the resume point. */
  rows_done: number;
  rows_created: number;
  rows_updated: number;
  rows_failed: number;
  /** Rows whose phone appeared earlier in the file (merged into that contact). */
  rows_duplicate: number;
  /** Known when the file has been read to its end. */
  rows_total: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface ContactImportErrorsTable {
  import_id: string;
  /** 1-based data row number (the header is row 0). */
  row_number: number;
  message: string;
  /** The row's cells as JSON. */
  raw: string;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    contact_traits: ContactTraitsTable;
    contact_tags: ContactTagsTable;
    contact_events: ContactEventsTable;
    segments: SegmentsTable;
    contact_opt_settings: ContactOptSettingsTable;
    contact_imports: ContactImportsTable;
    contact_import_errors: ContactImportErrorsTable;
  }
}
