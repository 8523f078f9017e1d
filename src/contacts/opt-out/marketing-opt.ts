import type { Kysely } from 'kysely';
import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { appendContactEvent } from '../events/append-event.ts';

/** Timeline event names of opt changes (every opt change is an event). */
export const OPTED_OUT_EVENT = 'WhatsApp Opted Out';
export const OPTED_IN_EVENT = 'WhatsApp Opted In';

/** Why a contact's opt state changed. */
export type OptReason = 'keyword' | 'api' | 'import' | 'meta_131050' | 'agent' | (string & {});

function handleOf(db: Kysely<any> | Tx): Kysely<any> {
  return 'afterCommit' in db ? (db.db as unknown as Kysely<any>) : db;
}

/** True when the contact is opted out of marketing (marketing templates and campaigns skip it). */
export async function isOptedOutOfMarketing(db: Kysely<any>, workspaceId: string, contactId: string): Promise<boolean> {
  const row = await db.selectFrom('contacts').select('marketing_opted_out_at').where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
  return row !== undefined && row.marketing_opted_out_at !== null;
}

/**
 * Opts the contact out of marketing (whatsapp_opted_in becomes false) and records the change on
 * its timeline, in the caller's transaction. Idempotent: an opted-out contact is left as it is and
 * no event is added. Returns whether the state changed.
 */
export async function optOutOfMarketing(db: Kysely<any> | Tx, workspaceId: string, contactId: string, reason: OptReason, atMs: number, properties: Record<string, unknown> = {}): Promise<boolean> {
  const h = handleOf(db);
  const r = await h
    .updateTable('contacts')
    .set({ marketing_opted_out_at: atMs, marketing_opt_out_reason: reason, whatsapp_opted_in: 0, updated_at: atMs })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', contactId)
    .where('marketing_opted_out_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    // Already opted out, or an unknown contact; a contact never asked keeps `null` (unknown) only until here.
    return false;
  }
  await appendContactEvent(db, workspaceId, contactId, OPTED_OUT_EVENT, { reason, ...properties }, atMs);
  return true;
}

/** Opts the contact back in (START, whatsapp_opted_in=true); idempotent like optOutOfMarketing. */
export async function optInToMarketing(db: Kysely<any> | Tx, workspaceId: string, contactId: string, reason: OptReason, atMs: number, properties: Record<string, unknown> = {}): Promise<boolean> {
  const h = handleOf(db);
  const row = await h.selectFrom('contacts').select(['marketing_opted_out_at', 'whatsapp_opted_in']).where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
  if (!row) return false;
  if (row.marketing_opted_out_at === null && Number(row.whatsapp_opted_in) === 1) return false;
  await h
    .updateTable('contacts')
    .set({ marketing_opted_out_at: null, marketing_opt_out_reason: null, whatsapp_opted_in: 1, updated_at: atMs })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', contactId)
    .execute();
  await appendContactEvent(db, workspaceId, contactId, OPTED_IN_EVENT, { reason, ...properties }, atMs);
  return true;
}

/** Interakt-style refusal of a marketing template to an opted-out contact (utility and authentication still go). */
export const OPTED_OUT_MESSAGE = 'Please correct the following error - Customer has opted out of marketing messages (STOP); marketing templates are not sent to them. Utility and authentication templates still are.';

/**
 * The send path's check (contract 2): a MARKETING template to a contact opted out of marketing is
 * refused with a 400, in the send's transaction. Other categories are not checked.
 */
export async function assertMarketingAllowed(db: Kysely<any>, workspaceId: string, contactId: string, category: string | undefined): Promise<void> {
  if (category === undefined || category.toUpperCase() !== 'MARKETING') return;
  if (await isOptedOutOfMarketing(db, workspaceId, contactId)) {
    throw new AppError('validation_failed', OPTED_OUT_MESSAGE, [{ field: 'template', message: 'contact opted out of marketing' }]);
  }
}
