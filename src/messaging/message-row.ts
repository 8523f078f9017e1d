import type { Insertable } from 'kysely';
import { precompiledInsert } from '../platform/db/precompiled.ts';
import type { MessagesTable } from './tables.ts';

type Required = 'id' | 'workspace_id' | 'number_id' | 'contact_id' | 'recipient' | 'direction' | 'type' | 'content' | 'source' | 'status' | 'created_at' | 'updated_at';

/**
 * A full messages row from the fields that matter for one kind of message; everything else starts
 * empty (no wamid, no error, no pricing, no status times). One place lists the columns, so sends,
 * inbound recording and tests cannot drift apart when a column is added.
 */
export function messageRow(fields: Pick<Insertable<MessagesTable>, Required> & Partial<Insertable<MessagesTable>>): Insertable<MessagesTable> {
  return {
    callback_data: null,
    campaign_id: null,
    reply_to_wamid: null,
    template_name: null,
    template_language: null,
    template_category: null,
    wamid: null,
    error_code: null,
    error_title: null,
    error_details: null,
    pricing_category: null,
    pricing_type: null,
    billable: null,
    attempts: 0,
    expires_at: null,
    sent_at: null,
    delivered_at: null,
    read_at: null,
    failed_at: null,
    ...fields,
  };
}

const MESSAGE_COLUMNS = [
  'id', 'workspace_id', 'number_id', 'contact_id', 'recipient', 'direction', 'type', 'content', 'source', 'callback_data', 'campaign_id',
  'reply_to_wamid', 'template_name', 'template_language', 'template_category', 'wamid', 'status', 'error_code', 'error_title', 'error_details',
  'pricing_category', 'pricing_type', 'billable', 'attempts', 'expires_at', 'created_at', 'sent_at', 'delivered_at', 'read_at', 'failed_at', 'updated_at',
] as const satisfies readonly (keyof MessagesTable)[];

/** Inserts a row made by messageRow() with a query compiled once (the send hot path). */
export const insertMessage = precompiledInsert('messages', MESSAGE_COLUMNS);
